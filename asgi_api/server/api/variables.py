"""`/variables`: named JSON values flows read at run time, addressable by id or by name."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from asgi_api.exceptions import HTTPException, RequestValidationError
from asgi_api.params import Body, Depends
from asgi_api.routing import APIRouter
from asgi_api.server.api.limits import Limit, Offset, resolve_limit, resolve_offset
from asgi_api.server.database import Session
from asgi_api.server.dependencies import read_session, write_session
from asgi_api.server.models import variables as models
from asgi_api.server.schemas.actions import (
    MAX_VARIABLE_VALUE_LENGTH,
    VariableCreate,
    VariableUpdate,
    variable_value_too_long,
)
from asgi_api.server.schemas.core import Variable
from asgi_api.server.schemas.filters import VariableFilter
from asgi_api.server.schemas.sorting import DEFAULT_VARIABLE_SORT, VariableSort

router = APIRouter(prefix="/variables", tags=["Variables"])

NOT_FOUND = "Variable not found."


@router.post("/", status_code=201)
async def create_variable(variable: VariableCreate, session: Session = Depends(write_session)) -> Variable:
    _check_value(variable.value, variable)
    created = await models.create_variable(session, variable)
    if created is None:
        raise HTTPException(409, f"A variable with the name {variable.name!r} already exists.")
    return created


@router.get("/{id:uuid}")
async def read_variable(id: UUID, session: Session = Depends(read_session)) -> Variable:
    return _found(await models.read_variable(session, id))


@router.get("/name/{name}")
async def read_variable_by_name(name: str, session: Session = Depends(read_session)) -> Variable:
    return _found(await models.read_variable_by_name(session, name))


@router.patch("/{id:uuid}", status_code=204)
async def update_variable(id: UUID, variable: VariableUpdate, session: Session = Depends(write_session)) -> None:
    _check_update(variable)
    if not await models.update_variable(session, id, variable):
        raise _not_found()


@router.patch("/name/{name}", status_code=204)
async def update_variable_by_name(name: str, variable: VariableUpdate,
                                  session: Session = Depends(write_session)) -> None:
    _check_update(variable)
    if not await models.update_variable_by_name(session, name, variable):
        raise _not_found()


@router.delete("/{id:uuid}", status_code=204)
async def delete_variable(id: UUID, session: Session = Depends(write_session)) -> None:
    if not await models.delete_variable(session, id):
        raise _not_found()


@router.delete("/name/{name}", status_code=204)
async def delete_variable_by_name(name: str, session: Session = Depends(write_session)) -> None:
    if not await models.delete_variable_by_name(session, name):
        raise _not_found()


@router.post("/filter")
async def read_variables(
    limit: Limit | None = Body(None),
    offset: Offset | None = Body(None),
    variables: VariableFilter | None = Body(None),
    sort: VariableSort | None = Body(None),
    session: Session = Depends(read_session),
) -> list[Variable]:
    return await models.read_variables(session, variables, sort or DEFAULT_VARIABLE_SORT, resolve_limit(limit),
                                       resolve_offset(offset))


@router.post("/count")
async def count_variables(variables: VariableFilter | None = Body(None, embed=True),
                          session: Session = Depends(read_session)) -> int:
    return await models.count_variables(session, variables)


def _found(variable: Variable | None) -> Variable:
    if variable is None:
        raise _not_found()
    return variable


def _not_found() -> HTTPException:
    return HTTPException(404, NOT_FOUND)


def _check_update(variable: VariableUpdate) -> None:
    if variable.value is not msgspec.UNSET:
        _check_value(variable.value, variable)


def _check_value(value: Any, body: VariableCreate | VariableUpdate) -> None:
    """Prefect's limit on the serialised value, reported as a validation error of `value`."""
    if variable_value_too_long(value):
        message = f"Value error, Variable value must be less than {MAX_VARIABLE_VALUE_LENGTH} characters"
        raise RequestValidationError([{"type": "value_error", "loc": ["body", "value"], "msg": message,
                                       "input": value}], body=msgspec.to_builtins(body))
