"""The pages, one module per feature; each has `setup(app)` adding its routes."""
