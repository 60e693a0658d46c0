"""A replica's copy of a job's file gives any batch by its number, the same rows the runner counted, in any order."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer_service.batch_sharing import HOLDER, held_here, turn_free
from importer_service.files import Row
from importer_service.import_job import ArchiveLimits
from importer_service.job_files import JobFile
from profilehub_shared.contracts.jobs import ImportParams, JobRequested

pytestmark = pytest.mark.unit


def job_file(tmp_path: Path, rows: int, batch_rows: int) -> JobFile:
    path = tmp_path / "people.csv"
    path.write_text("email,score\n" + "".join(f"u{i}@x.example,{i}\n" for i in range(rows)))
    params = ImportParams(file_id="0" * 24, file_name="people.csv")
    job = JobRequested(job_id="j", kind="import", database_id="d", import_params=params)
    return JobFile(str(path), job, {"email": "email", "score": "score"}, batch_rows, ArchiveLimits())


def emails(batch: list[tuple[int, object]]) -> list[tuple[int, str]]:
    return [(at, row.values["email"]) for at, row in batch if isinstance(row, Row)]


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 1, 0, 3, 0]])
async def test_batches_in_any_order_are_the_rows_of_their_number(tmp_path: Path, order: list[int]) -> None:
    source = job_file(tmp_path, 10, 3)
    for number in order:
        expected = [(i, f"u{i}@x.example") for i in range(number * 3, min(number * 3 + 3, 10))]
        assert emails(await source.batch(number)) == expected
    source.close()


async def test_past_the_end_a_batch_is_empty_and_far_back_the_file_is_read_again(tmp_path: Path) -> None:
    source = job_file(tmp_path, 40, 2)
    assert await source.batch(25) == []
    assert emails(await source.batch(19)) == [(38, "u38@x.example"), (39, "u39@x.example")]
    assert emails(await source.batch(0)) == [(0, "u0@x.example"), (1, "u1@x.example")]  # not kept: read again
    source.remove()
    assert not Path(source.path).exists()  # noqa: ASYNC240 - a test, nothing else runs meanwhile


def test_a_turn_is_free_when_nobody_holds_it_or_its_lease_ran_out() -> None:
    now = datetime.now(UTC)
    assert turn_free({"turn": None, "turn_until": None})
    assert turn_free({})
    assert turn_free({"turn": "a", "turn_until": now - timedelta(seconds=1)})
    assert turn_free({"turn": "a", "turn_until": (now - timedelta(seconds=1)).replace(tzinfo=None)})
    assert not turn_free({"turn": "a", "turn_until": now + timedelta(seconds=30)})


def test_a_turn_is_held_here_while_a_taker_of_this_process_keeps_it() -> None:
    """Takers of this process then wait to be woken rather than asking the database every 50 ms."""
    now = datetime.now(UTC)
    later, before = now + timedelta(seconds=30), now - timedelta(seconds=1)
    assert held_here({"turn": f"{HOLDER}:abc", "turn_until": later})
    assert not held_here({"turn": f"{HOLDER}:abc", "turn_until": before})  # its lease ran out: look often
    assert not held_here({"turn": f"{HOLDER}0:abc", "turn_until": later})  # another process (pid 1 vs 10)
    assert not held_here({"turn": "elsewhere:1:abc", "turn_until": later})
    assert not held_here({"turn": None, "turn_until": None})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.integers(0, 40),
    batch_rows=st.integers(1, 7),
    asked=st.lists(st.integers(0, 12), min_size=1, max_size=25),
)
async def test_any_sequence_of_batches_gives_the_runners_numbering(
    tmp_path: Path, rows: int, batch_rows: int, asked: list[int]
) -> None:
    """Whatever order takers ask in (kept, read forward, read again), batch n is rows n × size up to the next."""
    source = job_file(tmp_path, rows, batch_rows)
    for number in asked:
        expected = [(i, f"u{i}@x.example") for i in range(number * batch_rows, min((number + 1) * batch_rows, rows))]
        assert emails(await source.batch(number)) == expected
    source.close()
