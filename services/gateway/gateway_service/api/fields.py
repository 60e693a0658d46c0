"""`/databases/{id}/fields` and `/databases/{id}/standard-fields`: a database's field schema."""

from fastapi import APIRouter, Response

from profilehub_shared.contracts import schema as ops
from profilehub_shared.contracts.schema_state import Database
from profilehub_shared.fields import (
    STANDARD_FIELDS,
    CustomField,
    FieldDefinitionError,
    StandardFieldSettings,
    check_standard_settings,
)

from ..auth import Caller
from ..errors import ApiError, not_found, responses
from ..store import visible
from .deps import Db, Schema
from .models import FieldChanges, FieldsView, NewField, StandardFieldChange, StandardFieldView

router = APIRouter(prefix="/databases/{database_id}", tags=["fields"], responses=responses(401, 404, 422))


def standard_view(database: Database, name: str) -> StandardFieldView:
    spec = STANDARD_FIELDS[name]
    settings = database.standard_fields.get(name, StandardFieldSettings())
    return StandardFieldView(name=name, kind=spec.kind, title=spec.title, settings=settings)


def field_in(database: Database | None, name: str) -> CustomField:
    field = database.field(name) if database else None
    if field is None:
        raise not_found("field", name)
    return field


@router.get("/fields", summary="Every field of a database: standard (with settings) and custom")
async def list_fields(database_id: str, db: Db, caller: Caller) -> FieldsView:
    database = await visible(db, "databases", Database, database_id, caller)
    return FieldsView(standard=[standard_view(database, n) for n in STANDARD_FIELDS], custom=database.custom_fields)


@router.post("/fields", status_code=201, responses=responses(409, 504), summary="Add a custom field")
async def add_field(database_id: str, body: NewField, db: Db, schema: Schema, caller: Caller) -> CustomField:
    await visible(db, "databases", Database, database_id, caller)
    answer = await schema.apply(ops.AddField(database_id=database_id, field=body))
    return field_in(answer.database, body.name)


@router.patch(
    "/fields/{name}",
    responses=responses(409, 504),
    summary="Change a custom field (its type only while no profile holds a value)",
)
async def change_field(
    database_id: str,
    name: str,
    body: FieldChanges,  # type: ignore[valid-type]  # built from CustomField
    db: Db,
    schema: Schema,
    caller: Caller,
) -> CustomField:
    database = await visible(db, "databases", Database, database_id, caller)
    changes = body.model_dump(mode="json", exclude_unset=True)  # type: ignore[attr-defined]
    if not changes:
        return field_in(database, name)
    answer = await schema.apply(ops.ChangeField(database_id=database_id, name=name, changes=changes))
    return field_in(answer.database, name)


@router.delete(
    "/fields/{name}",
    status_code=204,
    responses=responses(504),
    summary="Remove a custom field (its values are dropped)",
)
async def remove_field(database_id: str, name: str, db: Db, schema: Schema, caller: Caller) -> Response:
    await visible(db, "databases", Database, database_id, caller)
    await schema.apply(ops.RemoveField(database_id=database_id, name=name))
    return Response(status_code=204)


@router.put(
    "/standard-fields/{name}",
    responses=responses(504),
    summary="Set a standard field's default, required and visibility",
)
async def set_standard_field(
    database_id: str, name: str, body: StandardFieldChange, db: Db, schema: Schema, caller: Caller
) -> StandardFieldView:
    await visible(db, "databases", Database, database_id, caller)
    if name not in STANDARD_FIELDS:
        raise not_found("standard field", name)
    try:
        settings = check_standard_settings(name, body)  # refuse a bad default here, with the field named
    except FieldDefinitionError as exc:
        raise ApiError(422, "invalid", exc.message, [exc.to_dict()]) from None
    answer = await schema.apply(ops.SetStandardField(database_id=database_id, name=name, settings=settings))
    assert answer.database is not None
    return standard_view(answer.database, name)
