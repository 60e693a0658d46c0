"""Job and row counters from the progress events a service publishes (cumulative counts, counted once)."""

from profilehub_shared.contracts.jobs import JobCounts, JobProgressed
from profilehub_shared.metrics import JOBS, ROWS_EXPORTED, ROWS_IMPORTED, ROWS_REJECTED, JobTally


def event(job_id: str, kind: str, status: str, **counts: int) -> JobProgressed:
    return JobProgressed(job_id=job_id, kind=kind, database_id="d", status=status, counts=JobCounts(**counts))  # type: ignore[arg-type]


def value(counter: object, *labels: str) -> float:
    return counter.labels(*labels)._value.get()  # type: ignore[attr-defined,no-any-return]


def test_an_import_counts_its_rows_once_however_often_it_reports_and_its_end() -> None:
    tally = JobTally()
    imported, rejected, done = (
        value(ROWS_IMPORTED, "import"),
        value(ROWS_REJECTED, "import"),
        value(JOBS, "import", "done"),
    )
    tally.progressed(event("j", "import", "running", processed=10, created=8, rejected=2))
    tally.progressed(event("j", "import", "running", processed=10, created=8, rejected=2))  # said again
    tally.progressed(event("j", "import", "done", processed=25, created=15, updated=5, unchanged=1, rejected=4))
    assert value(ROWS_IMPORTED, "import") - imported == 21
    assert value(ROWS_REJECTED, "import") - rejected == 4
    assert value(JOBS, "import", "done") - done == 1
    assert tally.started == {} and tally.seen == {}  # nothing kept about ended jobs


def test_an_export_counts_rows_exported() -> None:
    tally = JobTally()
    before = value(ROWS_EXPORTED, "export")
    tally.progressed(event("e", "export", "running", processed=0))
    tally.progressed(event("e", "export", "done", processed=7))
    assert value(ROWS_EXPORTED, "export") - before == 7
