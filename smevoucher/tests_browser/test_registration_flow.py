"""A newcomer's first visit, in a real browser: register, log out, log in by SMS code,
change the password, log in with the new one. Screenshots: test-results/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

# serialized_rollback: the rows migrations create (regions, content types) are restored for
# each test, whatever ran before.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = "13912345678"
ENTERPRISE = "柳州市浏览器测试机械有限公司"
PASSWORD = "Qiye2026pass"
NEW_PASSWORD = "Xin2026mima"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def submit(page: Page, action: str) -> None:
    """Press the form's ``action`` button and wait for the page the server answers with."""
    with page.expect_navigation():
        page.locator(f"button[name=action][value={action}]").click()


def send_code(page: Page, captcha_answer) -> None:
    """Answer the captcha and ask for an SMS code; the page comes back with a new captcha."""
    captcha_key = page.locator("input[name=captcha_0]").input_value()
    page.fill("input[name=captcha_1]", captcha_answer(page))
    submit(page, "send_code")
    # each captcha answers once: the re-rendered form carries a new challenge
    expect(page.locator("input[name=captcha_0]")).not_to_have_value(captcha_key)


def expect_logged_in(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/center/$"))
    expect(page.locator("form#logout-form button")).to_be_visible()


def log_out(page: Page) -> None:
    with page.expect_navigation():
        page.locator("form#logout-form button").click()
    expect(page.locator("form#logout-form")).to_have_count(0)


def test_enterprise_registers_logs_in_by_sms_and_changes_password(
    page: Page,
    live_server,
    settings,
    captcha_answer,
    last_sms_code,
    screenshot,
    assert_cjk_glyphs,
):
    # The registration code and the login code go to one phone within a minute; the
    # one-send-per-minute rule has its own tests, so this journey lifts it.
    settings.SMS_RESEND_SECONDS = 0
    url = live_server.url

    # given a newcomer on the registration page, shown in Chinese
    page.goto(f"{url}/accounts/register/")
    expect(page.locator("body")).to_contain_text("注册")
    assert_cjk_glyphs(page)
    screenshot(page, "register-form")

    # when they ask for an SMS code with their enterprise name, phone and the captcha
    page.fill("input[name=display_name]", ENTERPRISE)
    page.fill("input[name=phone]", PHONE)
    send_code(page, captcha_answer)
    code = last_sms_code(PHONE)
    expect(page.locator("body")).to_contain_text("验证码已发送")
    screenshot(page, "register-code-sent")

    # and register with the code, a password and a fresh captcha answer
    page.fill("input[name=display_name]", ENTERPRISE)
    page.fill("input[name=phone]", PHONE)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_confirm]", PASSWORD)
    page.fill("input[name=sms_code]", code)
    agree = page.locator("input[name=agree]")  # 同意《平台用户服务协议》和《隐私政策》
    if agree.count():
        agree.check()
    page.fill("input[name=captcha_1]", captcha_answer(page))
    submit(page, "register")

    # then they are logged in, in their personal center
    expect_logged_in(page)
    expect(page.locator("body")).to_contain_text(CHINESE)
    assert_cjk_glyphs(page)
    screenshot(page, "center-after-register")

    # when they log out
    log_out(page)
    screenshot(page, "logged-out")

    # and log in by SMS code
    page.goto(f"{url}/accounts/login/?method=sms")
    expect(page.locator("body")).to_contain_text("登录")
    page.fill("input[name=phone]", PHONE)
    send_code(page, captcha_answer)
    login_code = last_sms_code(PHONE)
    screenshot(page, "sms-login-code-sent")
    page.fill("input[name=phone]", PHONE)
    page.fill("input[name=sms_code]", login_code)
    page.fill("input[name=captcha_1]", captcha_answer(page))
    submit(page, "login")

    # then they are back in their center
    expect_logged_in(page)
    screenshot(page, "center-after-sms-login")

    # when they change their password in the security settings
    page.goto(f"{url}/accounts/security/password/")
    form = page.locator("form:has(input[name=old_password])")
    form.locator("input[name=old_password]").fill(PASSWORD)
    form.locator("input[name=new_password]").fill(NEW_PASSWORD)
    form.locator("input[name=new_password_confirm]").fill(NEW_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    # then the page confirms it in Chinese
    expect(page.locator("body")).to_contain_text("密码修改成功")
    assert_cjk_glyphs(page)
    screenshot(page, "password-changed")

    # and after logging out, the new password logs them in
    log_out(page)
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=phone]", PHONE)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=captcha_1]", captcha_answer(page))
    screenshot(page, "password-login-form")
    submit(page, "login")
    expect_logged_in(page)
    screenshot(page, "center-after-password-login")
