"""Given: a Guangxi-rules program, an admitted provider, complete products in any status,
an enterprise with a voucher."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from smevoucher.catalog import services
from smevoucher.catalog.models import Product
from smevoucher.providers.models import Provider
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition
from smevoucher.uploads.services import upload_create

WAN = 1_000_000  # fen in 万元
YUAN = 100


def pdf_file(name: str = "合同.pdf") -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def program(make_program):
    return make_program()


@pytest.fixture
def provider_org(make_org):
    org = make_org("广西数智科技服务有限公司")
    org.kind = "provider"
    org.save(update_fields=["kind"])
    return org


@pytest.fixture
def provider_user(provider_org):
    return provider_org.owner


@pytest.fixture
def make_provider():
    def make(program, org, *, level="provincial", scope_code="45", status="approved"):
        return Provider.objects.create(
            program=program,
            org=org,
            status=status,
            level=level,
            scope_code=scope_code,
            contact_phone="0771-5551234",
            address="南宁市青秀区民族大道100号",
            working_hours="周一至周五 08:00-18:00",
            created_by=org.owner,
        )

    return make


@pytest.fixture
def provider(program, provider_org, make_provider):
    return make_provider(program, provider_org)


def material_rows(user, sets: int) -> list[dict]:
    rows = []
    for number in range(1, sets + 1):
        for kind in ("contract", "invoice", "result"):
            upload = upload_create(
                actor=user, uploaded=pdf_file(f"{kind}{number}.pdf"), purpose="product_material"
            )
            rows.append({"set_number": number, "kind": kind, "upload_id": str(upload.pk)})
    return rows


def product_input(**overrides) -> services.ProductInput:
    """A complete fixed-price product (Guangxi manual: 专利分级评价, 80元 / 76元)."""
    values = {
        "name": "专利分级评价",
        "category": "数字化转型",
        "voucher_types": ["general"],
        "pricing_mode": "fixed",
        "guide_price_fen": 80 * YUAN,
        "platform_price_fen": 76 * YUAN,
        "service_area": "广西壮族自治区南宁市、柳州市",
        "target_customers": "规模以上制造业企业",
        "overview": "对企业专利进行分级评价，出具专利价值评估报告。",
        "process": "资料收集、专利检索、分级评价、出具报告",
        "cycle": "15个工作日",
        "deliverables": "专利分级评价报告",
        "acceptance": "企业确认报告内容完整",
        "market_comparisons": [
            {"name": "某知识产权服务公司", "source": "官网报价", "price_fen": 90 * YUAN},
            {"name": "某专利代理事务所", "source": "报价单", "price_fen": 85 * YUAN},
        ],
        "internal_basis": "人工成本60元，利润与税费16元",
    }
    values.update(overrides)
    return services.ProductInput(**values)


def range_input(**overrides) -> services.ProductInput:
    values = {
        "name": "企业数字化转型诊断咨询",
        "pricing_mode": "range",
        "guide_price_fen": None,
        "platform_price_fen": None,
        "tiers": [
            {"content": "基础诊断（线上问卷+报告）", "price_fen": 5 * WAN},
            {"content": "深度诊断（驻场5天+转型方案）", "price_fen": 15 * WAN},
            {"content": "全面诊断（驻场15天+实施路线图）", "price_fen": 30 * WAN},
        ],
    }
    values.update(overrides)
    return product_input(**values)


@pytest.fixture
def make_product(program, provider, provider_user, liuzhou_reviewer):
    """A complete product of ``provider`` driven by the real flow to ``status``."""
    counter = itertools.count(1)

    def make(status: str = "on_sale", *, data=None, by=None, reviewer=None) -> Product:
        actor = by or provider_user
        reviewer = reviewer or liuzhou_reviewer
        data = data or product_input(name=f"专利分级评价{next(counter)}号")
        if not data.materials:
            sets = 3 if data.pricing_mode == "range" else 1
            data.materials = material_rows(actor, sets)
        product = services.product_create(actor=actor, program_id=program.pk, data=data)
        if status == "draft":
            return product
        services.product_transition(actor=actor, product_id=product.pk, action="submit")
        review = Review.objects.get(kind="product", object_id=str(product.pk))
        decision = {"returned": "return", "rejected": "reject"}.get(status, "approve")
        if status != "submitted":
            review_transition(
                actor=reviewer, review_id=review.pk, action=decision, reason="请补充材料"
            )
        if status in ("on_sale", "off_sale"):
            services.product_transition(actor=actor, product_id=product.pk, action="publish")
        if status == "off_sale":
            services.product_transition(actor=actor, product_id=product.pk, action="unpublish")
        product.refresh_from_db()
        assert product.status == status
        return product

    return make


@pytest.fixture
def enterprise_org(make_org):
    return make_org("柳州市采购机械有限公司")


@pytest.fixture
def issue_voucher():
    from smevoucher.vouchers.services import voucher_issue

    def issue(program, org, amount_fen: int, voucher_type: str = "general"):
        return voucher_issue(
            actor=None,
            program_version=program.versions.get(),
            org=org,
            voucher_type=voucher_type,
            amount_fen=amount_fen,
            quota_fen=amount_fen,
            idempotency_key=f"test-{org.pk}-{voucher_type}-{amount_fen}",
        )

    return issue
