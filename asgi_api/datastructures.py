"""Request data structures: Starlette's, under FastAPI's path."""

from starlette.datastructures import URL, Address, FormData, Headers, QueryParams, State, UploadFile

__all__ = ["URL", "Address", "FormData", "Headers", "QueryParams", "State", "UploadFile"]
