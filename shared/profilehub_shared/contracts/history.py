"""Profile history: what the history service stores, what the API shows, and interactions it could not keep."""

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from .base import Event, topic_name
from .dead_letter import ConsumedRecord
from .interactions import INTERACTION_TYPE

CHANGE_TYPES = ("profile_created", "profile_updated", "profile_deleted")
HISTORY_TYPE = re.compile(rf"{INTERACTION_TYPE}|^({'|'.join(CHANGE_TYPES)})$")
_ONE_TYPE = rf"(?:{INTERACTION_TYPE[1:-1]}|(?:{'|'.join(CHANGE_TYPES)}))"
# A comma-separated list of them, as the API's `types=` takes it (blanks around, and empty items, are dropped).
HISTORY_TYPE_LIST = rf"^[\s,]*(?:{_ONE_TYPE}(?:\s*,[\s,]*{_ONE_TYPE})*)?[\s,]*$"


def is_history_type(value: str) -> bool:
    """An interaction type (send, open, sms_deliv, import_x …) or a profile change (profile_created …)."""
    return HISTORY_TYPE.match(value) is not None


class HistoryEntry(BaseModel):
    """One stored event of a profile: an interaction, or a change of the profile with old → new values."""

    event_id: str
    database_id: str
    profile_id: str
    type: str = Field(
        description="An interaction type (send, open, click, sms_deliv …) or profile_created/updated/deleted"
    )
    occurred_at: datetime
    payload: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="Interactions: message_id and what the sender reported. Changes: source, job_id, changes",
    )


class InteractionRejected(Event):
    """An interaction the history service could not keep (unknown database or profile), with the reason."""

    topic = topic_name("interactions", "rejected")
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "interaction": {
                        "database_id": "6f1c0d2e9b8a4c7d8e9f0a1b2c3d4e5f",
                        "profile_id": "nobody",
                        "type": "send",
                    },
                    "code": "unknown_profile",
                    "reason": "profile 'nobody' is not in '6f1c0d2e9b8a4c7d8e9f0a1b2c3d4e5f'",
                }
            ]
        }
    )

    interaction: dict[str, Any] = Field(
        description='The interaction as it was received ({"raw": …} when it did not parse; see `consumed`)'
    )
    code: str = Field(
        description="invalid (not an interaction), unknown_database, unknown_profile, or unprocessable "
        "(valid, yet failed every attempt to store it)"
    )
    reason: str
    consumed: ConsumedRecord | None = Field(None, description="The Kafka record it came in, bytes and all")
