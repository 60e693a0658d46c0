"""Commands the gateway sends must fit in one Kafka message: a bigger one is a 413 before anything is stored."""

from aiokafka.errors import MessageSizeTooLargeError
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from profilehub_shared.contracts.base import MAX_MESSAGE_BYTES
from profilehub_shared.fields.errors import short_repr

from .errors import ApiError, error_response

# `make_broker` leaves the producer's `max_request_size` at FastStream's default, 1 MiB (1,048,576 bytes: key,
# value, headers and framing), which is also about the broker's default `message.max.bytes`. The services keep
# every message under MAX_MESSAGE_BYTES (1,000,000), below that; so does the gateway, key and headers included.
ENVELOPE_BYTES = 4096


def too_large_message(size: int | None = None) -> str:
    made = f"makes a Kafka message of {size} bytes" if size is not None else "makes a Kafka message that is too large"
    return (
        f"the request {made}, over the {MAX_MESSAGE_BYTES:,}-byte limit of one message (Kafka's default "
        "max_request_size is 1 MiB): send smaller values, or upload a file import"
    )


def message_size(message: BaseModel) -> int:
    """The bytes `broker.publish` will send as the value (FastStream encodes models with model_dump_json)."""
    return len(message.model_dump_json().encode())


def check_fits(message: BaseModel, field: str) -> None:
    """Refuse (413, naming `field`) a command that the producer would refuse as too large."""
    size = message_size(message)
    if size + ENVELOPE_BYTES > MAX_MESSAGE_BYTES:
        text = too_large_message(size)
        detail = {"field": field, "value": short_repr(f"{size} bytes"), "code": "too_large", "message": text}
        raise ApiError(413, "too_large", text, [detail])


async def on_message_too_large(request: Request, exc: Exception) -> JSONResponse:
    """A Kafka message over the producer's limit that no route checked first: still a 413, not a 500."""
    return error_response(413, "too_large", too_large_message())


def install(app: FastAPI) -> None:
    app.add_exception_handler(MessageSizeTooLargeError, on_message_too_large)
