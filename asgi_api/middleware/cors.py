"""`CORSMiddleware`: Starlette's, under FastAPI's path."""

from starlette.middleware.cors import CORSMiddleware

__all__ = ["CORSMiddleware"]
