"""Claiming promo codes for bulk updates: one unused code per profile and pool, never the same code twice.

`promo_codes` belongs to the schema service; marking a claimed code `assigned` (with the profile and job id) is
the one exception to "one writer per collection". FerretDB 1.x runs a conditional update or findAndModify as a
read then a write, so two runners can both "win" the same unused code; only a unique key is a real lock there.
So ownership is taken by inserting into `promo_claims` (the importer's own collection, unique `_id`):

- `profile:<pool>:<profile>`: this job gives the profile its code of the pool (no other job may);
- `code:<pool>:<code>`: the code is taken, for this profile and job (no other claimer may take it).

A crashed batch planned again finds the code its job already took for the profile and reuses it.
"""

import asyncio
import random
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

CANDIDATES = 20  # unused codes looked at per attempt; tried in random order so runners rarely collide
ATTEMPTS = 100


class PromoCodes:
    def __init__(self, db: AsyncDatabase) -> None:
        self.codes = db.promo_codes
        self.claims = db.promo_claims

    async def take(self, key: str, doc: dict[str, Any]) -> bool:
        """Insert the lock `key`; True when this call (or an earlier run of the same job) holds it."""
        try:
            await self.claims.insert_one({"_id": key, **doc})
            return True
        except DuplicateKeyError:
            held = await self.claims.find_one({"_id": key})
            return held is not None and all(held.get(k) == doc[k] for k in ("job_id", "profile_id") if k in doc)

    async def claim(self, pool_id: str, profile_id: str, job_id: str) -> str | None:
        """The code job `job_id` gives the profile; None when another job gives it one, or the pool is used up."""
        if not await self.take(f"profile:{pool_id}:{profile_id}", {"job_id": job_id}):
            return None
        mine = {"pool_id": pool_id, "profile_id": profile_id, "job_id": job_id}
        taken = await self.claims.find_one({"kind": "code", **mine})  # a batch planned again
        for _ in range(ATTEMPTS):
            if taken is not None:
                break
            unused, free = await self.free_codes(pool_id)
            if not unused:
                break
            if not free:  # every unused code looked at is being taken by another runner: it is marked shortly
                await asyncio.sleep(0.05)
            for code in free:
                if await self.take(f"code:{pool_id}:{code}", {"kind": "code", "code": code, **mine}):
                    taken = {"code": code}
                    break
        if taken is None:  # used up: a later job (after more codes are added) may try again
            await self.claims.delete_one({"_id": f"profile:{pool_id}:{profile_id}", "job_id": job_id})
            return None
        await self.codes.update_one(
            {"pool_id": pool_id, "code": taken["code"]}, {"$set": {"state": "assigned", **mine}}
        )
        return str(taken["code"])

    async def free_codes(self, pool_id: str) -> tuple[list[str], list[str]]:
        """Some unused codes, and those of them nobody has taken yet in random order."""
        unused = [
            c["code"]
            async for c in self.codes.find({"pool_id": pool_id, "state": "unused"}, batch_size=CANDIDATES).limit(
                CANDIDATES
            )
        ]
        keys = [f"code:{pool_id}:{c}" for c in unused]
        taken = {c["code"] async for c in self.claims.find({"_id": {"$in": keys}})}
        free = [c for c in unused if c not in taken]
        return unused, random.sample(free, len(free))

    async def release(self, pool_id: str, profile_ids: list[str]) -> None:
        """Detached profiles may be given a new code of the pool later (never the one they had)."""
        if profile_ids:
            await self.claims.delete_many({"_id": {"$in": [f"profile:{pool_id}:{p}" for p in profile_ids]}})
