"""A job that keeps failing at the same point ends failed with its error; one that gets further is retried."""

from typing import Any

from importer_service import runner
from importer_service.runner import ATTEMPTS_AT_ONE_POINT, run_job
from profilehub_shared.contracts.jobs import ImportParams, JobRequested


class Queue:
    def __init__(self) -> None:
        self.failures: dict[str, tuple[int, str]] = {}
        self.closed: list[str] = []

    async def failed(self, job_id: str, at: str) -> int:
        n, last = self.failures.get(job_id, (0, ""))
        n = n + 1 if last == at else 1
        self.failures[job_id] = (n, at)
        return n

    async def close(self, job_id: str) -> None:
        self.closed.append(job_id)

    async def release(self, job_id: str) -> None: ...


class Checkpoints:
    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}

    async def state(self, job_id: str) -> dict[str, Any] | None:
        return self.jobs.get(job_id)

    async def finish(
        self, job_id: str, status: str, report_id: str | None, message: str = "", code: str = ""
    ) -> dict[str, Any]:
        self.jobs.setdefault(job_id, {}).update(status=status, message=message, code=code)
        return self.jobs[job_id]


class Deps:
    def __init__(self) -> None:
        self.checkpoints = Checkpoints()
        self.published: list[Any] = []

    async def publish(self, event: Any) -> None:
        self.published.append(event)


def job() -> JobRequested:
    return JobRequested(
        job_id="j1", kind="import", database_id="d1", import_params=ImportParams(file_id="f" * 24, file_name="a.csv")
    )


async def keep_going(job_id: str) -> bool:
    return True


async def test_a_job_failing_at_one_point_ends_failed_with_the_error(monkeypatch: Any) -> None:
    deps, queue = Deps(), Queue()
    deps.checkpoints.jobs["j1"] = {"status": "running", "next_batch": 3}

    async def broken(deps: Any, job: JobRequested, keep_going: Any) -> None:
        raise ValueError("nested arrays are not supported")

    monkeypatch.setitem(runner.RUNS, "import", broken)
    results = [await run_job(queue, deps, job(), keep_going) for _ in range(ATTEMPTS_AT_ONE_POINT)]  # type: ignore[arg-type]
    assert results == [False] * (ATTEMPTS_AT_ONE_POINT - 1) + [True]
    assert deps.checkpoints.jobs["j1"]["status"] == "failed"
    assert "ValueError: nested arrays are not supported" in deps.checkpoints.jobs["j1"]["message"]
    assert deps.checkpoints.jobs["j1"]["code"] == "repeated_failure"
    assert [e.status for e in deps.published] == ["failed"] and queue.closed == ["j1"]


async def test_a_job_that_gets_further_between_failures_is_retried(monkeypatch: Any) -> None:
    deps, queue = Deps(), Queue()
    deps.checkpoints.jobs["j1"] = {"status": "running", "next_batch": 0}

    async def flaky(deps: Any, job: JobRequested, keep_going: Any) -> None:
        deps.checkpoints.jobs["j1"]["next_batch"] += 1  # one batch done, then a failure
        raise ConnectionError("database went away")

    monkeypatch.setitem(runner.RUNS, "import", flaky)
    results = [await run_job(queue, deps, job(), keep_going) for _ in range(2 * ATTEMPTS_AT_ONE_POINT)]  # type: ignore[arg-type]
    assert not any(results) and deps.published == [] and queue.closed == []


async def test_a_failure_that_cannot_be_recorded_leaves_the_job_to_its_lease(monkeypatch: Any) -> None:
    deps, queue = Deps(), Queue()

    async def broken(deps: Any, job: JobRequested, keep_going: Any) -> None:
        raise ConnectionError("database went away")

    async def unreachable(job_id: str) -> dict[str, Any] | None:
        raise ConnectionError("database went away")

    monkeypatch.setitem(runner.RUNS, "import", broken)
    monkeypatch.setattr(deps.checkpoints, "state", unreachable)
    assert await run_job(queue, deps, job(), keep_going) is False  # type: ignore[arg-type]
    assert deps.published == [] and queue.closed == []
