"""The 服务券配额 page in a real browser: apply, staff approve, the card shows the voucher."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from smevoucher.programs.models import EnterpriseClassification

from .test_certification_review import logged_in_page

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def program(make_program):
    return make_program()


def test_apply_for_the_general_voucher_staff_approve_card_shows_it(
    browser: Browser,
    live_server,
    make_org,
    program,
    province_reviewer,
    screenshot,
    assert_cjk_glyphs,
):
    # given a certified little giant (专精特新"小巨人") in Liuzhou
    org = make_org("柳州市浏览器小巨人有限公司")
    EnterpriseClassification.objects.create(
        program=program, uscc=org.uscc, class_code="little_giant"
    )
    page = logged_in_page(browser, live_server, org.owner)
    staff = logged_in_page(browser, live_server, province_reviewer)

    # when it opens the quota page, it sees each voucher type with its rule
    page.goto(f"{live_server.url}/center/quota/")
    card = page.locator("[data-voucher-type=general]")
    expect(card).to_contain_text("通用券")
    expect(card).to_contain_text("可申请额度：30万元")
    expect(page.locator("[data-voucher-type=guarantee]")).to_contain_text("融资担保专项券")
    assert_cjk_glyphs(page)
    screenshot(page, "quota-1-cards")

    # and applies (确定配额申请)
    with page.expect_navigation():
        card.get_by_role("link", name="服务券配额申请").click()
    expect(page.get_by_text("300,000.00")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="确定配额申请").click()
    expect(page.locator("[data-voucher-type=general]")).to_contain_text("待审核")
    screenshot(page, "quota-2-submitted")

    # when the province reviewer approves it in the workbench
    staff.goto(f"{live_server.url}/staff/reviews/?kind=quota_application")
    with staff.expect_navigation():
        staff.get_by_role("link", name=re.compile("柳州市浏览器小巨人有限公司")).first.click()
    expect(staff.get_by_text("300,000.00").first).to_be_visible()
    with staff.expect_navigation():
        staff.locator("button[name=action][value=approve]").click()
    screenshot(staff, "quota-3-approved")

    # then the card shows the voucher: number, validity, total / used / remaining
    page.goto(f"{live_server.url}/center/quota/")
    card = page.locator("[data-voucher-type=general]")
    expect(card).to_contain_text(re.compile(r"SVC\d{18}"))
    expect(card).to_contain_text("可使用")
    expect(card.locator(".voucher-figures")).to_contain_text("300,000.00")
    screenshot(page, "quota-4-voucher")
