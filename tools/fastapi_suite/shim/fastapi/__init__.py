"""A `fastapi` package that is asgi_api under FastAPI's names, so FastAPI's own tests run unchanged.

It implements nothing: `fastapi.X` is `asgi_api.X` (a finder aliases every submodule), `FastAPI` is
`API` with FastAPI's default title. A name asgi_api lacks is missing here too, and so is counted.
The one module of its own, `_compat.py`, holds two values of the installed pydantic (see there).
"""

import importlib
import importlib.abc
import importlib.util
import os
import sys
from typing import Any

import asgi_api
from asgi_api import *  # noqa: F403
from asgi_api import API


class FastAPI(API):
    def __init__(self, *args: Any, title: str = "FastAPI", **kwargs: Any) -> None:
        super().__init__(*args, title=title, **kwargs)


__version__ = "0.165.0"


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`fastapi.a.b` -> the module `asgi_api.a.b`, the very same object."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if not name.startswith("fastapi."):
            return None
        real = "asgi_api." + name.removeprefix("fastapi.")
        try:
            if importlib.util.find_spec(real) is None:
                return None
        except ModuleNotFoundError:
            return None
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec: Any) -> Any:
        return importlib.import_module("asgi_api." + spec.name.removeprefix("fastapi."))

    def exec_module(self, module: Any) -> None:
        pass


sys.meta_path.insert(0, _Alias())
__path__: list[str] = [os.path.dirname(__file__)]  # only for _compat.py
__all__ = [*asgi_api.__all__, "FastAPI"]
