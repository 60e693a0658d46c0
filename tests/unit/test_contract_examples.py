"""The examples the AsyncAPI documents show for public messages are valid messages: they cannot drift."""

import pytest
from pydantic import BaseModel

from profilehub_shared.contracts.history import InteractionRejected
from profilehub_shared.contracts.interactions import InteractionRecorded
from profilehub_shared.contracts.profiles import ProfileChanged, UpsertProfile

PUBLIC = [UpsertProfile, ProfileChanged, InteractionRecorded, InteractionRejected]


@pytest.mark.parametrize("message", PUBLIC, ids=lambda m: m.__name__)
def test_every_example_is_a_valid_message(message: type[BaseModel]) -> None:
    examples = message.model_json_schema().get("examples")
    assert examples, f"{message.__name__} shows no example"
    for example in examples:
        message.model_validate(example)
