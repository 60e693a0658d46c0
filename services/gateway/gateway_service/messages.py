"""Commands the gateway sends must fit in one Kafka message: a bigger one is a 413 before anything is stored."""

import inspect

from aiokafka.errors import MessageSizeTooLargeError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from pydantic import BaseModel

from profilehub_shared.fields.errors import short_repr

from .errors import ApiError, error_response

# `make_broker` leaves the producer's `max_request_size` at FastStream's default (aiokafka's: 1 MiB, which is also
# about the broker's `message.max.bytes`); the size of one produce request, key, value and headers included.
KAFKA_MESSAGE_LIMIT: int = inspect.signature(KafkaBroker).parameters["max_request_size"].default
# Room for the key, FastStream's headers (content type, correlation id) and the record batch framing.
ENVELOPE_BYTES = 4096


def too_large_message(size: int | None = None) -> str:
    made = f"makes a Kafka message of {size} bytes" if size is not None else "makes a Kafka message that is too large"
    return (
        f"the request {made}; the producer sends at most {KAFKA_MESSAGE_LIMIT} bytes (max_request_size): "
        "send smaller values, or upload a file import"
    )


def message_size(message: BaseModel) -> int:
    """The bytes `broker.publish` will send as the value (FastStream encodes models with model_dump_json)."""
    return len(message.model_dump_json().encode())


def check_fits(message: BaseModel, field: str) -> None:
    """Refuse (413, naming `field`) a command that the producer would refuse as too large."""
    size = message_size(message)
    if size + ENVELOPE_BYTES > KAFKA_MESSAGE_LIMIT:
        text = too_large_message(size)
        detail = {"field": field, "value": short_repr(f"{size} bytes"), "code": "too_large", "message": text}
        raise ApiError(413, "too_large", text, [detail])


async def publish(broker: KafkaBroker, message: BaseModel, topic: str, key: bytes, field: str = "body") -> None:
    """Publish a command after checking that it fits (413 otherwise)."""
    check_fits(message, field)
    await broker.publish(message, topic=topic, key=key)


async def on_message_too_large(request: Request, exc: Exception) -> JSONResponse:
    """A Kafka message over the producer's limit that no route checked first: still a 413, not a 500."""
    return error_response(413, "too_large", too_large_message())


def install(app: FastAPI) -> None:
    app.add_exception_handler(MessageSizeTooLargeError, on_message_too_large)
