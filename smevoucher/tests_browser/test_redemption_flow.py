"""Redemption in a real browser (issue 7): a provider claims two completed orders, downloads
the application form and the summary, uploads the stamped scan and submits; four different
staff accounts take the claim through the four review steps; an approver publishes the notice,
which appears on the public notice page; after the window, finance pays.
Screenshots: test-results/screenshots/."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfWriter

from smevoucher.settlements.models import Claim, Notice

from .test_certification_review import logged_in_page

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAN = 1_000_000


def pdf(name: str) -> dict:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return {"name": name, "mimeType": "application/pdf", "buffer": buffer.getvalue()}


@pytest.fixture
def world(
    make_program,
    make_org,
    make_staff,
    liuzhou_reviewer,
    province_reviewer,
    settings,
    tmp_path,
    last_sms_code,
):
    """Two evaluated orders of one provider, and the four staff of the four steps."""
    from smevoucher.accounts.services import sms_code_send
    from smevoucher.catalog import services as catalog
    from smevoucher.catalog.tests.conftest import material_rows, product_input
    from smevoucher.orders import services as orders
    from smevoucher.orders.choices import OrderStatus
    from smevoucher.orders.demo import advance
    from smevoucher.providers.models import Provider
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition
    from smevoucher.vouchers.services import voucher_issue

    settings.MEDIA_ROOT = str(tmp_path)
    settings.SMS_RESEND_SECONDS = 0
    program = make_program()
    provider_org = make_org("柳州市浏览器兑现服务有限公司")
    Provider.objects.create(
        program=program,
        org=provider_org,
        status="approved",
        level="city",
        scope_code="4502",
        created_by=provider_org.owner,
    )
    data = product_input(name="精益生产诊断", guide_price_fen=6 * WAN, platform_price_fen=5 * WAN)
    data.materials = material_rows(provider_org.owner, 1)
    product = catalog.product_create(actor=provider_org.owner, program_id=program.pk, data=data)
    catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="submit")
    review = Review.objects.get(kind="product", object_id=str(product.pk))
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="publish")
    enterprise_org = make_org("柳州市浏览器兑现机械有限公司")
    voucher = voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=enterprise_org,
        voucher_type="general",
        amount_fen=30 * WAN,
        quota_fen=30 * WAN,
        idempotency_key="bv",
    )

    def send_code(phone, purpose):
        sms_code_send(phone=phone, purpose=purpose, ip_address=None)
        return last_sms_code(phone)

    for n in range(2):
        order = orders.order_place(
            actor=enterprise_org.owner,
            product_id=product.pk,
            voucher_id=voucher.pk,
            idempotency_key=f"browser-claim-{n}",
        )
        advance(
            order,
            to=OrderStatus.EVALUATED,
            enterprise_user=enterprise_org.owner,
            provider_user=provider_org.owner,
            send_code=send_code,
        )
    return {
        "provider": provider_org.owner,
        "staff": [
            liuzhou_reviewer,
            province_reviewer,
            make_staff(region_code="45", roles=("approver",), phone="13800000046"),
            make_staff(region_code="45", roles=("finance",), phone="13800000047"),
        ],
    }


def post(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def approve_in_workbench(page: Page, live_server, claim: Claim) -> None:
    from smevoucher.reviews.models import Review

    review = Review.objects.get(kind="redemption", object_id=str(claim.pk))
    page.goto(f"{live_server.url}/staff/reviews/{review.pk}/")
    post(page, "button[name=action][value=approve]")


def test_a_claim_from_provider_to_paid_through_four_staff(
    browser: Browser, live_server, world, screenshot, assert_cjk_glyphs
):
    provider = logged_in_page(browser, live_server, world["provider"])
    # 服务券兑付 → 申请兑现: both orders, each with its invoice
    provider.goto(f"{live_server.url}/claims/")
    with provider.expect_navigation():
        provider.get_by_role("link", name="申请兑现（2 个订单可申请）").click()
    for row in provider.locator("tr[data-order]").all():
        row.locator("input[type=checkbox]").check()
        row.locator("input[name^=invoice_number]").fill("04450012")
        row.locator("input[name^=invoice_amount]").fill("15000")
        row.locator("input[type=file]").set_input_files(pdf("发票.pdf"))
    post(provider, "button[data-action=create_claim]")
    claim = Claim.objects.get()
    expect(provider.locator(".claimed")).to_contain_text("30,000.00")
    # the form and the summary download
    for link in ("兑现申请表(PDF)", "明细汇总表(Excel)", "明细汇总表(PDF)"):
        with provider.expect_download() as download:
            provider.get_by_role("link", name=link).click()
        assert download.value.path().stat().st_size > 1000
    # the stamped scan, then submit
    provider.set_input_files("#id_stamped_form", pdf("兑现申请表（盖章）.pdf"))
    post(provider, "button[data-action=upload_materials]")
    post(provider, "button[data-action=submit_claim]")
    expect(provider.locator(".claim-status")).to_have_text("审核中")
    assert_cjk_glyphs(provider)
    screenshot(provider, "claim-submitted")

    # four different staff accounts, one per step
    initial, paper, approver, finance = (
        logged_in_page(browser, live_server, user) for user in world["staff"]
    )
    approve_in_workbench(initial, live_server, claim)
    paper.goto(f"{live_server.url}/claims/staff/{claim.pk}/")
    post(paper, "button[data-action=paper_received]")
    claim.refresh_from_db()
    assert claim.paper_receipt_number
    approve_in_workbench(paper, live_server, claim)
    approve_in_workbench(approver, live_server, claim)
    approve_in_workbench(finance, live_server, claim)
    claim.refresh_from_db()
    assert claim.status == "approved"

    # the approver publishes the notice; it shows on the public notice page
    approver.goto(f"{live_server.url}/claims/staff/")
    post(approver, "button[data-action=publish]")
    anonymous = browser.new_context(locale="zh-CN").new_page()
    anonymous.goto(f"{live_server.url}/claims/notices/")
    with anonymous.expect_navigation():
        anonymous.locator(".notices a").first.click()
    expect(anonymous.locator(".notice-rows")).to_contain_text("柳州市浏览器兑现服务有限公司")
    expect(anonymous.locator(".notice-rows")).to_contain_text("30,000.00")
    screenshot(anonymous, "notice")

    # after the window, finance pays
    Notice.objects.update(objection_until=timezone.localdate() - dt.timedelta(days=1))
    finance.goto(f"{live_server.url}/claims/staff/")
    post(finance, f"button[data-action=pay][data-claim='{claim.number}']")
    claim.refresh_from_db()
    assert claim.status == "paid"
    provider.goto(f"{live_server.url}/claims/{claim.pk}/")
    expect(provider.locator(".claim-status")).to_have_text("已兑付")
    from smevoucher.vouchers.checks import ledger_problems

    assert ledger_problems() == []
