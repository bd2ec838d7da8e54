"""Classified-enterprise lists as the departments publish them, and who may manage them.

A list is an .xlsx workbook or a .csv file (UTF-8 with or without BOM, GB18030 as Chinese
Excel saves it, or UTF-16 "Unicode text"), told apart by its bytes, never by its name. A
header row names the columns: 统一社会信用代码 (required), 企业名称 and 类别 (optional);
a title row or two above the header is allowed, since published lists usually have one.
Rows are read lazily: the real lists have tens of thousands of them.

The writes (starting and running an import, removing an entry) are in ``services``; the
reads the staff pages need are at the end of this module.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from smevoucher.core.errors import DomainError, NotFound
from smevoucher.staff.choices import StaffRole
from smevoucher.staff.permissions import has_role, in_jurisdiction, staff_region

from .models import ClassificationImport, EnterpriseClassification, Program
from .rules import Classification, ProgramRules, Tier

MAX_LIST_BYTES = 10 * 1024 * 1024
# An .xlsx is a zip: its parts may not unpack past this (a small file can hide a bomb).
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
# Published lists put a title (and sometimes a date line) above the header.
HEADER_SEARCH_ROWS = 10

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old .xls (and .doc) container

USCC, NAME, CLASS = "uscc", "name", "class"

# Header names, compared after _header_key (no spaces, marks or bracketed notes, lower case).
_USCC_HEADERS = {
    "统一社会信用代码",
    "社会信用代码",
    "信用代码",
    "统一信用代码",
    "统一代码",
    "企业统一社会信用代码",
    "uscc",
    "creditcode",
}
_NAME_HEADERS = {
    "企业名称",
    "企业名",
    "企业全称",
    "名称",
    "单位名称",
    "单位全称",
    "公司名称",
    "市场主体名称",
    "纳税人名称",
    "enterprisename",
    "name",
}
_CLASS_HEADERS = {
    "类别",
    "分类",
    "企业类别",
    "企业分类",
    "类别代码",
    "分类代码",
    "类别名称",
    "名单类别",
    "认定类别",
    "认定类型",
    "class",
    "classcode",
    "class_code",
}
_QUOTES = "\"'“”‘’「」『』〝〞"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\xa0"), None)


def _refuse(code: str, message: str) -> DomainError:
    return DomainError(code, message, field="file")


# --- reading the file ----------------------------------------------------------------------


def read_uploaded_list(uploaded) -> bytes:
    """The bytes of an uploaded list, refused when empty or over the size limit."""
    too_large = _refuse(
        "classification_import.too_large",
        _("名单文件不能超过%(size)dMB，请拆分后分批导入") % {"size": MAX_LIST_BYTES // 2**20},
    )
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_LIST_BYTES:
        raise too_large
    buffer = io.BytesIO()
    for chunk in uploaded.chunks():
        buffer.write(chunk)
        if buffer.tell() > MAX_LIST_BYTES:
            raise too_large
    content = buffer.getvalue()
    if not content:
        raise _refuse("classification_import.empty", _("文件为空，请重新选择"))
    return content


def _kind_of(content: bytes) -> str:
    if content.startswith(_XLSX_MAGIC):
        return "xlsx"
    if content.startswith(_OLE_MAGIC):
        raise _refuse(
            "classification_import.xls",
            _("不支持旧版Excel（.xls）文件，请在Excel中另存为.xlsx或CSV格式后上传"),
        )
    return "csv"


def _csv_encoding(content: bytes) -> str:
    if content.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text"
    if b"\x00" in content:
        raise _not_a_list()
    for encoding in ("utf-8", "gb18030"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _not_a_list()


def _not_a_list() -> DomainError:
    return _refuse(
        "classification_import.type", _("仅支持Excel（.xlsx）或CSV格式的名单文件，请重新选择")
    )


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE).strip()


def _csv_rows(content: bytes) -> Iterator[tuple[int, tuple]]:
    encoding = _csv_encoding(content)
    text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    head = text.read(8192)
    text.seek(0)
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    try:
        for number, row in enumerate(csv.reader(text, delimiter=delimiter), start=1):
            yield number, tuple(row)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise _refuse(
            "classification_import.unreadable",
            _("CSV文件无法读取，请用Excel另存为CSV或.xlsx格式后重新上传"),
        ) from exc


def _open_workbook(content: bytes):
    from openpyxl import load_workbook

    unreadable = _refuse(
        "classification_import.unreadable",
        _("Excel文件无法读取，请确认文件未加密、未损坏，另存为.xlsx后重新上传"),
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise unreadable from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise unreadable
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file it cannot read
        raise unreadable from exc


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, tuple]]:
    workbook = _open_workbook(content)
    try:
        sheet = workbook.active or workbook.worksheets[0]
        # min_row=1: gaps are filled with empty rows, so numbers match what Excel shows.
        yield from enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
    finally:
        workbook.close()


@dataclass(frozen=True)
class ListRow:
    """One data row: its number as the spreadsheet shows it, and its cells as text."""

    number: int
    uscc: str
    name: str
    class_value: str
    # The code cell was a number: Excel keeps 15 digits, so an 18-digit code was cut.
    uscc_was_number: bool = False


def _header_key(value) -> str:
    text = _cell_text(value)
    text = re.sub(r"\(.*?\)|\[.*?\]|【.*?】", "", text)  # "(必填)", "（18位）"
    return re.sub(r"[\s*:：]", "", text).lower()


def _columns_of(row: tuple) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(row):
        key = _header_key(cell)
        if not key:
            continue
        if key in _USCC_HEADERS or "信用代码" in key:
            columns.setdefault(USCC, index)
        elif key in _NAME_HEADERS:
            columns.setdefault(NAME, index)
        elif key in _CLASS_HEADERS:
            columns.setdefault(CLASS, index)
    return columns


@dataclass
class ListFile:
    """An uploaded list, its type proven and its header found; ``rows()`` reads it lazily."""

    content: bytes = field(repr=False)
    kind: str = ""
    columns: dict[str, int] = field(default_factory=dict)
    header_row: int = 0

    def __post_init__(self) -> None:
        self.kind = _kind_of(self.content)
        with closing(self._raw_rows()) as raw:
            for number, row in raw:
                columns = _columns_of(row)
                if USCC in columns:
                    self.columns, self.header_row = columns, number
                    return
                if number >= HEADER_SEARCH_ROWS:
                    break
        raise _refuse(
            "classification_import.header",
            _(
                "文件中没有找到“统一社会信用代码”列：请在表头写明“统一社会信用代码”，"
                "可另加“企业名称”“类别”两列"
            ),
        )

    @property
    def has_class_column(self) -> bool:
        return CLASS in self.columns

    def _raw_rows(self) -> Iterator[tuple[int, tuple]]:
        return _xlsx_rows(self.content) if self.kind == "xlsx" else _csv_rows(self.content)

    def rows(self) -> Iterator[ListRow]:
        """The data rows below the header, wholly blank rows left out."""

        def cell(row: tuple, column: str):
            index = self.columns.get(column)
            return row[index] if index is not None and index < len(row) else None

        for number, row in self._raw_rows():
            if number <= self.header_row or not any(_cell_text(v) for v in row):
                continue
            raw_uscc = cell(row, USCC)
            yield ListRow(
                number=number,
                uscc=_cell_text(raw_uscc),
                name=_cell_text(cell(row, NAME)),
                class_value=_cell_text(cell(row, CLASS)),
                uscc_was_number=isinstance(raw_uscc, int | float),
            )

    def count(self) -> int:
        return sum(1 for _row in self.rows())


def open_list(content: bytes) -> ListFile:
    """Check what the file is and find its header; refuse with the reason otherwise."""
    return ListFile(content)


def batched(rows: Iterable, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _class_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").translate(_INVISIBLE)
    return re.sub(rf"[\s{_QUOTES}]", "", text).lower()


class ClassMatcher:
    """A 类别 cell to a class code: the code itself or the class's name, as people write
    them (with or without quotes around 小巨人, with or without the trailing 企业)."""

    def __init__(self, classifications: Iterable[Classification]):
        self.codes: set[str] = set()
        self._by_key: dict[str, str] = {}
        for item in classifications:
            self.codes.add(item.code)
            name = _class_key(item.name)
            for key in (_class_key(item.code), name, name.removesuffix("企业")):
                if key:
                    self._by_key.setdefault(key, item.code)

    def code_for(self, value: str) -> str | None:
        key = _class_key(value)
        if not key:
            return None
        return self._by_key.get(key) or self._by_key.get(key.removesuffix("企业"))


# --- who may manage the lists, and the reads of the staff pages ----------------------------


def may_manage_classifications(user, program: Program | None = None) -> bool:
    """System admins and reviewers, for programs of their region (superusers: all)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if not (has_role(user, StaffRole.SYSADMIN) or has_role(user, StaffRole.REVIEWER)):
        return False
    return program is None or in_jurisdiction(user, program.region_code)


def classification_programs_for_actor(*, actor) -> list[Program]:
    """The programs whose lists ``actor`` may manage."""
    if not may_manage_classifications(actor):
        return []
    programs = Program.objects.select_related("region").order_by("-year", "code")
    if not actor.is_superuser:
        region = staff_region(actor)
        if region is None:
            return []
        programs = programs.filter(region_code__startswith=region.code)
    return list(programs)


def classification_program_get_for_actor(*, actor, program_id: int) -> Program:
    program = Program.objects.select_related("region").filter(pk=program_id).first()
    if program is None or not may_manage_classifications(actor, program):
        raise NotFound()
    return program


def classification_import_get_for_actor(*, actor, import_id: int) -> ClassificationImport:
    job = (
        ClassificationImport.objects.select_related("program", "created_by")
        .filter(pk=import_id)
        .first()
    )
    if job is None or not may_manage_classifications(actor, job.program):
        raise NotFound()
    return job


def classification_counts(*, programs: Iterable[Program]) -> dict[int, dict[str, int]]:
    """{program id: {class code: enterprises on that list}}, in one query."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        EnterpriseClassification.objects.filter(program__in=list(programs))
        .values("program_id", "class_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["program_id"], {})[row["class_code"]] = row["n"]
    return counts


@dataclass(frozen=True)
class ClassifiedEnterprise:
    """What a program's lists say about one enterprise, and the tier that gives."""

    uscc: str
    entries: list[EnterpriseClassification]
    tier: Tier | None

    @property
    def enterprise_name(self) -> str:
        return next((e.enterprise_name for e in self.entries if e.enterprise_name), "")


def classification_lookup(
    *, program: Program, rules: ProgramRules, uscc: str
) -> ClassifiedEnterprise:
    entries = list(
        EnterpriseClassification.objects.filter(program=program, uscc=uscc)
        .select_related("source")
        .order_by("class_code")
    )
    tier = rules.tier_for_classes({e.class_code for e in entries})
    return ClassifiedEnterprise(uscc=uscc, entries=entries, tier=tier)


def classification_rules_for(*, programs: Iterable[Program]) -> dict[int, ProgramRules]:
    """The rules in force now of each program (those with none are left out), in one query."""
    from django.utils import timezone

    from .models import ProgramVersion

    rules: dict[int, ProgramRules] = {}
    versions = ProgramVersion.objects.filter(
        program__in=list(programs), effective_from__lte=timezone.now()
    ).order_by("program_id", "-effective_from", "-number")
    for version in versions:
        if version.program_id not in rules:
            rules[version.program_id] = version.parsed
    return rules


def import_percent(job: ClassificationImport) -> int:
    """How far an import has come, for the progress bar and the API."""
    from .models import ImportStatus

    if job.status == ImportStatus.DONE:
        return 100
    if job.total_rows:
        return min(100, job.processed_rows * 100 // job.total_rows)
    return 0


# --- the life of a list import job (classified lists, the provider directory) ------------

# The one table of an import's statuses: (from, to). Nothing else assigns ``status``.
IMPORT_FLOW = {("pending", "running"), ("running", "done"), ("running", "failed")}


def import_set_status(job, target: str) -> None:
    if (str(job.status), str(target)) not in IMPORT_FLOW:
        raise DomainError("list_import.invalid_status", _("导入任务当前状态不能执行该操作"))
    job.status = str(target)


def import_claim(model, import_id: int):
    """Lock a pending import job and mark it running; ``(job, False)`` when it was already
    taken (a task delivered twice does the work once). NotFound when it does not exist."""
    from django.db import transaction

    from .models import ImportStatus

    with transaction.atomic():
        job = (
            model.objects.select_for_update().select_related("program").filter(pk=import_id).first()
        )
        if job is None:
            raise NotFound()
        if job.status != ImportStatus.PENDING:
            return job, False
        import_set_status(job, ImportStatus.RUNNING)
        job.save(update_fields=["status"])
    return job, True


def import_file_content(job) -> bytes:
    """The stored file of an import job."""
    job.file.open("rb")
    try:
        return job.file.read()
    finally:
        job.file.close()
