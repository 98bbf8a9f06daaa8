"""Database operations of the reference REST API, one module per resource (SQL only, no HTTP)."""
