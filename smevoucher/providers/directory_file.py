"""A program's directory of qualified providers (Guangdong's 名录) as staff receive it.

The file is read by the classified-list machinery of ``programs.imports`` (.xlsx or .csv
told apart by content, the encodings Chinese Excel writes, a title row or two above the
header, size and zip-bomb limits); only the columns differ: 机构全称, 统一社会信用代码,
级别 (国家级 / 省级 / 市级) and 所在城市 (required for a city-level institution).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass

from django.utils.translation import gettext as _

from smevoucher.core.errors import DomainError
from smevoucher.programs.imports import (
    HEADER_SEARCH_ROWS,
    ListFile,
    _cell_text,
    _header_key,
    _kind_of,
)
from smevoucher.regions.models import Region, RegionLevel

from .choices import ProviderLevel

USCC, NAME, LEVEL, CITY = "uscc", "name", "level", "city"

_NAME_HEADERS = {
    "机构全称",
    "机构名称",
    "服务机构名称",
    "服务机构全称",
    "单位名称",
    "单位全称",
    "名称",
    "平台名称",
    "示范平台名称",
    "服务站名称",
    "name",
}
_LEVEL_HEADERS = {"级别", "机构级别", "平台级别", "认定级别", "层级", "等级", "level"}
_CITY_HEADERS = {
    "所在城市",
    "所在地市",
    "所属城市",
    "所属地市",
    "城市",
    "地市",
    "所在市",
    "市",
    "city",
}


def _columns_of(row: tuple) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        key = _header_key(cell)
        if not key:
            continue
        if "信用代码" in key or key in ("uscc", "creditcode"):
            columns.setdefault(USCC, index)
        elif key in _NAME_HEADERS:
            columns.setdefault(NAME, index)
        elif key in _LEVEL_HEADERS:
            columns.setdefault(LEVEL, index)
        elif key in _CITY_HEADERS:
            columns.setdefault(CITY, index)
    return columns


@dataclass(frozen=True)
class DirectoryRow:
    number: int
    name: str
    uscc: str
    level: str
    city: str
    uscc_was_number: bool = False


class DirectoryFile(ListFile):
    """An uploaded directory, its type proven and its header found; rows read lazily."""

    def __post_init__(self) -> None:
        self.kind = _kind_of(self.content)
        with closing(self._raw_rows()) as raw:
            for number, row in raw:
                columns = _columns_of(row)
                if {USCC, NAME, LEVEL} <= columns.keys():
                    self.columns, self.header_row = columns, number
                    return
                if number >= HEADER_SEARCH_ROWS:
                    break
        raise DomainError(
            "directory_import.header",
            _(
                "文件中没有找到名录的表头：请在表头写明“机构全称”“统一社会信用代码”“级别”，"
                "市级机构另需“所在城市”列"
            ),
            field="file",
        )

    def rows(self) -> Iterator[DirectoryRow]:  # type: ignore[override]
        def cell(row: tuple, column: str):
            index = self.columns.get(column)
            return row[index] if index is not None and index < len(row) else None

        for number, row in self._raw_rows():
            if number <= self.header_row or not any(_cell_text(v) for v in row):
                continue
            raw_uscc = cell(row, USCC)
            yield DirectoryRow(
                number=number,
                name=_cell_text(cell(row, NAME)),
                uscc=_cell_text(raw_uscc),
                level=_cell_text(cell(row, LEVEL)),
                city=_cell_text(cell(row, CITY)),
                uscc_was_number=isinstance(raw_uscc, int | float),
            )


def open_directory(content: bytes) -> DirectoryFile:
    """Check what the file is and find its header; refuse with the reason otherwise."""
    return DirectoryFile(content)


def level_of(text: str) -> str | None:
    """国家级 / 省级 / 市级 as people write them (国家级示范平台, 省级, 市, city...)."""
    value = re.sub(r"\s", "", text or "").lower()
    if not value:
        return None
    if value in {choice.value for choice in ProviderLevel}:
        return value
    if "国家" in value:
        return ProviderLevel.NATIONAL
    if "省" in value or "自治区" in value:
        return ProviderLevel.PROVINCIAL
    if "市" in value:
        return ProviderLevel.CITY
    return None


_CITY_SUFFIXES = ("市", "地区", "自治州", "盟")


class CityMatcher:
    """A 所在城市 cell to a city of one province: its name, its name without 市, or its code."""

    def __init__(self, province_code: str):
        self._by_key: dict[str, Region] = {}
        cities = Region.objects.filter(level=RegionLevel.CITY, code__startswith=province_code)
        for city in cities:
            self._by_key.setdefault(city.code, city)
            self._by_key.setdefault(city.name, city)
            for suffix in _CITY_SUFFIXES:
                if city.name.endswith(suffix) and len(city.name) > len(suffix) + 1:
                    self._by_key.setdefault(city.name.removesuffix(suffix), city)

    def city_for(self, value: str) -> Region | None:
        key = re.sub(r"\s", "", value or "")
        return self._by_key.get(key) if key else None
