"""When refreshes are due: daily at `ML_REFRESH_TIME_HOURS` UTC (an APScheduler cron trigger), and the id of the
refresh each firing asks for. Every replica asks for the same id, so one refresh per database and day is queued,
and the job queue's lease lets one replica run it."""

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

UTC_NAME = "UTC"


def daily_trigger(hour: int) -> CronTrigger:
    return CronTrigger(hour=hour, minute=0, second=0, timezone=UTC_NAME)


def next_refresh_at(hour: int, now: datetime) -> datetime:
    """The first firing after `now`."""
    fire = daily_trigger(hour).get_next_fire_time(None, now)
    assert fire is not None  # a daily trigger always fires again
    return fire


def last_refresh_due(hour: int, now: datetime) -> datetime:
    """The latest firing at or before `now` (what a replica that was down at that moment still owes)."""
    return next_refresh_at(hour, now - timedelta(days=1, microseconds=-1))


def scheduled_job_id(database_id: str, fire_time: datetime) -> str:
    return f"ml-{database_id}-{fire_time:%Y%m%dT%H}"
