"""Certificates of participation and letters of thanks: who has earned one (attendance), the
number and issuing (issue), the words (documents), fonts, layout and drawing as PDF (render)."""
