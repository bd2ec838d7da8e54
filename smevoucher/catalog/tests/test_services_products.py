import pytest

from smevoucher.audit.models import AuditRecord
from smevoucher.catalog import services
from smevoucher.catalog.models import PriceHistory, Product, ProductRevision
from smevoucher.catalog.selectors import catalog_search
from smevoucher.catalog.tests.conftest import WAN, YUAN, material_rows, product_input, range_input
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition

pytestmark = pytest.mark.django_db

STATUSES = ("draft", "submitted", "returned", "rejected", "ready", "on_sale", "off_sale")
PROVIDER_ACTIONS = ("submit", "publish", "unpublish")
REVIEW_ACTIONS = ("approve", "return", "reject", "withdraw")

# The Liuzhou lifecycle as the provider drives it: every other pair is refused.
PROVIDER_MOVES = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("rejected", "submit"): "submitted",
    ("ready", "publish"): "on_sale",
    ("on_sale", "unpublish"): "off_sale",
    ("off_sale", "publish"): "on_sale",
}


def test_the_flow_table_is_the_lifecycle_of_the_manual():
    provider_moves = {
        pair: target
        for pair, (target, who) in services.PRODUCT_FLOW.items()
        if who == services.PROVIDER
    }
    review_moves = {
        pair: target
        for pair, (target, who) in services.PRODUCT_FLOW.items()
        if who == services.REVIEW
    }
    assert provider_moves == PROVIDER_MOVES
    assert review_moves == {
        ("submitted", "approve"): "ready",
        ("submitted", "return"): "returned",
        ("submitted", "reject"): "rejected",
        ("submitted", "withdraw"): "draft",
        ("returned", "withdraw"): "draft",
    }


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", PROVIDER_ACTIONS + REVIEW_ACTIONS)
def test_every_status_and_action_pair(make_product, provider_user, status, action):
    # given a complete product in ``status``
    product = make_product(status)
    expected = PROVIDER_MOVES.get((status, action))
    if expected is None:
        # when the provider tries anything else (including the reviewers' decisions)
        with pytest.raises(DomainError) as refused:
            services.product_transition(actor=provider_user, product_id=product.pk, action=action)
        # then it is refused and nothing moves
        assert refused.value.status == 409
        product.refresh_from_db()
        assert product.status == status
    else:
        moved = services.product_transition(
            actor=provider_user, product_id=product.pk, action=action
        )
        assert moved.status == expected
        product.refresh_from_db()
        assert product.status == expected


def test_reviewers_decide_a_submitted_product(make_product, liuzhou_reviewer, provider_user):
    # given a submitted product
    product = make_product("submitted")
    review = Review.objects.get(kind="product", object_id=str(product.pk))
    # when the reviewer approves it
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    product.refresh_from_db()
    # then it waits to be uploaded (待上传), its first price is on record, and it is not on sale
    assert product.status == "ready"
    assert PriceHistory.objects.filter(product=product).count() == 1
    assert not catalog_search().filter(pk=product.pk).exists()
    # and once the provider uploads it, it is on sale with its time
    services.product_transition(actor=provider_user, product_id=product.pk, action="publish")
    product.refresh_from_db()
    assert product.status == "on_sale"
    assert product.on_sale_at is not None
    assert catalog_search().filter(pk=product.pk).exists()


def test_withdrawing_the_review_brings_the_draft_back(make_product, provider_user):
    product = make_product("submitted")
    review = Review.objects.get(kind="product", object_id=str(product.pk))
    review_transition(actor=provider_user, review_id=review.pk, action="withdraw")
    product.refresh_from_db()
    assert product.status == "draft"


def test_a_returned_product_is_corrected_and_resubmitted(make_product, provider_user):
    # given a product returned by the reviewer
    product = make_product("returned")
    # when the provider corrects it and submits again
    services.product_update(
        actor=provider_user,
        product_id=product.pk,
        data=product_input(name="专利分级评价（修订）", materials=_materials_of(product)),
    )
    before = set(AuditRecord.objects.values_list("pk", flat=True))
    services.product_transition(actor=provider_user, product_id=product.pk, action="submit")
    # then the same review is open again, recorded once (by the review)
    product.refresh_from_db()
    assert product.status == "submitted"
    assert product.name == "专利分级评价（修订）"
    review = Review.objects.get(kind="product", object_id=str(product.pk))
    assert review.status == "submitted"
    new = AuditRecord.objects.exclude(pk__in=before).values_list("action", flat=True)
    assert list(new) == ["review.resubmit"]


def _materials_of(product):
    return [
        {"set_number": m.set_number, "kind": m.kind, "upload_id": str(m.upload_id)}
        for m in product.materials.all()
    ]


def test_fewer_than_two_market_comparisons_cannot_be_submitted(program, provider_user, provider):
    # given a draft with a single market comparison
    data = product_input(
        market_comparisons=[{"name": "某服务公司", "source": "官网", "price_fen": 90 * YUAN}],
        materials=material_rows(provider_user, 1),
    )
    product = services.product_create(actor=provider_user, program_id=program.pk, data=data)
    # when it is submitted
    with pytest.raises(DomainError, match="不少于2家") as refused:
        services.product_transition(actor=provider_user, product_id=product.pk, action="submit")
    # then it stays a draft, and no review was opened
    assert refused.value.field == "market_comparisons"
    product.refresh_from_db()
    assert product.status == "draft"
    assert not Review.objects.filter(kind="product").exists()


@pytest.mark.parametrize(("sets", "accepted"), [(2, False), (3, True), (5, True)])
def test_a_range_priced_product_needs_three_to_five_material_sets(
    program, provider_user, provider, sets, accepted
):
    data = range_input(materials=material_rows(provider_user, sets))
    product = services.product_create(actor=provider_user, program_id=program.pk, data=data)
    if accepted:
        services.product_transition(actor=provider_user, product_id=product.pk, action="submit")
        product.refresh_from_db()
        assert product.status == "submitted"
    else:
        with pytest.raises(DomainError, match="3至5套"):
            services.product_transition(actor=provider_user, product_id=product.pk, action="submit")


def test_an_incomplete_material_set_is_refused_at_submit(program, provider_user, provider):
    rows = material_rows(provider_user, 1)[:2]  # contract and invoice, no result
    product = services.product_create(
        actor=provider_user, program_id=program.pk, data=product_input(materials=rows)
    )
    with pytest.raises(DomainError, match="第1套历史服务材料不完整"):
        services.product_transition(actor=provider_user, product_id=product.pk, action="submit")


def test_a_range_priced_product_keeps_its_lowest_and_highest_tier(program, provider_user, provider):
    product = services.product_create(
        actor=provider_user, program_id=program.pk, data=range_input()
    )
    assert (product.min_price_fen, product.max_price_fen) == (5 * WAN, 30 * WAN)
    assert [t.price_fen for t in product.tiers.all()] == [5 * WAN, 15 * WAN, 30 * WAN]
    assert product.platform_price_fen is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"platform_price_fen": 90 * YUAN}, "platform_price", "不能高于市场指导价"),
        ({"guide_price_fen": None}, "guide_price", "请填写价格"),
        ({"platform_price_fen": 0}, "platform_price", "大于零"),
        ({"category": "美容美发"}, "category", "服务类别"),
        ({"voucher_types": []}, "voucher_types", "服务券类型"),
        ({"voucher_types": ["nope"]}, "voucher_types", "没有此类服务券"),
        ({"voucher_types": ["guarantee"]}, "voucher_types", "融资担保"),
        ({"name": "  "}, "name", "产品名称"),
        (
            {"pricing_mode": "range", "tiers": [{"content": "基础", "price_fen": 100}]},
            "tiers",
            "2至10档",
        ),
        (
            {"pricing_mode": "range", "tiers": [{"content": "", "price_fen": 100}] * 2},
            "tiers",
            "服务内容和价格",
        ),
        (
            {"market_comparisons": [{"name": "某公司", "source": "", "price_fen": None}]},
            "market_comparisons",
            "价格",
        ),
    ],
)
def test_a_draft_is_checked_against_the_program(
    program, provider_user, provider, overrides, field, message
):
    with pytest.raises(DomainError, match=message) as refused:
        services.product_create(
            actor=provider_user, program_id=program.pk, data=product_input(**overrides)
        )
    assert refused.value.field == field
    assert not Product.objects.exists()


def test_a_special_voucher_is_accepted_for_its_own_category(program, provider_user, provider):
    product = services.product_create(
        actor=provider_user,
        program_id=program.pk,
        data=product_input(category="融资担保", voucher_types=["guarantee", "general"]),
    )
    assert product.accepts_special
    assert product.accepts_general
    assert product.voucher_type_keys == "|guarantee|general|"


def test_a_provider_offers_only_the_categories_it_was_admitted_for(
    program, provider_user, provider
):
    # given a provider admitted for 企业诊断 and 数字化转型 only
    provider.categories = ["企业诊断", "数字化转型"]
    provider.save(update_fields=["categories"])
    # when it creates a product in another category of the program
    with pytest.raises(DomainError, match="入驻的服务类别不包括") as refused:
        services.product_create(
            actor=provider_user, program_id=program.pk, data=product_input(category="技术创新")
        )
    # then it is refused on the category, and nothing is created
    assert refused.value.field == "category"
    assert not Product.objects.exists()
    product = services.product_create(
        actor=provider_user, program_id=program.pk, data=product_input(category="企业诊断")
    )
    assert product.category == "企业诊断"


def test_only_an_admitted_provider_creates_products(
    program, provider, provider_user, make_org, make_provider
):
    # an organization with no provider record
    stranger = make_org("柳州市未入驻服务有限公司")
    with pytest.raises(DomainError, match="尚未入驻"):
        services.product_create(actor=stranger.owner, program_id=program.pk, data=product_input())
    # a suspended provider
    provider.status = "suspended"
    provider.save(update_fields=["status"])
    with pytest.raises(DomainError, match="暂停"):
        services.product_create(actor=provider_user, program_id=program.pk, data=product_input())


def test_files_of_another_organization_cannot_be_attached(
    program, provider, provider_user, enterprise_org
):
    foreign = material_rows(enterprise_org.owner, 1)
    with pytest.raises(DomainError, match="文件无效"):
        services.product_create(
            actor=provider_user, program_id=program.pk, data=product_input(materials=foreign)
        )


def test_another_organization_cannot_touch_the_product(make_product, enterprise_org):
    product = make_product("draft")
    with pytest.raises(NotFound):
        services.product_transition(
            actor=enterprise_org.owner, product_id=product.pk, action="submit"
        )
    with pytest.raises(NotFound):
        services.product_update(
            actor=enterprise_org.owner, product_id=product.pk, data=product_input()
        )


def test_a_suspended_provider_cannot_submit_or_relist_but_can_take_off_sale(
    make_product, provider, provider_user
):
    draft, on_sale = make_product("draft"), make_product("on_sale")
    provider.status = "suspended"
    provider.save(update_fields=["status"])
    with pytest.raises(DomainError, match="暂停"):
        services.product_transition(actor=provider_user, product_id=draft.pk, action="submit")
    services.product_transition(actor=provider_user, product_id=on_sale.pk, action="unpublish")
    with pytest.raises(DomainError, match="暂停"):
        services.product_transition(actor=provider_user, product_id=on_sale.pk, action="publish")


def test_editing_an_approved_product_keeps_the_approved_version_on_sale(
    make_product, provider_user, liuzhou_reviewer
):
    # given a product on sale at 76元
    product = make_product("on_sale")
    materials = _materials_of(product)
    # when the provider edits its name and price
    services.product_update(
        actor=provider_user,
        product_id=product.pk,
        data=product_input(
            name="专利分级评价（升级版）", platform_price_fen=70 * YUAN, materials=materials
        ),
    )
    # then the approved version stays on sale, unchanged, while the revision is reviewed
    product.refresh_from_db()
    assert product.status == "on_sale"
    assert product.name.startswith("专利分级评价")
    assert product.name != "专利分级评价（升级版）"
    assert product.platform_price_fen == 76 * YUAN
    assert catalog_search(q="升级版").count() == 0
    assert catalog_search().filter(pk=product.pk).exists()
    revision = ProductRevision.objects.get(product=product)
    assert revision.status == "pending"
    # and a second edit waits for the first
    with pytest.raises(DomainError, match="修改正在审核中"):
        services.product_update(
            actor=provider_user, product_id=product.pk, data=product_input(materials=materials)
        )
    # when the revision is approved
    review = Review.objects.get(kind="product_revision", object_id=str(revision.pk))
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    # then the product carries it, still on sale, and the new price is in its history
    product.refresh_from_db()
    revision.refresh_from_db()
    assert revision.status == "approved"
    assert revision.decided_at is not None
    assert product.status == "on_sale"
    assert product.name == "专利分级评价（升级版）"
    assert (product.platform_price_fen, product.min_price_fen) == (70 * YUAN, 70 * YUAN)
    prices = list(PriceHistory.objects.filter(product=product).order_by("pk"))
    assert [p.platform_price_fen for p in prices] == [76 * YUAN, 70 * YUAN]
    assert catalog_search(q="升级版").get() == product


def test_a_returned_revision_is_corrected_and_sent_back(
    make_product, provider_user, liuzhou_reviewer
):
    product = make_product("off_sale")
    materials = _materials_of(product)
    services.product_update(
        actor=provider_user,
        product_id=product.pk,
        data=product_input(overview="新的概述", materials=materials),
    )
    revision = ProductRevision.objects.get(product=product)
    review = Review.objects.get(kind="product_revision", object_id=str(revision.pk))
    review_transition(
        actor=liuzhou_reviewer, review_id=review.pk, action="return", reason="概述太简单"
    )
    revision.refresh_from_db()
    assert revision.status == "returned"
    # when corrected, the same revision goes back to review
    services.product_update(
        actor=provider_user,
        product_id=product.pk,
        data=product_input(overview="更详细的服务概述", materials=materials),
    )
    revision.refresh_from_db()
    assert revision.status == "pending"
    assert revision.data["overview"] == "更详细的服务概述"
    assert ProductRevision.objects.filter(product=product).count() == 1
    # a rejection leaves the product as it was, price history untouched
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="reject", reason="不符")
    product.refresh_from_db()
    assert product.overview != "更详细的服务概述"
    assert PriceHistory.objects.filter(product=product).count() == 1


def test_a_product_under_review_cannot_be_edited(make_product, provider_user):
    product = make_product("submitted")
    with pytest.raises(DomainError, match="审核中"):
        services.product_update(actor=provider_user, product_id=product.pk, data=product_input())


def test_only_drafts_are_deleted(make_product, provider_user):
    draft, ready = make_product("draft"), make_product("ready")
    services.product_delete(actor=provider_user, product_id=draft.pk)
    assert not Product.objects.filter(pk=draft.pk).exists()
    with pytest.raises(DomainError, match="未提交"):
        services.product_delete(actor=provider_user, product_id=ready.pk)


def test_favourites_are_added_once_and_removed(make_product, enterprise_org):
    product = make_product("on_sale")
    user = enterprise_org.owner
    assert services.favourite_set(actor=user, product_id=product.pk, on=True) is True
    assert services.favourite_set(actor=user, product_id=product.pk, on=True) is True
    assert product.favourites.count() == 1
    assert services.favourite_set(actor=user, product_id=product.pk, on=False) is False
    assert product.favourites.count() == 0
    assert list(
        AuditRecord.objects.filter(action__startswith="favourite.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["favourite.added", "favourite.removed"]


def test_a_product_off_sale_cannot_be_favourited(make_product, enterprise_org):
    product = make_product("off_sale")
    with pytest.raises(NotFound):
        services.favourite_set(actor=enterprise_org.owner, product_id=product.pk, on=True)


def test_a_visit_counts_once_per_session(make_product):
    product = make_product("on_sale")
    session_a, session_b = {}, {}
    assert services.product_record_visit(product_id=product.pk, session=session_a)
    assert not services.product_record_visit(product_id=product.pk, session=session_a)
    assert services.product_record_visit(product_id=product.pk, session=session_b)
    product.refresh_from_db()
    assert product.visit_count == 2
