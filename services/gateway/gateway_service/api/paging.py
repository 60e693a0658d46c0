"""Query parameters shared by the listings."""

from typing import Annotated

from fastapi import Query

Limit = Annotated[int, Query(ge=1, le=1000, description="Page size")]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")]
GroupFilter = Annotated[str | None, Query(max_length=100, description="Only objects of this access group")]
