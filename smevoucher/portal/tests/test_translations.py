"""The English catalog: complete, compiled, and what an English reader really sees.

Chinese is the source language (every msgid is Chinese); English comes from
locale/en/LC_MESSAGES/django.po and its compiled django.mo, which is committed because a
fresh machine may lack gettext. Refresh both with the commands in locale/README.md.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

CATALOG_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = CATALOG_DIR / "django.po"
MO_PATH = CATALOG_DIR / "django.mo"

# CJK ideographs and the full-width punctuation Chinese text brings with it.
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")
PRINTF = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{\w*\}")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(token: str) -> str:
    # A PO string is a C-style quoted literal; for what gettext writes, Python's is the same.
    return ast.literal_eval(token)


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader: enough for msgctxt, plurals, flags and multi-line strings."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    pending_flags: set[str] = set()

    def finish() -> None:
        nonlocal entry
        if entry is not None:
            entries.append(entry)
        entry = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#~"):  # obsolete entries are not part of the catalog
            continue
        if line.startswith("#,"):
            if entry is not None and entry.msgstr:
                finish()
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstr:
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if target is None or entry is None:
                raise AssertionError(f"{path}:{number}: string outside an entry")
            kind, index = target
            text = _unquote(line)
            if kind == "msgid":
                entry.msgid += text
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + text
            elif kind == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + text
            else:
                entry.msgstr[index] += text
            continue
        if keyword in ("msgctxt", "msgid") and (entry is None or entry.msgstr):
            finish()
            entry = Entry(line=number, flags=pending_flags)
            pending_flags = set()
        if entry is None:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
        text = _unquote(rest)
        if keyword == "msgctxt":
            entry.msgctxt, target = text, ("msgctxt", 0)
        elif keyword == "msgid":
            entry.msgid, target = text, ("msgid", 0)
        elif keyword == "msgid_plural":
            entry.msgid_plural, target = text, ("msgid_plural", 0)
        elif keyword == "msgstr":
            entry.msgstr[0], target = text, ("msgstr", 0)
        elif m := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
            index = int(m.group(1))
            entry.msgstr[index], target = text, ("msgstr", index)
        else:
            raise AssertionError(f"{path}:{number}: unexpected line {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH} is missing; run makemessages -l en"
    return parse_po(PO_PATH)


def _messages(po_entries: list[Entry]) -> list[Entry]:
    return [entry for entry in po_entries if entry.msgid]  # the "" entry is the header


def _where(entry: Entry) -> str:
    return f"django.po:{entry.line} {entry.msgid[:40]!r}"


def test_catalog_is_parsed_and_not_trivially_small(po_entries):
    header = [entry for entry in po_entries if not entry.msgid]
    assert len(header) == 1
    assert "Language: en\n" in header[0].msgstr[0]
    assert "fuzzy" not in header[0].flags
    # The portal's own strings are there: a broken extraction would drop them.
    msgids = {entry.msgid for entry in _messages(po_entries)}
    assert {"注册", "登录", "中小企业服务券平台", "服务券使用流程"} <= msgids


def test_every_entry_is_translated_and_none_is_fuzzy(po_entries):
    untranslated = [
        _where(entry)
        for entry in _messages(po_entries)
        if not entry.msgstr or any(not text.strip() for text in entry.msgstr.values())
    ]
    fuzzy = [_where(entry) for entry in _messages(po_entries) if "fuzzy" in entry.flags]
    assert not untranslated, f"untranslated entries: {untranslated}"
    assert not fuzzy, f"fuzzy entries (check the English, then drop the flag): {fuzzy}"


def test_plural_entries_have_every_form(po_entries):
    for entry in _messages(po_entries):
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr) == [0, 1], _where(entry)


def test_no_chinese_left_in_the_english(po_entries):
    # The only Chinese allowed in an English msgstr is none; masked sample numbers are digits.
    leftovers = [
        _where(entry)
        for entry in _messages(po_entries)
        if any(CHINESE.search(text) for text in entry.msgstr.values())
    ]
    assert not leftovers, f"English msgstr still holds Chinese: {leftovers}"


def _printf_problem(entry: Entry, text: str) -> str | None:
    if "python-format" not in entry.flags:
        return None
    sources = [entry.msgid, entry.msgid_plural or ""]
    wanted = {p for source in sources for p in PRINTF.findall(source)} - {"%%"}
    got = set(PRINTF.findall(text)) - {"%%"}
    # A plural's singular form may spell out the number ("one message"); nothing may be added.
    fine = got <= wanted if entry.msgid_plural is not None else got == wanted
    return None if fine else f"placeholders {sorted(wanted)} became {sorted(got)}"


def _brace_problem(entry: Entry, text: str) -> str | None:
    if "python-brace-format" not in entry.flags:
        return None
    wanted, got = set(BRACES.findall(entry.msgid)), set(BRACES.findall(text))
    return None if wanted == got else f"fields {sorted(wanted)} became {sorted(got)}"


def _tag_problem(entry: Entry, text: str) -> str | None:
    wanted, got = TAG.findall(entry.msgid), TAG.findall(text)
    return None if wanted == got else f"HTML tags {wanted} became {got}"


def test_placeholders_and_tags_are_kept(po_entries):
    problems = [
        f"{_where(entry)}: {problem}"
        for entry in _messages(po_entries)
        for text in entry.msgstr.values()
        for problem in (
            _printf_problem(entry, text),
            _brace_problem(entry, text),
            _tag_problem(entry, text),
        )
        if problem
    ]
    assert not problems, problems


def test_msgfmt_accepts_the_catalog():
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext's msgfmt is not installed; the pure-Python checks above still ran")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO_PATH)],
        capture_output=True,
        text=True,
        check=False,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    report = result.stderr.strip()
    assert result.returncode == 0, report
    assert "fuzzy" not in report, report
    assert "untranslated" not in report, report


def test_compiled_catalog_matches_the_po(po_entries):
    assert MO_PATH.exists(), "django.mo is missing: run compilemessages -l en --ignore=.venv"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = compiled._catalog  # msgid -> msgstr, or (msgid, n) -> msgstr for plurals

    expected: dict[object, str] = {}
    for entry in _messages(po_entries):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(key, index)] = text
    actual = {key: value for key, value in catalog.items() if key != ""}

    stale = sorted(str(key) for key in expected.keys() - actual.keys())
    extra = sorted(str(key) for key in actual.keys() - expected.keys())
    changed = sorted(
        str(key) for key in expected.keys() & actual.keys() if expected[key] != actual[key]
    )
    hint = "django.mo is out of date: run manage.py compilemessages -l en --ignore=.venv"
    assert not stale, f"{hint}; missing from .mo: {stale[:10]}"
    assert not extra, f"{hint}; only in .mo: {extra[:10]}"
    assert not changed, f"{hint}; different in .mo: {changed[:10]}"


# --- what an English reader sees ---------------------------------------------------


@pytest.fixture(autouse=True)
def _chinese_again_afterwards():
    # LocaleMiddleware activates English for the thread and nothing switches it back, so
    # tests run later in this process would see English from gettext outside a request.
    yield
    translation.deactivate()


def _switch_to_english(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302


def _main_text(html: str) -> str:
    """The visible text of <main>: no tags, no scripts or styles, entities left as they are."""
    match = re.search(r"<main\b[^>]*>(.*?)</main>", html, re.S)
    assert match, "the page has no <main>"
    inner = re.sub(r"<(script|style)\b.*?</\1>", " ", match.group(1), flags=re.S)
    inner = re.sub(r"<[^>]+>", " ", inner)
    return re.sub(r"\s+", " ", inner).strip()


def test_home_page_in_english_has_no_chinese_in_main(client):
    _switch_to_english(client)
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Register" in html
    assert "Log in" in html
    assert "SME Service Voucher Platform" in html
    assert "How service vouchers work" in html
    text = _main_text(html)
    # Nothing on the anonymous home page comes from data (no names, no news yet), so every
    # Chinese character would be a msgid left untranslated or a string not marked at all.
    assert not CHINESE.search(text), CHINESE.findall(text)


def test_header_and_footer_in_english(client):
    _switch_to_english(client)
    html = client.get("/").content.decode()
    # Outside <main> only two Chinese bits are allowed, both deliberate: the brand mark
    # glyph 券 (aria-hidden, a logo) and the language switch's own name 中文.
    outside = re.sub(r"<main\b.*?</main>", " ", html, flags=re.S)
    outside = re.sub(r'<span class="brand-mark"[^>]*>券</span>', " ", outside)
    outside = re.sub(r'value="zh-hans"[^>]*>中文</button>', " ", outside)
    assert not CHINESE.search(outside), CHINESE.findall(outside)


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        (
            "accounts:login",
            ["Log in", "Mobile number", "Password", "Image captcha", "Register now"],
        ),
        (
            "accounts:register",
            ["Register", "Enterprise registration", "Enterprise name", "SMS code", "Get code"],
        ),
    ],
)
def test_account_pages_in_english(client, url_name, expected):
    _switch_to_english(client)
    html = client.get(reverse(url_name)).content.decode()
    for text in expected:
        assert text in html, text
    main = _main_text(html)
    assert not CHINESE.search(main), CHINESE.findall(main)


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("portal:center", "Basic information"),
        ("accounts:security", "Security settings"),
        ("accounts:password_change", "Change password"),
        ("accounts:phone_change", "Change mobile number"),
        ("notifications:inbox", "Messages"),
        ("audit:search", "Audit log"),
    ],
)
def test_signed_in_pages_in_english(client, make_staff, url_name, expected):
    # the province's auditor: every page here is open to it, the audit log included
    staff_user = make_staff(region_code="45", roles=("auditor",), display_name="自治区审计员")
    _switch_to_english(client)
    client.force_login(staff_user)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    main = _main_text(response.content.decode())
    assert expected in main
    # The enterprise name is data the user typed, not a msgid: it stays as written.
    main = main.replace(staff_user.display_name, "")
    assert not CHINESE.search(main), CHINESE.findall(main)


def test_chinese_stays_the_default(client):
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "服务券使用流程" in html
    assert "How service vouchers work" not in html
