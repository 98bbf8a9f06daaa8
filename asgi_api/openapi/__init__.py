"""OpenAPI: the document built from route plans (`schema`, importable as FastAPI's `utils`) and the
pages that show it (`docs`)."""
