"""The whole Guangxi order flow in a real browser, with two browser contexts (issue 6): the
enterprise orders with its voucher; the provider accepts and drafts the contract; the
enterprise returns it, the provider revises, the enterprise agrees; both sign with their
e-seals; deposit and final payment are remitted with proofs and confirmed; the provider
starts and ends the service; the enterprise confirms and evaluates. At each step the status
and the tab are those of the manual. Screenshots: test-results/screenshots/."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from smevoucher.orders.models import Order

from .test_certification_review import logged_in_page

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAN = 1_000_000


def png(name: str) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 50), (240, 240, 240)).save(buffer, format="PNG")
    return {"name": name, "mimeType": "image/png", "buffer": buffer.getvalue()}


@pytest.fixture
def world(make_program, make_org, liuzhou_reviewer, settings, tmp_path):
    """The demo's shape: a Guangxi program, a provider with a 300,000 yuan product on sale,
    a Liuzhou enterprise holding a 300,000 yuan voucher, both with their e-seals made."""
    from smevoucher.catalog import services as catalog
    from smevoucher.catalog.tests.conftest import material_rows, product_input
    from smevoucher.orgs.models import BankAccount
    from smevoucher.providers.models import Provider
    from smevoucher.regions.models import Region
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition
    from smevoucher.vouchers.services import voucher_issue

    settings.MEDIA_ROOT = str(tmp_path)
    settings.SMS_RESEND_SECONDS = 0
    program = make_program()
    provider_org = make_org("广西浏览器数智服务有限公司")
    BankAccount.objects.create(
        org=provider_org,
        account_name=provider_org.name,
        bank_name="中国工商银行",
        branch_name="南宁民族支行",
        region=Region.objects.get(code="4501"),
        account_number="6222020200112233445",
        account_index="test",
        account_last4="3445",
    )
    Provider.objects.create(
        program=program,
        org=provider_org,
        status="approved",
        level="provincial",
        scope_code="45",
        created_by=provider_org.owner,
    )
    data = product_input(
        name="智能制造系统集成", guide_price_fen=32 * WAN, platform_price_fen=30 * WAN
    )
    data.materials = material_rows(provider_org.owner, 1)
    product = catalog.product_create(actor=provider_org.owner, program_id=program.pk, data=data)
    catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="submit")
    review = Review.objects.get(kind="product", object_id=str(product.pk))
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="publish")
    enterprise_org = make_org("柳州市浏览器机械制造有限公司")
    voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=enterprise_org,
        voucher_type="general",
        amount_fen=30 * WAN,
        quota_fen=30 * WAN,
        idempotency_key="browser-voucher",
    )
    return {
        "product": product,
        "enterprise": enterprise_org.owner,
        "provider": provider_org.owner,
    }


def _seals(world, last_sms_code) -> None:
    from smevoucher.accounts.services import sms_code_send
    from smevoucher.orders.demo import ensure_seal

    def send_code(phone: str, purpose: str) -> str:
        sms_code_send(phone=phone, purpose=purpose, ip_address=None)
        return last_sms_code(phone)

    for user in (world["enterprise"], world["provider"]):
        ensure_seal(user=user, send_code=send_code)


def post(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def status_is(page: Page, label: str) -> None:
    expect(page.locator(".order-head .status-badge").first).to_have_text(label)


def in_tab(page: Page, live_server, path: str, tab: str, tab_label: str, number: str) -> None:
    """The order shows under the manual's tab of its status in the list."""
    page.goto(f"{live_server.url}{path}?tab={tab}")
    expect(page.locator(".order-tabs a[aria-current=page]")).to_contain_text(tab_label)
    expect(page.locator(f"tr[data-order='{number}']")).to_have_count(1)


def sign(page: Page, last_sms_code, phone: str) -> None:
    post(page, "button[data-action=send_sign_code]")
    page.fill("#id_sign_code", last_sms_code(phone))
    post(page, "button[data-action=sign_contract]")


def remit(page: Page, amount: str, name: str) -> None:
    page.fill("#payment input[name=amount]", amount)
    page.set_input_files("#payment input[name=proof]", png(name))
    post(page, "button[data-action=remit]")


def test_the_whole_guangxi_order_flow(
    browser: Browser, live_server, world, last_sms_code, screenshot, assert_cjk_glyphs
):
    _seals(world, last_sms_code)
    enterprise = logged_in_page(browser, live_server, world["enterprise"])
    provider = logged_in_page(browser, live_server, world["provider"])
    product = world["product"]

    # the enterprise opens 订单详情 from the product page: 300,000 − 90,000 = 210,000
    enterprise.goto(f"{live_server.url}/products/{product.pk}/")
    with enterprise.expect_navigation():
        enterprise.get_by_role("link", name="申请服务").click()
    expect(enterprise.locator(".order-figures .pay")).to_contain_text("210,000.00")
    expect(enterprise.locator(".order-figures .pay-upper")).to_have_text("贰拾壹万元整")
    expect(enterprise.locator(".order-figures .deduction")).to_contain_text("90,000.00")
    assert_cjk_glyphs(enterprise)
    screenshot(enterprise, "order-page")
    enterprise.fill("textarea[name=note]", "请于工作日联系我司设备部")
    with enterprise.expect_navigation():
        enterprise.get_by_role("button", name="提交订单").click()
    order = Order.objects.get()
    number = order.number
    status_is(enterprise, "待接单")
    in_tab(enterprise, live_server, "/orders/mine/", "awaiting_acceptance", "待接单", number)

    # the provider sees it in 我的服务订单 and accepts (接单)
    in_tab(provider, live_server, "/orders/service/", "awaiting_acceptance", "待接单", number)
    provider.goto(f"{live_server.url}/orders/{number}/")
    post(provider, "button[data-action=accept]")
    status_is(provider, "待签合同")

    # it drafts the contract from the template: deposit 42,000, final 168,000
    with provider.expect_navigation():
        provider.locator("a[data-action=draft_contract]").click()
    provider.fill("input[name=amount]", "300000")
    provider.fill("input[name=deposit]", "42000")
    provider.fill("input[name=service_period]", "合同签订后90日内")
    with provider.expect_navigation():
        provider.get_by_role("button", name="提交合同").click()
    expect(provider.locator(".contract-status")).to_have_text("待企业确认")

    # the enterprise returns it for changes with a reason
    in_tab(enterprise, live_server, "/orders/mine/", "awaiting_contract", "待签合同", number)
    enterprise.goto(f"{live_server.url}/orders/{number}/")
    enterprise.locator("summary[data-action=return_contract]").click()
    enterprise.fill("#reason-return", "请写明验收标准")
    post(enterprise, "#contract form:has(#reason-return) button[type=submit]")
    expect(enterprise.locator(".contract-status")).to_have_text("已退回修改")

    # the provider revises (version 2 kept beside version 1)
    provider.goto(f"{live_server.url}/orders/{number}/contract/")
    expect(provider.locator(".alert-warning")).to_contain_text("请写明验收标准")
    provider.fill("textarea[name=acceptance]", "甲方确认系统上线运行并签署验收单")
    with provider.expect_navigation():
        provider.get_by_role("button", name="提交合同").click()
    expect(provider.locator("#contract")).to_contain_text("第 2 版")

    # the enterprise agrees: the contract can no longer change
    enterprise.goto(f"{live_server.url}/orders/{number}/")
    post(enterprise, "button[data-action=agree_contract]")
    expect(enterprise.locator(".contract-status")).to_have_text("已确认，待签署")
    screenshot(enterprise, "contract-agreed")

    # party B signs first, then party A
    provider.goto(f"{live_server.url}/orders/{number}/")
    sign(provider, last_sms_code, world["provider"].phone)
    expect(provider.locator(".contract-status")).to_have_text("乙方已签署")
    enterprise.goto(f"{live_server.url}/orders/{number}/")
    sign(enterprise, last_sms_code, world["enterprise"].phone)
    expect(enterprise.locator(".contract-status")).to_have_text("双方已签署")
    status_is(enterprise, "待支付")
    in_tab(enterprise, live_server, "/orders/mine/", "awaiting_payment", "待支付", number)

    # the deposit, by corporate transfer with its proof; the provider confirms receipt
    enterprise.goto(f"{live_server.url}/orders/{number}/")
    remit(enterprise, "42000", "定金转账凭证.png")
    screenshot(enterprise, "deposit-remitted")
    provider.goto(f"{live_server.url}/orders/{number}/")
    post(provider, "button[data-action=confirm_remittance]")
    status_is(provider, "待服务")
    expect(provider.locator(".received")).to_contain_text("90,000.00")
    in_tab(enterprise, live_server, "/orders/mine/", "awaiting_service", "待服务", number)

    # the provider starts the service, records progress and ends it with a deliverable
    provider.goto(f"{live_server.url}/orders/{number}/")
    post(provider, "button[data-action=start]")
    status_is(provider, "待完成")
    in_tab(enterprise, live_server, "/orders/mine/", "in_service", "待完成", number)
    provider.goto(f"{live_server.url}/orders/{number}/")
    provider.fill("#service textarea[name=content]", "完成现场调研和方案设计")
    post(provider, "button[data-action=record_progress]")
    provider.fill("#service textarea[name=content]", "系统已上线，交付验收报告")
    provider.set_input_files("#service input[name=files]", png("验收报告.png"))
    post(provider, "button[data-action=finish]")

    # the enterprise sees the progress, pays the final payment; the provider confirms
    enterprise.goto(f"{live_server.url}/orders/{number}/")
    expect(enterprise.locator(".service-timeline")).to_contain_text("结束服务")
    remit(enterprise, "168000", "尾款转账凭证.png")
    provider.goto(f"{live_server.url}/orders/{number}/")
    post(provider, "button[data-action=confirm_remittance]")

    # the enterprise confirms completion and evaluates
    enterprise.goto(f"{live_server.url}/orders/{number}/")
    post(enterprise, "button[data-action=confirm]")
    status_is(enterprise, "待评价")
    in_tab(enterprise, live_server, "/orders/mine/", "completed", "已完成", number)
    enterprise.goto(f"{live_server.url}/orders/{number}/")
    enterprise.check("input[name=stars][value='5']")
    enterprise.fill("#evaluation textarea[name=content]", "服务专业，交付及时")
    post(enterprise, "button[data-action=evaluate]")
    status_is(enterprise, "评价完成")
    in_tab(enterprise, live_server, "/orders/mine/", "evaluated", "评价完成", number)
    screenshot(enterprise, "evaluated")

    # the money: 90,000 captured from the voucher, 210,000 received by transfer
    order.refresh_from_db()
    assert (order.captured_fen, order.paid_fen) == (9 * WAN, 21 * WAN)
    from smevoucher.vouchers.checks import ledger_problems

    assert ledger_problems() == []
    # and the provider's product page shows the evaluation
    enterprise.goto(f"{live_server.url}/products/{product.pk}/")
    expect(enterprise.locator(".provider-rating")).to_contain_text(re.compile(r"5(\.0)? 分"))
