"""The server's own middleware: HTTP Basic auth and CSRF tokens for the reference API."""
