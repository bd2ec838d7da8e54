"""Reading classified-enterprise lists: .xlsx and .csv told apart by their bytes, the header
found under its common names, rows read lazily with the numbers the spreadsheet shows."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest
from openpyxl import Workbook

from smevoucher.core.errors import DomainError
from smevoucher.programs.imports import ClassMatcher, open_list, read_uploaded_list
from smevoucher.programs.presets import guangxi_2024
from smevoucher.programs.rules import ProgramRules

HEADER = ("统一社会信用代码", "企业名称", "类别")


def xlsx_bytes(rows, *, title: str | None = None) -> bytes:
    """An .xlsx workbook made as Excel would save it: ``rows`` from row 1 (or row 3 under a
    title and an empty row, as published lists have)."""
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.append([])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, *, encoding: str = "utf-8-sig", delimiter: str = ",") -> bytes:
    text = "\r\n".join(delimiter.join(str(cell) for cell in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def read(content: bytes):
    listing = open_list(content)
    return listing, list(listing.rows())


def test_an_xlsx_list_is_read_with_the_row_numbers_excel_shows():
    # given a published list: a title, an empty row, the header, then the enterprises
    content = xlsx_bytes(
        [HEADER, ("91450200000000001G", "柳州甲公司", "little_giant"), (), ("91450200000000002E",)],
        title="2024年专精特新“小巨人”企业名单",
    )
    # when it is read
    listing, rows = read(content)
    # then the header is row 3, the blank row 5 is left out, and numbers are Excel's
    assert listing.kind == "xlsx"
    assert listing.header_row == 3
    assert listing.has_class_column
    assert [(r.number, r.uscc, r.name, r.class_value) for r in rows] == [
        (4, "91450200000000001G", "柳州甲公司", "little_giant"),
        (6, "91450200000000002E", "", ""),
    ]
    assert listing.count() == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "utf-16"])
def test_csv_is_read_in_the_encodings_chinese_excel_saves(encoding):
    # given the same list saved as CSV UTF-8 (with and without BOM), GB18030 and UTF-16
    content = csv_bytes(
        [HEADER, ("91450200000000001G", "柳州市“甲”机械有限公司", "专精特新“小巨人”企业")],
        encoding=encoding,
        delimiter="\t" if encoding == "utf-16" else ",",
    )
    # when it is read
    listing, rows = read(content)
    # then the Chinese text arrives intact
    assert listing.kind == "csv"
    assert rows[0].name == "柳州市“甲”机械有限公司"
    assert rows[0].class_value == "专精特新“小巨人”企业"
    assert rows[0].number == 2


@pytest.mark.parametrize(
    ("uscc_header", "name_header", "class_header"),
    [
        ("统一社会信用代码", "企业名称", "类别"),
        ("信用代码", "名称", "分类"),
        ("社会信用代码", "单位名称", "企业类别"),
        ("*统一社会信用代码（18位）", "企业名称(必填)", "类别代码"),
        (" 统一社会信用代码 ", "公司名称", "认定类别"),
        ("企业统一社会信用代码", "企业全称", "名单类别"),
        ("USCC", "Name", "Class"),
    ],
)
def test_header_variants_are_understood(uscc_header, name_header, class_header):
    # given a list whose header uses another common wording, with a 序号 column first
    content = csv_bytes(
        [("序号", uscc_header, name_header, class_header), (1, "91450200000000001G", "甲", "x")]
    )
    # when it is read
    _listing, rows = read(content)
    # then each column is found
    assert (rows[0].uscc, rows[0].name, rows[0].class_value) == ("91450200000000001G", "甲", "x")


def test_a_list_without_the_code_column_is_refused():
    with pytest.raises(DomainError, match="统一社会信用代码") as caught:
        open_list(csv_bytes([("企业名称", "类别"), ("甲", "little_giant")]))
    assert caught.value.field == "file"


def test_a_list_without_a_class_column_says_so():
    listing = open_list(csv_bytes([("信用代码", "企业名称"), ("91450200000000001G", "甲")]))
    assert not listing.has_class_column


def test_a_numeric_code_cell_is_flagged():
    # given a code typed into a number cell (Excel keeps only 15 significant digits)
    _listing, rows = read(xlsx_bytes([HEADER, (914502000000012013, "甲", "")]))
    # then the row says so, so the refusal can explain it
    assert rows[0].uscc_was_number


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\x00\n", "仅支持"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "仅支持"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
        (_zip({"word/document.xml": b"<w:document/>"}), "Excel文件无法读取"),
        (b"abc\xff\xff\x80" * 8, "仅支持"),
    ],
    ids=["pdf", "png", "old-xls", "docx-like-zip", "undecodable"],
)
def test_anything_but_xlsx_or_csv_is_refused(content, message):
    with pytest.raises(DomainError, match=message):
        open_list(content)


def test_a_file_over_ten_megabytes_is_refused():
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("名单.csv", b"x" * (10 * 1024 * 1024 + 1))
    with pytest.raises(DomainError, match="10MB"):
        read_uploaded_list(big)


def test_an_empty_file_is_refused():
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(DomainError, match="文件为空"):
        read_uploaded_list(SimpleUploadedFile("名单.csv", b""))


def test_a_large_list_is_read_row_by_row():
    # given a list of the real lists' size
    rows = [HEADER, *((f"9145020{n:010d}"[:17] + "0", "", "") for n in range(20_000))]
    listing = open_list(csv_bytes(rows))
    # when the rows are asked for
    stream = listing.rows()
    # then they come one by one (a generator, not a list), and all of them are there
    assert next(stream).number == 2
    assert not isinstance(stream, list | tuple)
    assert listing.count() == 20_000


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("little_giant", "little_giant"),
        ("LITTLE_GIANT", "little_giant"),
        ("专精特新“小巨人”企业", "little_giant"),
        ('专精特新"小巨人"企业', "little_giant"),
        ("专精特新小巨人", "little_giant"),
        (" 规模以上制造业企业 ", "above_scale"),
        ("自治区数字化车间", "gx_digital_workshop"),
        ("国家级小巨人", None),
        ("", None),
    ],
)
def test_a_class_cell_names_a_class_by_code_or_by_name(cell, code):
    matcher = ClassMatcher(ProgramRules.model_validate(guangxi_2024.RULES).classifications)
    assert matcher.code_for(cell) == code


def test_a_utf8_bom_is_not_part_of_the_first_header():
    content = codecs.BOM_UTF8 + "统一社会信用代码\r\n91450200000000001G\r\n".encode()
    listing, rows = read(content)
    assert rows[0].uscc == "91450200000000001G"
    assert listing.columns == {"uscc": 0}
