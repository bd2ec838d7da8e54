"""The administrative divisions (行政区划), for region pickers: public, read only."""

from __future__ import annotations

from ninja import Field, Query, Router, Schema

from smevoucher.core.access import PUBLIC, access

from .models import RegionLevel
from .selectors import region_children

router = Router(tags=["行政区划"])


class RegionOut(Schema):
    code: str = Field(..., max_length=6, examples=["4502"])
    name: str = Field(..., max_length=50, examples=["柳州市"])
    level: RegionLevel


class RegionFilter(Schema):
    parent: str | None = Field(
        None,
        max_length=6,
        pattern=r"^\d{2,6}$",
        description="上级区划代码；不填则列出省级",
        examples=["45"],
    )


@router.get("", auth=None, response=list[RegionOut], summary="下级行政区划")
@access(PUBLIC)
def regions(request, filters: Query[RegionFilter]):
    return region_children(parent_code=filters.parent)
