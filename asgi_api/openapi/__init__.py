"""OpenAPI: the document built from route plans (`schema`) and the pages that show it (`docs`)."""
