"""Demands, messages and the homepage in a real browser (issue 8): an enterprise publishes a
demand, staff return it, it is corrected and published, a provider responds with a product
quote and the enterprise orders from the response; a message is answered; the homepage
figures change once a new order is paid. Screenshots of the homepage and the dashboard at
desktop and phone widths: test-results/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from smevoucher.community.models import Demand, Message
from smevoucher.orders.models import Order
from smevoucher.reviews.models import Review

from .test_certification_review import logged_in_page

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAN = 1_000_000


@pytest.fixture
def world(make_program, make_org, liuzhou_reviewer, settings, tmp_path):
    from smevoucher.catalog import services as catalog
    from smevoucher.catalog.tests.conftest import material_rows, product_input
    from smevoucher.providers.models import Provider
    from smevoucher.vouchers.services import voucher_issue

    settings.MEDIA_ROOT = str(tmp_path)
    settings.SMS_RESEND_SECONDS = 0
    settings.HOMEPAGE_FIGURES_SECONDS = 0  # figures read afresh, to see them change
    program = make_program()
    provider_org = make_org("广西浏览器需求服务有限公司")
    Provider.objects.create(
        program=program,
        org=provider_org,
        status="approved",
        level="provincial",
        scope_code="45",
        created_by=provider_org.owner,
    )
    data = product_input(name="数字化车间诊断", guide_price_fen=6 * WAN, platform_price_fen=5 * WAN)
    data.materials = material_rows(provider_org.owner, 1)
    product = catalog.product_create(actor=provider_org.owner, program_id=program.pk, data=data)
    catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="submit")
    review = Review.objects.get(kind="product", object_id=str(product.pk))
    from smevoucher.reviews.services import review_transition

    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="publish")
    enterprise_org = make_org("柳州市浏览器需求机械有限公司")
    voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=enterprise_org,
        voucher_type="general",
        amount_fen=30 * WAN,
        quota_fen=30 * WAN,
        idempotency_key="bc",
    )
    return {"enterprise": enterprise_org.owner, "provider": provider_org.owner, "product": product}


def post(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def review_act(page: Page, live_server, demand: Demand, action: str, reason: str = "") -> None:
    review = Review.objects.filter(kind="demand", object_id=str(demand.pk)).latest("pk")
    page.goto(f"{live_server.url}/staff/reviews/{review.pk}/")
    if reason:
        page.fill("textarea[name=reason]", reason)
    post(page, f"button[name=action][value={action}]")


def test_demand_message_and_homepage(
    browser: Browser,
    live_server,
    world,
    liuzhou_reviewer,
    last_sms_code,
    screenshot,
    assert_cjk_glyphs,
):
    enterprise = logged_in_page(browser, live_server, world["enterprise"])
    staff = logged_in_page(browser, live_server, liuzhou_reviewer)
    provider = logged_in_page(browser, live_server, world["provider"])

    # the homepage's deduction figure before
    enterprise.goto(f"{live_server.url}/")
    before = enterprise.locator("[data-figure=deducted]").inner_text()

    # 我的需求管理 → 发布需求
    enterprise.goto(f"{live_server.url}/messages/demands/mine/")
    enterprise.fill("#id_name", "生产线数字化诊断")
    enterprise.select_option("#id_category", "数字化转型")
    enterprise.fill("#id_contact_phone", "13912345678")
    enterprise.fill("#id_content", "我司两条生产线需要数字化诊断与改造方案。")
    post(enterprise, "button[data-action=publish_demand]")
    demand = Demand.objects.get()
    expect(enterprise.locator(".demand-status")).to_have_text("待处理")

    # staff return it; the enterprise corrects and resubmits; staff approve
    review_act(staff, live_server, demand, "return", "请写明预算")
    enterprise.goto(f"{live_server.url}/messages/demands/{demand.pk}/")
    expect(enterprise.locator(".alert-warning")).to_contain_text("请写明预算")
    enterprise.check("input[name=budget_mode][value=amount]")
    enterprise.fill("input[name=budget]", "50000")
    post(enterprise, "button[data-action=resubmit_demand]")
    review_act(staff, live_server, demand, "approve")

    # published on the board, phone masked
    anonymous = browser.new_context(locale="zh-CN").new_page()
    anonymous.goto(f"{live_server.url}/messages/demands/")
    expect(anonymous.locator(".demand-board")).to_contain_text("生产线数字化诊断")
    expect(anonymous.locator(".demand-board .phone")).to_have_text("139****5678")

    # a provider responds with its product quoted after voucher
    provider.goto(f"{live_server.url}/messages/demands/{demand.pk}/")
    provider.fill("#id_message", "我司可提供数字化车间诊断服务")
    provider.select_option("#id_product", str(world["product"].pk))
    post(provider, "button[data-action=respond]")

    # the enterprise orders the quoted product in one step
    enterprise.goto(f"{live_server.url}/messages/demands/{demand.pk}/")
    expect(enterprise.locator(".responses")).to_contain_text("35,000.00")
    post(enterprise, "a[data-action=order_quoted]")
    post(enterprise, "button:has-text('提交订单')")
    order = Order.objects.get()

    # a message is answered
    enterprise.goto(f"{live_server.url}/messages/")
    enterprise.fill("#id_title", "发票抬头")
    enterprise.fill("#id_content", "兑现发票的抬头应写哪家单位？")
    post(enterprise, "button[data-action=send_message]")
    message = Message.objects.get()
    staff.goto(f"{live_server.url}/messages/{message.pk}/")
    staff.fill("#id_reply", "按合同甲方名称开具。")
    post(staff, "button[data-action=reply]")
    enterprise.goto(f"{live_server.url}/messages/{message.pk}/")
    expect(enterprise.locator(".replies")).to_contain_text("按合同甲方名称开具")

    # the order is paid (deposit confirmed): the homepage's deduction figure changes
    from smevoucher.accounts.services import sms_code_send
    from smevoucher.orders.choices import OrderStatus
    from smevoucher.orders.demo import advance

    def send_code(phone, purpose):
        sms_code_send(phone=phone, purpose=purpose, ip_address=None)
        return last_sms_code(phone)

    advance(
        order,
        to=OrderStatus.AWAITING_SERVICE,
        enterprise_user=world["enterprise"],
        provider_user=world["provider"],
        send_code=send_code,
    )
    enterprise.goto(f"{live_server.url}/")
    after = enterprise.locator("[data-figure=deducted]").inner_text()
    assert before != after
    assert after == "15,000.00"

    # screenshots: the homepage and the dashboard, desktop and phone
    for width, name in ((1280, "desktop"), (390, "phone")):
        enterprise.set_viewport_size({"width": width, "height": 900})
        enterprise.goto(f"{live_server.url}/")
        assert_cjk_glyphs(enterprise)
        screenshot(enterprise, f"home-{name}")
        staff.set_viewport_size({"width": width, "height": 900})
        staff.goto(f"{live_server.url}/staff/dashboard/")
        expect(staff.locator("[data-chart=issued] svg")).to_have_count(1)
        screenshot(staff, f"dashboard-{name}")
