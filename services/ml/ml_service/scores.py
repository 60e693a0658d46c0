"""From the model's estimate (local hours, weekdays 0-6) to what profiles store and filters read (`ml.bst`):
hours in UTC, ISO weekdays. Reading a local hour in UTC takes the zone's offset on the day of scoring, so a
profile's 9:00 in Berlin is 8 UTC in winter and 7 UTC in summer, as the next sends will see it."""

from datetime import UTC, datetime

from profilehub_shared.contracts.ml import BestSendTime as StoredBst

from .bst.model import BestSendTime, zone_of


def utc_hour(local_hour: int, timezone: str | None, now: datetime) -> int:
    """The UTC hour at which it is `local_hour` o'clock in `timezone` on the day of `now`."""
    zone = zone_of(timezone)
    today = now.astimezone(zone).date()
    local = datetime(today.year, today.month, today.day, local_hour, tzinfo=zone)
    return local.astimezone(UTC).hour  # an hour a daylight-saving jump skips is read with the offset before it


def stored(estimate: BestSendTime, timezone: str | None, now: datetime) -> StoredBst:
    hours = list(dict.fromkeys(utc_hour(h, timezone, now) for h in estimate.hours))
    weekdays = [d + 1 for d in estimate.weekdays]  # the profile's own weekdays, ISO numbered
    return StoredBst(hours=hours, weekdays=weekdays, confidence=round(min(max(estimate.confidence, 0.0), 1.0), 4))
