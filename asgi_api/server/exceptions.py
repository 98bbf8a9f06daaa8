"""Application exceptions of the server: raised by models, rendered by the server's handlers."""

__all__ = ["ObjectNotFoundError"]


class ObjectNotFoundError(Exception):
    """A database object an operation needs does not exist; the server's handlers render it as a 404."""
