"""Interactions between messages and profiles: the public input of mailers, SMS and push senders."""

from pydantic import ConfigDict, Field, JsonValue

from .base import Event, Identifier, topic_name

KINDS = ("send", "deliv", "undeliv", "open", "uopen", "click", "uclick", "unsub", "complain", "sbounce", "hbounce")
INTERACTION_TYPE = rf"^((sms_|push_)?({'|'.join(KINDS)}|suppress)|import_[a-z_]{{1,40}})$"


class InteractionRecorded(Event):
    """A message was sent to a profile, delivered, opened, clicked, bounced… (key: profile id).

    `occurred_at` is when it happened. `type` is one of send, deliv, undeliv, open, uopen (unique open), click,
    uclick, unsub, complain, sbounce, hbounce, suppress; the same prefixed `sms_` or `push_`; or `import_<what>`.
    """

    topic = topic_name("interactions", "recorded")
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "event_id": "0b9f6c1e-3f7a-4b1e-9a51-0c7d2f9b8e11",
                    "occurred_at": "2026-11-29T09:15:04Z",
                    "database_id": "6f1c0d2e9b8a4c7d8e9f0a1b2c3d4e5f",
                    "profile_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                    "type": "open",
                    "message_id": "campaign-812/ann",
                    "payload": {"user_agent": "Mail/16.0"},
                }
            ]
        }
    )

    database_id: Identifier = Field(description="The profile's database (1–64 chars, no control characters)")
    profile_id: Identifier = Field(description="The profile (1–64 chars, no control characters)")
    type: str = Field(pattern=INTERACTION_TYPE, description="What happened, e.g. send, open, click, sms_deliv")
    message_id: str | None = Field(None, max_length=200, description="The sender's id of the message, if any")
    payload: dict[str, JsonValue] = Field(default_factory=dict, description="Anything else the sender reports")
