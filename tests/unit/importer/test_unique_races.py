"""A batch that loses a unique value to a concurrent writer is planned again, a bounded number of times."""

from collections.abc import Awaitable, Callable

import pytest

from importer_service.unique import RACE_ATTEMPTS, UniqueRace, planned_despite_races

pytestmark = pytest.mark.unit


def losing(times: int) -> tuple[list[int], Callable[[], Awaitable[str]]]:
    calls: list[int] = []

    async def plan() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise UniqueRace
        return "plan"

    return calls, plan


async def test_a_plan_that_loses_races_is_made_again_until_it_wins() -> None:
    calls, plan = losing(RACE_ATTEMPTS - 1)
    assert await planned_despite_races(plan) == "plan"
    assert len(calls) == RACE_ATTEMPTS


async def test_a_plan_that_keeps_losing_gives_up_after_the_last_attempt() -> None:
    calls, plan = losing(RACE_ATTEMPTS)
    with pytest.raises(UniqueRace):
        await planned_despite_races(plan)
    assert len(calls) == RACE_ATTEMPTS
