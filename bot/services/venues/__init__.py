"""Offline venues as data (issue 15): seats, the waiting list and the notice of a freed seat."""
