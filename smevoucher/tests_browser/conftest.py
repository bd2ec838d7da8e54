"""Browser tests: pytest-playwright drives Debian's chromium against pytest-django's live_server.

No `playwright install`: the browser is the system's /usr/bin/chromium, and the pages must
show Chinese glyphs, so a CJK font (Debian's fonts-wqy-zenhei) has to be installed too.
Without Chromium the tests skip with one line, unless REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in the main thread for the rest of the session;
# Django's ORM refuses to run in such a thread unless told it is safe (tests run serially).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
INSTALL_HINT = "apt-get install chromium fonts-wqy-zenhei"

HERE = Path(__file__).resolve().parent
SCREENSHOT_DIR = HERE.parent.parent / "test-results" / "screenshots"
SMS_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


def cjk_font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    listed = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False
    )
    return bool(listed.stdout.strip())


def _missing() -> str | None:
    """What the browser tests lack here, or None when they can run."""
    if not CHROMIUM.exists():
        return "Chromium not installed"
    if not cjk_font_installed():
        return "No CJK font (fc-list :lang=zh is empty)"
    return None


def _skip_line(missing: str) -> str:
    return f"{missing} ({INSTALL_HINT}): browser tests skipped"


_skipped_reason: str | None = None


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(item.path).parents


@pytest.hookimpl(tryfirst=True)  # mark before `-m browser` / `-m "not browser"` selects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A conftest's hook sees every collected item, not only those of its folder.
    global _skipped_reason
    ours = [item for item in items if _in_this_folder(item)]
    if not ours:
        return
    missing = _missing()
    for item in ours:
        item.add_marker(pytest.mark.browser)
    if missing and not browser_required():
        _skipped_reason = _skip_line(missing)
        for item in ours:
            item.add_marker(pytest.mark.skip(reason=_skipped_reason))


def pytest_terminal_summary(terminalreporter) -> None:
    if _skipped_reason and terminalreporter.stats.get("skipped"):
        terminalreporter.write_line(_skipped_reason)


@pytest.fixture(scope="session", autouse=True)
def _browser_available() -> None:
    """Under REQUIRE_BROWSER=1 a missing Chromium or CJK font fails instead of skipping."""
    missing = _missing()
    if missing and browser_required():
        pytest.fail(f"REQUIRE_BROWSER=1 but {missing} ({INSTALL_HINT})", pytrace=False)
    if missing:
        pytest.skip(_skip_line(missing))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable:
    """``screenshot(page, "register-form")`` saves a numbered full-page PNG of this test
    under test-results/screenshots/ and returns its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for old in SCREENSHOT_DIR.glob(f"{test_name}-*.png"):
        old.unlink()
    counter = {"n": 0}

    def take(page, name: str) -> Path:
        counter["n"] += 1
        path = SCREENSHOT_DIR / f"{test_name}-{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def assert_cjk_glyphs() -> Callable:
    """``assert_cjk_glyphs(page)`` proves the page draws Chinese glyphs, not boxes.

    Two different characters are drawn large in the page's own font stack and
    screenshotted: without a CJK font Chromium draws the same empty box for both.
    """

    def check(page) -> None:
        page.evaluate(
            """() => {
                for (const [i, ch] of ['中', '国'].entries()) {
                    const el = document.createElement('div');
                    el.className = 'cjk-glyph-probe';
                    el.textContent = ch;
                    el.style.cssText = `position:fixed; top:0; left:${i * 100}px; z-index:2147483647;
                        width:80px; height:80px; font-size:64px; line-height:80px; text-align:center;
                        background:#fff; color:#000; margin:0; padding:0;`;
                    document.body.appendChild(el);
                }
            }"""
        )
        probes = page.locator(".cjk-glyph-probe")
        first, second = probes.nth(0).screenshot(), probes.nth(1).screenshot()
        page.evaluate(
            "() => document.querySelectorAll('.cjk-glyph-probe').forEach(e => e.remove())"
        )
        assert first != second, (
            "中 and 国 render identically: the page shows boxes, not Chinese glyphs "
            f"({INSTALL_HINT})"
        )

    return check


@pytest.fixture
def captcha_answer(transactional_db) -> Callable:
    """``captcha_answer(page)``: the answer to the image captcha the page shows now.

    Reads the hidden ``captcha_0`` key and looks the real challenge up in the database
    (the test settings keep CAPTCHA_TEST_MODE off)."""
    from captcha.models import CaptchaStore

    def answer(page) -> str:
        key = page.locator("input[name=captcha_0]").first.input_value()
        assert key, "the page has no captcha key (input captcha_0)"
        return CaptchaStore.objects.get(hashkey=key).response

    return answer


@pytest.fixture
def last_sms_code(transactional_db) -> Callable:
    """``last_sms_code(phone)``: the 6-digit code in the newest SMS sent to ``phone``."""
    from smevoucher.notifications.models import SmsOutbox

    def code(phone: str) -> str:
        message = SmsOutbox.objects.filter(phone=phone).order_by("-created_at", "-pk").first()
        assert message is not None, f"no SMS was sent to {phone}"
        found = SMS_CODE.search(message.text)
        assert found, f"no 6-digit code in the newest SMS to {phone}: {message.text!r}"
        return found.group(0)

    return code
