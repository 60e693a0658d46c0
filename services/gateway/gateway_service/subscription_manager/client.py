"""Asking the importer (the one writer of profiles) to apply a subscriber's change, and waiting for its answer.

Rides on the gateway's ProfileClient: the answer comes on the same ProfileWriteAnswered subscription.
"""

import asyncio
import uuid
from typing import Any

from profilehub_shared.contracts.profiles import ProfileWriteAnswered
from profilehub_shared.contracts.subscription_manager import SubscriberChangeRequested

from ..errors import ApiError
from ..profile_client import ProfileClient


async def ask(profiles: ProfileClient, database_id: str, profile_id: str, **change: Any) -> ProfileWriteAnswered:
    """Publish a SubscriberChangeRequested and return the importer's answer (ApiError 504 after the timeout)."""
    command = SubscriberChangeRequested(
        database_id=database_id, profile_id=profile_id, request_id=uuid.uuid4().hex, **change
    )
    assert command.request_id is not None
    future: asyncio.Future[ProfileWriteAnswered] = asyncio.get_running_loop().create_future()
    profiles.pending[command.request_id] = future
    try:
        await profiles.broker.publish(command, topic=command.topic, key=f"{database_id}:{profile_id}".encode())
        async with asyncio.timeout(profiles.timeout):
            return await future
    except TimeoutError:
        raise ApiError(
            504, "timeout", f"the importer did not answer within {profiles.timeout:g}s; the change may still be applied"
        ) from None
    finally:
        profiles.pending.pop(command.request_id, None)
