"""PATCH bodies: absent means unchanged; null only where the attribute itself may be null (the document says so)."""

import pytest
from pydantic import ValidationError

from gateway_service.api.models import DatabaseChanges, FieldChanges


def test_an_empty_change_changes_nothing() -> None:
    assert FieldChanges.model_validate({}).model_dump(exclude_unset=True) == {}  # type: ignore[attr-defined]
    assert DatabaseChanges.model_validate({}).model_dump(exclude_unset=True) == {}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("model", "key"), [(DatabaseChanges, "tags"), (DatabaseChanges, "is_watchers"),
                                            (FieldChanges, "options"), (FieldChanges, "required")])  # fmt: skip
def test_null_is_refused_where_the_attribute_cannot_be_null(model: type, key: str) -> None:
    with pytest.raises(ValidationError) as refused:
        model.model_validate({key: None})
    assert refused.value.errors()[0]["loc"] == (key,)
    assert "null" not in str(model.model_json_schema()["properties"][key])


def test_null_detaches_where_the_attribute_may_be_null() -> None:
    changes = DatabaseChanges.model_validate({"suppression_list_id": None})
    assert changes.model_dump(exclude_unset=True) == {"suppression_list_id": None}  # type: ignore[attr-defined]
    assert {"type": "null"} in DatabaseChanges.model_json_schema()["properties"]["suppression_list_id"]["anyOf"]
