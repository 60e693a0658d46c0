"""What a user may send as a filter: conditions and and/or groups, bounded in depth and size."""

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Discriminator, Field, JsonValue, Tag, TypeAdapter, model_validator

from ..fields.errors import FieldError

MAX_GROUP_DEPTH = 5  # groups inside groups; a bare condition has depth 0
MAX_CONDITIONS = 100
MAX_FIELD_TEXT = 300

Op = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "contains", "exists", "within_next_hours"]


class FilterError(FieldError):
    """A filter cannot be run: unknown field, bad path, an operator that does not fit the type, a bad value, limits.

    Same shape as FieldValueError (`field`, truncated `value`, `code`, `message`, `to_dict()`).
    """


class Condition(BaseModel):
    """One test on one field of a profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(
        min_length=1,
        max_length=MAX_FIELD_TEXT,
        description="A standard field, a custom field (`address.city` into objects), `subscriptions.<resource>."
        "<channel>`, `promo_codes.<pool>`, or a system field (profile_id, created_at, updated_at, "
        "has_interactions, suppressed, ml.bst.hours, ml.bst.weekdays, ml.bst.confidence), or activity "
        "(`activity.last_open_at`, `activity.click_count`: every interaction family)",
        json_schema_extra={"pattern": r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"},  # names joined by '.' (targets.py)
    )
    op: Op = Field(description="The test; which ones fit depends on the field's type")
    value: JsonValue = Field(
        None,
        description="Compared value, read by the field's type; a list for `in`, true/false for `exists`; for a "
        "date also a time relative to now: `-30d`, `-12h`, `-15m`, `+1w`",
    )


def _one_of_all_any_schema(schema: dict[str, Any]) -> None:
    """The document states the rule the validator enforces: exactly one of `all` and `any` is a list."""
    schema["oneOf"] = [
        {"required": [given], "properties": {given: {"type": "array"}, other: {"type": "null"}}}
        for given, other in (("all", "any"), ("any", "all"))
    ]


class Group(BaseModel):
    """Filters joined by and (`all`) or by or (`any`); exactly one of the two."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_one_of_all_any_schema)

    all: list["Filter"] | None = Field(
        None, min_length=1, max_length=MAX_CONDITIONS, description="Every one must match"
    )
    any: list["Filter"] | None = Field(
        None, min_length=1, max_length=MAX_CONDITIONS, description="At least one must match"
    )

    @model_validator(mode="after")
    def _one_of_all_any(self) -> "Group":
        if (self.all is None) == (self.any is None):
            raise ValueError("a group has exactly one of `all` and `any`")
        return self

    @property
    def children(self) -> list["Filter"]:
        return self.all if self.all is not None else self.any or []


def _kind(value: Any) -> str | None:
    """Route input by its keys, so an invalid condition reports condition errors (not group errors too)."""
    if isinstance(value, Condition) or (isinstance(value, dict) and "field" in value):
        return "condition"
    if isinstance(value, Group | dict):
        return "group"
    return None


Filter: TypeAlias = Annotated[
    Annotated[Condition, Tag("condition")] | Annotated[Group, Tag("group")], Discriminator(_kind)
]
Group.model_rebuild()
_FILTER = TypeAdapter[Filter](Filter)


def check_limits(flt: Filter) -> None:
    """FilterError when groups nest more than 5 deep or there are more than 100 conditions in all."""
    count = 0
    stack: list[tuple[Filter, int]] = [(flt, 0)]
    while stack:  # iterative: a filter built in code (not parsed) may be nested arbitrarily deep
        node, depth = stack.pop()
        if isinstance(node, Condition):
            count += 1
            if count > MAX_CONDITIONS:
                raise FilterError("filter", node.field, "too_many_conditions", f"more than {MAX_CONDITIONS} conditions")
            continue
        if depth + 1 > MAX_GROUP_DEPTH:
            raise FilterError("filter", "…", "too_deep", f"groups nest at most {MAX_GROUP_DEPTH} levels")
        stack.extend((child, depth + 1) for child in node.children)


def parse_filter(data: object) -> Filter:
    """A filter from parsed JSON: pydantic ValidationError if malformed, FilterError if over the limits."""
    flt = _FILTER.validate_python(data)
    check_limits(flt)
    return flt
