"""FastAPI dependencies for the collaborators the lifespan put on `app.state`."""

from typing import Annotated, Any

from fastapi import Depends, Request

from ..cursors import CursorSigner
from ..schema_client import SchemaClient


def get_db(request: Request) -> Any:
    return request.app.state.db


def get_schema(request: Request) -> SchemaClient:
    return request.app.state.schema


def get_cursors(request: Request) -> CursorSigner:
    cursors: CursorSigner = request.app.state.cursors
    return cursors


Db = Annotated[Any, Depends(get_db)]
Schema = Annotated[SchemaClient, Depends(get_schema)]
Cursors = Annotated[CursorSigner, Depends(get_cursors)]
