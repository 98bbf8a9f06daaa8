"""The two facts about the installed pydantic that FastAPI's tests import from `fastapi._compat`.

Nine of the suite's test files import `PYDANTIC_VERSION_MINOR_TUPLE` only to skip a case on an old
pydantic, and one imports pydantic's `Undefined` sentinel as an input value; without them those
files fail to import and none of their tests run. Both are pydantic's own values, not asgi_api
behaviour: nothing here is called by asgi_api.
"""

from pydantic.version import VERSION
from pydantic_core import PydanticUndefined as Undefined

PYDANTIC_VERSION_MINOR_TUPLE = tuple(int(part) for part in VERSION.split(".")[:2])

__all__ = ["PYDANTIC_VERSION_MINOR_TUPLE", "Undefined"]
