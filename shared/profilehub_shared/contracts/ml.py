"""What the ML service publishes: each profile's best send time."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import Event, Identifier, topic_name


class BestSendTime(BaseModel):
    """A profile's best send time, as profile filters read it (`ml.bst.*`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hours: list[Annotated[int, Field(ge=0, le=23)]] = Field(
        max_length=3,
        description="Best hours of day in UTC (0-23), best first: each local hour at its next occurrence after "
        "scoring (filters and exports read `local_hours` with `timezone` at their own moment)",
    )
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        max_length=7, description="Best ISO weekdays (1 = Monday … 7 = Sunday) in the profile's zone, best first"
    )
    confidence: float = Field(ge=0, le=1, description="How much of the estimate is the profile's own evidence")
    local_hours: list[Annotated[int, Field(ge=0, le=23)]] | None = Field(
        None, max_length=3, description="Best hours of day in the profile's local time (0-23), best first"
    )
    timezone: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="The IANA zone `local_hours` and `weekdays` are in (UTC when the profile has none)"
    )
    source: Literal["profile", "database"] = Field(
        "profile",
        description="profile: the profile's own evidence counted; database: too little of it, so the best time of "
        "its zone's population (or of the database), in its own local time, with confidence 0",
    )


class SendTimeScored(Event):
    """The ML service scored a profile (key: profile id); `bst` None clears a score the profile no longer has."""

    topic = topic_name("ml", "send-time-scored")

    database_id: Identifier = Field(description="The profile's database (1–64 chars, no control characters)")
    profile_id: Identifier = Field(description="The profile (1–64 chars, no control characters)")
    bst: BestSendTime | None = Field(description="The estimate, or None when the profile has too little evidence")


class ProfileSendTime(BaseModel):
    """One profile's score inside a `SendTimesScored` batch."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile_id: Identifier = Field(description="The profile (1–64 chars, no control characters)")
    bst: BestSendTime | None = Field(description="The estimate, or None to clear a score the profile no longer has")


class SendTimesScored(Event):
    """A refresh's scores of many profiles of one database at once (key: database id), so that they are published
    and written in bulk; the same meaning as one `SendTimeScored` per profile."""

    topic = topic_name("ml", "send-times-scored")

    database_id: Identifier = Field(description="The profiles' database (1–64 chars, no control characters)")
    scores: list[ProfileSendTime] = Field(
        min_length=1, max_length=1000, description="Up to 1,000 profiles' scores; a profile at most once"
    )
