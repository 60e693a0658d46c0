"""Claiming promo codes for bulk updates: one unused code per profile and pool, never the same code twice.

`promo_codes` belongs to the schema service; the importer's claim (`unused` → `assigned`, with the profile id
and the job id) is the one exception to "one writer per collection". It is a single atomic
find_one_and_update, so two runners never get the same code. `promo_claims`, the importer's own collection,
holds one document per (pool, profile): its unique `_id` makes sure two concurrent jobs never both give a code
to the same profile. A crashed batch planned again finds the code its job already claimed and reuses it.
"""

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError


class PromoCodes:
    def __init__(self, db: AsyncDatabase) -> None:
        self.codes = db.promo_codes
        self.claims = db.promo_claims

    async def claim(self, pool_id: str, profile_id: str, job_id: str) -> str | None:
        """The code job `job_id` gives the profile; None when another job gives it one, or the pool is empty."""
        key = f"{pool_id}:{profile_id}"
        try:
            await self.claims.insert_one({"_id": key, "job_id": job_id})
        except DuplicateKeyError:
            held = await self.claims.find_one({"_id": key})
            if held is not None and held["job_id"] != job_id:
                return None
        mine = {"pool_id": pool_id, "profile_id": profile_id, "job_id": job_id}
        doc = await self.codes.find_one(mine)
        if doc is None:
            doc = await self.codes.find_one_and_update(
                {"pool_id": pool_id, "state": "unused"},
                {"$set": {"state": "assigned", **mine}},
                return_document=ReturnDocument.AFTER,
            )
        if doc is None:  # the pool is used up: let a later job (after more codes are added) try again
            await self.claims.delete_one({"_id": key, "job_id": job_id})
            return None
        return str(doc["code"])

    async def release(self, pool_id: str, profile_ids: list[str]) -> None:
        """Detached profiles may be given a new code of the pool later (never the one they had)."""
        if profile_ids:
            await self.claims.delete_many({"_id": {"$in": [f"{pool_id}:{p}" for p in profile_ids]}})
