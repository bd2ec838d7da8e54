"""A staff login in a real browser with the second factor on: password and captcha, then
binding the authenticator app with its first code, then the workbench; at the next login
only the code is asked. Every page is watched for content-security-policy violations
(the API docs page included). Screenshots: test-results/screenshots/."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from smevoucher.accounts.selectors import otp_demo_code

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = "13800009901"
PASSWORD = "Review2026!"


def watch_policy(page: Page) -> list[str]:
    """Collect what the browser reports as blocked by the content security policy."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def log_in(page: Page, url: str, captcha_answer) -> None:
    page.goto(f"{url}/accounts/login/?next=/staff/reviews/")
    page.fill("input[name=phone]", PHONE)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=captcha_1]", captcha_answer(page))
    with page.expect_navigation():
        page.locator("button[name=action][value=login]").click()


def enter_code(page: Page, code: str) -> None:
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.locator("form button[type=submit].primary").click()


def test_staff_bind_an_authenticator_then_enter_its_code_at_each_login(
    page: Page, live_server, settings, make_staff, captcha_answer, screenshot
):
    settings.STAFF_OTP_REQUIRED = True
    make_staff(region_code="4502", phone=PHONE, password=PASSWORD, display_name="柳州审核员")
    violations = watch_policy(page)
    # given a reviewer logging in for the first time with the password
    log_in(page, live_server.url, captcha_answer)
    # then they are asked to bind an authenticator app: a QR code and the secret
    expect(page).to_have_url(re.compile(r"/accounts/otp/setup/"))
    expect(page.locator("figure.otp-qr svg")).to_be_visible()
    expect(page.locator("p.muted code")).to_have_text(re.compile(r"^([A-Z2-7]{4} )*[A-Z2-7]{1,4}$"))
    screenshot(page, "otp-setup")
    device = TOTPDevice.objects.get(confirmed=False)
    # when they enter the app's code
    enter_code(page, otp_demo_code(device))
    # then they reach the page they asked for
    expect(page).to_have_url(re.compile(r"/staff/reviews/$"))
    expect(page.get_by_text("动态口令绑定成功")).to_be_visible()
    # and after logging out, the next login asks only for the code
    with page.expect_navigation():
        page.locator("form#logout-form button").click()
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # a new 30-second step
    log_in(page, live_server.url, captcha_answer)
    expect(page).to_have_url(re.compile(r"/accounts/otp/verify/"))
    screenshot(page, "otp-verify")
    enter_code(page, "000000" if otp_demo_code(device) != "000000" else "111111")
    expect(page.get_by_text("动态口令错误或已过期")).to_be_visible()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    enter_code(page, otp_demo_code(device))
    expect(page).to_have_url(re.compile(r"/staff/reviews/$"))
    # the interactive API docs work under the same policy
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    screenshot(page, "api-docs")
    assert violations == []
