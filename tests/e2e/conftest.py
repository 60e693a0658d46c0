"""Fixtures of the end-to-end tests (the running system itself is in tests/conftest.py)."""

from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer

from profilehub_shared.settings import ServiceSettings
from tests.e2e.upstream import Upstream


@pytest.fixture
async def upstream(settings: ServiceSettings) -> AsyncIterator[Upstream]:
    """A producer of raw bytes, as a careless or hostile upstream system would have (messages up to 2 MiB)."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, max_request_size=2**21)
    await producer.start()
    try:
        yield Upstream(producer)
    finally:
        await producer.stop()
