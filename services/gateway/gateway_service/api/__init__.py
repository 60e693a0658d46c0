"""The REST API under /api/v1: reads straight from MongoDB, writes through the schema service."""

from fastapi import APIRouter, Depends

from . import databases, exports, fields, history, jobs, ml, operations, profiles, promo, resources, suppression, tokens
from .parameters import plain_parameters

router = APIRouter(prefix="/api/v1", dependencies=[Depends(plain_parameters)])
MODULES = (databases, fields, resources, suppression, promo, tokens, jobs, profiles, operations, exports, history, ml)
for module in MODULES:
    router.include_router(module.router)
