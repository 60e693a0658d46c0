"""From the model's estimate (local hours, weekdays 0-6) to what profiles store and filters read (`ml.bst`).

The estimate is kept as it is, in the profile's local time with its zone (`local_hours`, `weekdays`, `timezone`):
filters and exports turn it into UTC at their own moment. `hours` (UTC) is given too, each local hour read at its
next occurrence after scoring, so a profile's 9:00 in Berlin is 8 UTC when the next 9:00 falls in winter and 7 UTC
when it falls in summer."""

from datetime import datetime

from profilehub_shared.contracts.ml import BestSendTime as StoredBst
from profilehub_shared.send_time import next_utc_hours, zone_name

from .bst.model import BestSendTime


def stored(estimate: BestSendTime, timezone: str | None, now: datetime) -> StoredBst:
    """What `ml.bst` holds for an estimate scored at `now`."""
    return StoredBst(
        hours=next_utc_hours(estimate.hours, timezone, now),
        weekdays=[d + 1 for d in estimate.weekdays],  # the profile's own weekdays, ISO numbered
        confidence=round(min(max(estimate.confidence, 0.0), 1.0), 4),
        local_hours=list(estimate.hours),
        timezone=zone_name(timezone),
        source="database" if estimate.source == "database" else "profile",
    )
