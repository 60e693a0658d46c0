"""Every path and query parameter of the API is plain text: a dependency of the whole router checks them.

Ids and names in the path never hold control characters; a NUL in a query parameter is never meant either (and
MongoDB-wire stores refuse it, which was a 500, or a 504 once the command had been retried to the end).
"""

import re

from fastapi import Request

from ..errors import invalid

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NUL = re.compile("\x00")


def check_text(field: str, value: str, pattern: re.Pattern[str]) -> None:
    if found := pattern.search(value):
        char = found.group()
        raise invalid(
            field,
            value,
            "control_character",
            f"may not hold a control character ({char!r} at position {found.start()})",
        )


async def plain_parameters(request: Request) -> None:
    """422 for a control character in a path parameter, or a NUL in a query parameter, naming it."""
    for name, value in request.path_params.items():
        if isinstance(value, str):
            check_text(f"path.{name}", value, CONTROL)
    for name, value in request.query_params.multi_items():
        check_text("query", name, NUL)
        check_text(f"query.{name}", value, NUL)
