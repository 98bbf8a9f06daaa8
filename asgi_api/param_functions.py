"""The parameter markers under the module path FastAPI users import them from
(`from fastapi.param_functions import Query`).

asgi_api has one module for markers, `asgi_api.params`: FastAPI splits the functions users call
(`param_functions`) from the classes they return (`params`), asgi_api does not need to. This module
only re-exports the functions, so code written against FastAPI's path keeps working unchanged.
"""

from asgi_api.params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security

__all__ = ["Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query", "Security"]
