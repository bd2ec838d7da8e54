"""Providers and the catalogue in a real browser (issue 5): an institution absent from the
program's directory is refused; one on it applies, staff approve it; it publishes a
range-priced product, staff approve the product, the provider lists it (上传); the product
shows in its category and in search (2- and 4-character Chinese keywords); an enterprise
with a voucher sees the price after voucher. Screenshots: test-results/screenshots/."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfWriter

from smevoucher.providers.models import DirectoryEntry

from .test_certification_review import logged_in_page

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PROVIDER_NAME = "柳州市浏览器数智服务有限公司"
OUTSIDER_NAME = "柳州市浏览器未入名录咨询有限公司"
PRODUCT = "企业数字化转型诊断咨询"
TIERS = [
    ("基础诊断：线上问卷+评测报告", "50000"),
    ("深度诊断：驻场5天+转型方案", "150000"),
    ("全面诊断：驻场15天+实施路线图", "300000"),
]


def pdf(name: str) -> dict:
    """A one-page PDF as Playwright sets it on a file input."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return {"name": name, "mimeType": "application/pdf", "buffer": buffer.getvalue()}


def provider_org(make_org, name: str):
    org = make_org(name)
    org.kind = "provider"
    org.save(update_fields=["kind"])
    return org


def staff_approves(page: Page, live_server, kind: str, label: str) -> None:
    """The reviewer opens the item from the review workbench and approves it."""
    page.goto(f"{live_server.url}/staff/reviews/?kind={kind}")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(label)).first.click()
    with page.expect_navigation():
        page.locator("button[name=action][value=approve]").click()


def product_form_filled(page: Page) -> None:
    """产品管理 → 发布服务产品: a range-priced product with its basis and 3 material sets."""
    page.fill("input[name=name]", PRODUCT)
    page.select_option("select[name=category]", "数字化转型")
    page.check("input[name=voucher_types][value=general]")
    page.fill("[name=service_area]", "广西壮族自治区全区")
    page.fill("[name=target_customers]", "有数字化转型需求的制造业中小企业")
    page.fill("[name=overview]", "评估企业研发、生产、供应链等环节的数字化水平，给出转型方案。")
    page.fill("[name=process]", "需求沟通、问卷评测、驻场调研、方案评审与交付")
    page.fill("[name=cycle]", "10至60个工作日")
    page.fill("[name=deliverables]", "数字化水平评测报告；数字化转型方案；实施路线图")
    page.fill("[name=acceptance]", "交付物与所选档位一致，经企业确认")
    page.check("input[name=pricing_mode][value=range]")
    for i, (content, price) in enumerate(TIERS, start=1):
        page.fill(f"[name=tier_{i}_content]", content)
        page.fill(f"[name=tier_{i}_price]", price)
    page.fill("[name=cmp_1_name]", "深圳某数字化咨询有限公司")
    page.fill("[name=cmp_1_source]", "官网公开报价")
    page.fill("[name=cmp_1_price]", "160000")
    page.fill("[name=cmp_2_name]", "南宁某信息技术有限公司")
    page.fill("[name=cmp_2_source]", "报价单")
    page.fill("[name=cmp_2_price]", "170000")
    page.fill("[name=internal_basis]", "高级咨询师每人天3000元，另计报告编制与差旅成本")
    for n in (1, 2, 3):
        for kind in ("contract", "invoice", "result"):
            page.set_input_files(f"input[name=mat_{n}_{kind}]", pdf(f"第{n}套-{kind}.pdf"))


def test_directory_admission_product_review_listing_search_and_price_after_voucher(
    browser: Browser,
    live_server,
    make_org,
    make_program,
    make_staff,
    screenshot,
    assert_cjk_glyphs,
):
    program = make_program()
    member = provider_org(make_org, PROVIDER_NAME)
    outsider = provider_org(make_org, OUTSIDER_NAME)
    DirectoryEntry.objects.create(
        program=program, name=PROVIDER_NAME, uscc=member.uscc, level="provincial"
    )
    reviewer = make_staff(
        region_code="45", roles=("reviewer", "approver"), display_name="自治区审核员"
    )
    staff = logged_in_page(browser, live_server, reviewer)

    # given an institution that is not on the program's directory: it may not apply
    page = logged_in_page(browser, live_server, outsider.owner)
    page.goto(f"{live_server.url}/center/provider/")
    expect(page.get_by_text("未在本项目服务机构名录中").first).to_be_visible()
    expect(page.get_by_role("link", name="申请入驻")).to_have_count(0)
    page.goto(f"{live_server.url}/center/provider/apply/{program.pk}/")
    expect(page.locator(".alert-warning")).to_contain_text("未在本项目服务机构名录中")
    expect(page.locator("[name=intro]")).to_have_count(0)
    assert_cjk_glyphs(page)
    screenshot(page, "outsider-refused")

    # when one on the directory applies (申请入驻平台)
    provider = logged_in_page(browser, live_server, member.owner)
    provider.goto(f"{live_server.url}/center/provider/")
    expect(provider.get_by_text("贵机构在本项目服务机构名录中")).to_be_visible()
    with provider.expect_navigation():
        provider.get_by_role("link", name="申请入驻").click()
    provider.check("input[name=categories][value=企业诊断]")
    provider.check("input[name=categories][value=数字化转型]")
    provider.fill("[name=intro]", "专注中小企业数字化转型咨询与实施，服务企业300余家。")
    provider.fill("[name=contact_phone]", "0772-2861234")
    provider.fill("[name=address]", "柳州市城中区文昌路1号")
    provider.fill("[name=working_hours]", "周一至周五 8:30-17:30")
    provider.set_input_files("input[name=qualifications]", pdf("营业执照副本.pdf"))
    provider.set_input_files("input[name=commitment_letter]", pdf("服务机构承诺书.pdf"))
    screenshot(provider, "apply")
    with provider.expect_navigation():
        provider.get_by_role("button", name="提交入驻申请").click()
    expect(provider.get_by_text("入驻申请已提交")).to_be_visible()
    screenshot(provider, "applied")

    # and staff approve the admission
    staff_approves(staff, live_server, "provider_admission", PROVIDER_NAME)
    screenshot(staff, "admission-approved")
    provider.goto(f"{live_server.url}/center/provider/")
    expect(provider.locator(".status-badge").first).to_have_text("已入驻")

    # when it fills in a range-priced product and submits it for review
    provider.goto(f"{live_server.url}/center/products/new/")
    product_form_filled(provider)
    screenshot(provider, "product-form")
    with provider.expect_navigation():
        provider.get_by_role("button", name="保存").click()
    expect(provider.locator("h2 .status-badge")).to_have_text("未提交")
    with provider.expect_navigation():
        provider.get_by_role("button", name="提交审核").click()
    expect(provider.locator("h2 .status-badge")).to_have_text("审核中")
    screenshot(provider, "product-submitted")
    product_url = provider.url

    # and staff approve it
    staff_approves(staff, live_server, "product", PRODUCT)
    screenshot(staff, "product-approved")

    # then the provider lists it (上传): 在售
    provider.goto(product_url)
    expect(provider.locator("h2 .status-badge")).to_have_text("待上传")
    with provider.expect_navigation():
        provider.get_by_role("button", name="上传").click()
    expect(provider.locator("h2 .status-badge")).to_have_text("在售")
    provider.goto(f"{live_server.url}/center/products/?tab=on_sale")
    expect(provider.get_by_text(PRODUCT)).to_be_visible()
    screenshot(provider, "provider-on-sale")

    # and it shows in its category, with the category's count
    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{live_server.url}/products/?program={program.pk}&category=数字化转型")
    expect(visitor.locator(".category-entry.selected")).to_contain_text("1")
    cards = visitor.locator(".product-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(PRODUCT)
    expect(cards.first).to_contain_text("¥50,000.00 – 300,000.00")
    screenshot(visitor, "category")
    visitor.goto(f"{live_server.url}/products/?program={program.pk}&category=融资担保")
    expect(visitor.locator(".product-card")).to_have_count(0)

    # and in search, by a 2-character and a 4-character keyword (typed in the search box)
    for keyword in ("诊断", "转型诊断"):
        visitor.goto(f"{live_server.url}/products/")
        visitor.fill("input[name=q]", keyword)
        with visitor.expect_navigation():
            visitor.get_by_role("button", name="搜索").click()
        expect(visitor.locator(".product-card")).to_have_count(1)
        expect(visitor.locator(".product-card").first).to_contain_text(PRODUCT)
        screenshot(visitor, f"search-{len(keyword)}")
    visitor.fill("input[name=q]", "检测")
    with visitor.expect_navigation():
        visitor.get_by_role("button", name="搜索").click()
    expect(visitor.locator(".product-card")).to_have_count(0)

    # when an enterprise with a general voucher of 30万 opens the product
    from smevoucher.vouchers.services import voucher_issue

    enterprise = make_org("柳州市浏览器采购机械有限公司")
    voucher_issue(
        actor=None,
        program_version=program.versions.get(),
        org=enterprise,
        voucher_type="general",
        amount_fen=300_000_00,
        quota_fen=300_000_00,
        idempotency_key=f"browser-{enterprise.pk}",
    )
    buyer = logged_in_page(browser, live_server, enterprise.owner)
    buyer.goto(f"{live_server.url}/products/?q=转型诊断")
    with buyer.expect_navigation():
        buyer.get_by_role("link", name=PRODUCT).click()
    # then it sees each tier's price after voucher (30% off) and the subsidy
    expect(buyer.locator("h1")).to_have_text(PRODUCT)
    table = buyer.locator("table.tier-table")
    expect(table.locator("thead")).to_contain_text("券后价")
    first = table.locator("tbody tr").first
    expect(first).to_contain_text("50,000.00")
    expect(first).to_contain_text("35,000.00")
    expect(first).to_contain_text("15,000.00")
    expect(buyer.locator(".subsidy-box")).to_contain_text("最高补贴")
    expect(buyer.locator(".provider-card")).to_contain_text(PROVIDER_NAME)
    screenshot(buyer, "enterprise-price-after-voucher")
