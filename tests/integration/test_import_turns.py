"""The turn of an import job (see batch_sharing): one holder at a time applies its batches, in file order; a turn
its holder stopped renewing is taken by the next; nothing is taken once the batch asked for is applied."""

import asyncio
import uuid
from types import SimpleNamespace

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from importer_service import batch_sharing
from importer_service.batch_sharing import turn_free
from importer_service.checkpoints import Checkpoints


async def running_job(mongo: AsyncDatabase) -> tuple[Checkpoints, str]:
    checkpoints, job_id = Checkpoints(mongo), uuid.uuid4().hex
    state = await checkpoints.begin(job_id, 30, batch_rows=10)
    assert (state["next_batch"], state["batch_rows"], state["status"]) == (0, 10, "running")
    return checkpoints, job_id


async def test_one_holder_at_a_time_and_the_holder_renews(mongo: AsyncDatabase) -> None:
    checkpoints, job_id = await running_job(mongo)
    first = await checkpoints.take_turn(job_id, "a", 1, 30)
    assert first is not None and first["turn"] == "a" and not turn_free(first)
    assert await checkpoints.take_turn(job_id, "b", 2, 30) is None  # held by a
    assert await checkpoints.take_turn(job_id, "a", 1, 30) is not None  # a renews its own
    await checkpoints.give_turn(job_id, "b")  # not b's to give
    assert await checkpoints.take_turn(job_id, "b", 2, 30) is None
    await checkpoints.give_turn(job_id, "a")
    assert turn_free(await checkpoints.state(job_id) or {})
    assert await checkpoints.take_turn(job_id, "b", 2, 30) is not None


async def test_a_turn_not_renewed_runs_out_and_the_next_taker_has_it(mongo: AsyncDatabase) -> None:
    checkpoints, job_id = await running_job(mongo)
    assert await checkpoints.take_turn(job_id, "dead", 0, 0.2) is not None  # then killed: never given back
    assert await checkpoints.take_turn(job_id, "b", 1, 30) is None
    await asyncio.sleep(0.3)
    assert turn_free(await checkpoints.state(job_id) or {})
    taken = await checkpoints.take_turn(job_id, "b", 1, 30)
    assert taken is not None and taken["turn"] == "b"


async def test_no_turn_for_a_batch_applied_already_or_a_job_that_ended(mongo: AsyncDatabase) -> None:
    checkpoints, job_id = await running_job(mongo)
    await checkpoints.advance(job_id, 0, {"processed": 10})
    await checkpoints.advance(job_id, 1, {"processed": 10})
    assert await checkpoints.take_turn(job_id, "late", 0, 30) is None  # batch 0 is applied: nothing to do
    assert await checkpoints.take_turn(job_id, "late", 1, 30) is None
    assert await checkpoints.take_turn(job_id, "next", 2, 30) is not None
    await checkpoints.give_turn(job_id, "next")
    await checkpoints.finish(job_id, "cancelled", None, "cancelled on request")
    assert await checkpoints.take_turn(job_id, "next", 2, 30) is None


async def test_failures_of_a_batch_are_counted_across_replicas(mongo: AsyncDatabase) -> None:
    checkpoints, job_id = await running_job(mongo)
    assert [await checkpoints.batch_failed(job_id, 2) for _ in range(3)] == [1, 2, 3]
    assert await checkpoints.batch_failed(job_id, 3) == 1


async def test_batches_are_claimed_in_file_order_once_each_and_anew_from_the_next_one_to_apply(
    mongo: AsyncDatabase,
) -> None:
    checkpoints, job_id = await running_job(mongo)
    claims = await asyncio.gather(*(checkpoints.claim_batch(job_id, 3) for _ in range(5)))
    assert sorted(claims, key=lambda c: -1 if c is None else c) == [None, None, 0, 1, 2]  # 3 batches, 5 requests
    await checkpoints.advance(job_id, 0, {"processed": 10})
    await checkpoints.claims_from_next(job_id)  # the claimers of 1 and 2 died: claimed anew
    assert [await checkpoints.claim_batch(job_id, 3) for _ in range(3)] == [1, 2, None]
    await checkpoints.unclaim(job_id, 1)  # the taker of 1 failed and gives it back (and what followed)
    assert await checkpoints.claim_batch(job_id, 3) == 1
    await checkpoints.finish(job_id, "failed", None, "stopped")
    assert await checkpoints.claim_batch(job_id, 3) is None


async def test_a_taker_waiting_here_takes_the_turn_once_it_is_given_here_not_at_its_next_look(
    mongo: AsyncDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkpoints, job_id = await running_job(mongo)
    monkeypatch.setattr(batch_sharing, "TURN_POLL_SECONDS", 3600.0)  # its next look would be an hour away
    deps = SimpleNamespace(checkpoints=checkpoints, lease_seconds=30.0)
    source = SimpleNamespace(job=SimpleNamespace(job_id=job_id), turn_given=asyncio.Event())
    assert await checkpoints.take_turn(job_id, "a", 0, 30) is not None
    await checkpoints.advance(job_id, 0, {"processed": 10})  # batch 1 is next, and "a" still holds the turn
    waiting = asyncio.create_task(batch_sharing.wait_for_turn(deps, source, "b", 1))  # type: ignore[arg-type]
    await asyncio.sleep(0.5)
    assert not waiting.done()
    await batch_sharing.give_turn(deps, source, "a")  # type: ignore[arg-type]
    async with asyncio.timeout(10):
        state = await waiting
    assert state is not None and state["turn"] == "b" and state["next_batch"] == 1
