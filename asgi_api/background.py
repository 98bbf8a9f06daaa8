"""`BackgroundTasks`: functions run after the response is sent (Starlette's, under FastAPI's path)."""

from starlette.background import BackgroundTasks

__all__ = ["BackgroundTasks"]
