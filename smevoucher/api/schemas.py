"""Input types shared by the routers of the API."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from ninja.pagination import PageNumberPagination
from pydantic import Field

# Primary keys are 64-bit (BigAutoField). A larger number names no row, and the database
# driver cannot even send it (SQLite raises OverflowError), so it is refused as input (422).
MAX_ID = 2**63 - 1
MAX_PAGE = 100_000

ObjectId = Annotated[int, Field(ge=1, le=MAX_ID, description="编号")]


class Pagination(PageNumberPagination):
    """ninja's page numbers with a last one: the offset of a page beyond any list would
    overflow the database's integer."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)
