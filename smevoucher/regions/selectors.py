from __future__ import annotations

from django.db.models import QuerySet

from .models import Region, RegionLevel


def region_children(*, parent_code: str | None) -> QuerySet[Region]:
    if not parent_code:
        return Region.objects.filter(level=RegionLevel.PROVINCE)
    return Region.objects.filter(parent_id=parent_code)


def region_path(region: Region) -> dict[str, Region | None]:
    """Province, city and district of a region (city is None for a municipality's district)."""
    path: dict[str, Region | None] = {"province": None, "city": None, "district": None}
    node: Region | None = region
    while node is not None:
        path[node.level] = node
        node = node.parent
    return path
