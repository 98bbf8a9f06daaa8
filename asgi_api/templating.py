"""Jinja2 templates (needs jinja2): Starlette's, under FastAPI's path."""

from starlette.templating import Jinja2Templates

__all__ = ["Jinja2Templates"]
