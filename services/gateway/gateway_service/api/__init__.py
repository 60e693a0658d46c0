"""The REST API under /api/v1: reads straight from MongoDB, writes through the schema service."""

from fastapi import APIRouter

from . import databases, exports, fields, history, jobs, operations, profiles, promo, resources, suppression, tokens

router = APIRouter(prefix="/api/v1")
for module in (databases, fields, resources, suppression, promo, tokens, jobs, profiles, operations, exports, history):
    router.include_router(module.router)
