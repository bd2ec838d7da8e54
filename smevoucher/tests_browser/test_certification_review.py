"""Certification in a real browser: the enterprise certifies, the city reviewer returns it
with a reason, the enterprise corrects and resubmits, the reviewer approves; the enterprise
sees each state and reason. Screenshots: test-results/screenshots/."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from conftest import VALID_ID, make_uscc

# serialized_rollback: the regions a migration loads survive the flush between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = "13512340001"
NAME = "柳州市浏览器认证测试有限公司"
REASON = "法定代表人姓名与营业执照不一致，请核对后重新提交"


def logged_in_page(browser: Browser, live_server, user) -> Page:
    """A browser page with ``user``'s session (the login pages have their own test)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def click(page: Page, action: str) -> None:
    with page.expect_navigation():
        page.locator(f"button[name=action][value={action}]").click()


def choose_region(page: Page) -> None:
    page.select_option("select[name=province]", "45")
    expect(page.locator("select[name=city] option[value='4502']")).to_have_count(1)
    page.select_option("select[name=city]", "4502")
    expect(page.locator("select[name=district] option[value='450202']")).to_have_count(1)
    page.select_option("select[name=district]", "450202")


def submit_with_code(page: Page, last_sms_code) -> None:
    click(page, "send_code")
    expect(page.get_by_text("验证码已发送")).to_be_visible()
    page.fill("input[name=sms_code]", last_sms_code(PHONE))
    page.check("input[name=agreed]")
    click(page, "submit")


def reviewer_acts(page: Page, live_server, action: str, reason: str = "") -> None:
    page.goto(f"{live_server.url}/staff/reviews/")
    with page.expect_navigation():
        page.get_by_role("link", name=NAME).first.click()
    if reason:
        page.fill("textarea[name=reason]", reason)
    click(page, action)


def test_certification_is_returned_corrected_and_approved(
    browser: Browser,
    live_server,
    settings,
    make_user,
    liuzhou_reviewer,
    last_sms_code,
    screenshot,
    assert_cjk_glyphs,
):
    settings.SMS_RESEND_SECONDS = 0  # two codes to one phone within a minute
    enterprise = make_user(phone=PHONE, display_name=NAME)
    page = logged_in_page(browser, live_server, enterprise)
    staff = logged_in_page(browser, live_server, liuzhou_reviewer)

    # given the enterprise fills in its details with a valid USCC and ID number
    page.goto(f"{live_server.url}/center/org/")
    expect(page.get_by_text("未提交")).to_be_visible()
    page.fill("input[name=name]", NAME)
    page.fill("input[name=uscc]", make_uscc(4321))
    choose_region(page)
    page.fill("input[name=legal_rep_name]", "张三")
    page.select_option("select[name=legal_rep_id_type]", "resident_id")
    page.fill("input[name=legal_rep_id_number]", VALID_ID)
    screenshot(page, "cert-1-form")
    assert_cjk_glyphs(page)
    # when it submits with the SMS code
    submit_with_code(page, last_sms_code)
    # then it sees 已提交, and its ID number only masked
    expect(page.locator(".status-badge")).to_have_text("已提交")
    assert VALID_ID not in page.content()
    screenshot(page, "cert-2-submitted")

    # when the Liuzhou reviewer returns it with a reason
    reviewer_acts(staff, live_server, "return", REASON)
    expect(staff.get_by_text(REASON).first).to_be_visible()
    screenshot(staff, "cert-3-reviewer-returned")
    # then the enterprise sees 已退回 and the reason
    page.goto(f"{live_server.url}/center/org/")
    expect(page.locator(".status-badge")).to_have_text("已退回")
    expect(page.get_by_text(REASON).first).to_be_visible()
    screenshot(page, "cert-4-returned")

    # when it corrects the name and resubmits
    page.fill("input[name=legal_rep_name]", "张三丰")
    submit_with_code(page, last_sms_code)
    expect(page.locator(".status-badge")).to_have_text("已提交")

    # and the reviewer approves
    reviewer_acts(staff, live_server, "approve")
    # then the enterprise sees 已通过, with the whole history
    page.goto(f"{live_server.url}/center/org/")
    expect(page.locator(".status-badge")).to_have_text("已通过")
    expect(page.get_by_text(REASON).first).to_be_visible()
    screenshot(page, "cert-5-approved")
