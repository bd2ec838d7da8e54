import pytest
from django.db import connection
from django.utils import timezone

from smevoucher.catalog.models import Product
from smevoucher.catalog.selectors import (
    apply_problem,
    catalog_category_counts,
    catalog_search,
    deduction_preview,
    search_terms,
)
from smevoucher.catalog.tests.conftest import WAN, range_input
from smevoucher.regions.models import Region
from smevoucher.vouchers.models import EnterpriseUsage

pytestmark = pytest.mark.django_db


def _ids(products) -> list[int]:
    return sorted(p.pk for p in products)


# --- what the catalogue shows ---


def test_a_suspended_providers_products_leave_the_catalogue(make_product, provider):
    # given two products on sale
    first, second = make_product("on_sale"), make_product("on_sale")
    assert _ids(catalog_search()) == sorted([first.pk, second.pk])
    # when staff suspend the provider
    provider.status = "suspended"
    provider.save(update_fields=["status"])
    # then neither is in the catalogue, its counts or its search
    assert list(catalog_search()) == []
    assert catalog_category_counts() == {}
    assert list(catalog_search(q="专利")) == []
    # and they come back when it is reinstated
    provider.status = "approved"
    provider.save(update_fields=["status"])
    assert catalog_search().count() == 2


def test_only_products_on_sale_of_active_programs_are_listed(make_product, program):
    on_sale = make_product("on_sale")
    for status in ("draft", "submitted", "ready", "off_sale"):
        make_product(status)
    assert _ids(catalog_search()) == [on_sale.pk]
    program.status = "closed"
    program.save(update_fields=["status"])
    assert list(catalog_search()) == []


def test_category_counts_and_filters(make_product, program):
    from smevoucher.catalog.tests.conftest import product_input

    digital = make_product("on_sale")
    guarantee = make_product(
        "on_sale",
        data=product_input(
            name="设备融资担保服务", category="融资担保", voucher_types=["guarantee"]
        ),
    )
    ranged = make_product("on_sale", data=range_input())
    # counts per (program, category)
    assert catalog_category_counts() == {(program.pk, "数字化转型"): 2, (program.pk, "融资担保"): 1}
    # the kind of voucher (通用券服务 / 专项券服务)
    assert _ids(catalog_search(kind="general")) == sorted([digital.pk, ranged.pk])
    assert _ids(catalog_search(kind="special")) == [guarantee.pk]
    assert _ids(catalog_search(voucher_type="guarantee")) == [guarantee.pk]
    assert catalog_category_counts(kind="special") == {(program.pk, "融资担保"): 1}
    # category
    assert _ids(catalog_search(category="融资担保")) == [guarantee.pk]
    # a price range matches a range-priced product when any of its tiers lies in it
    assert _ids(catalog_search(min_fen=20 * WAN)) == [ranged.pk]
    assert _ids(catalog_search(max_fen=100 * 100)) == sorted([digital.pk, guarantee.pk])
    assert _ids(catalog_search(min_fen=6 * WAN, max_fen=10 * WAN)) == [ranged.pk]


def test_sorting(make_product):
    cheap, dear = make_product("on_sale"), make_product("on_sale", data=range_input())
    Product.objects.filter(pk=cheap.pk).update(sales_count=5, revenue_fen=100)
    Product.objects.filter(pk=dear.pk).update(sales_count=1, revenue_fen=900)
    assert [p.pk for p in catalog_search(sort="sales")] == [cheap.pk, dear.pk]
    assert [p.pk for p in catalog_search(sort="revenue")] == [dear.pk, cheap.pk]
    assert [p.pk for p in catalog_search(sort="price")] == [cheap.pk, dear.pk]
    assert [p.pk for p in catalog_search(sort="price_desc")] == [dear.pk, cheap.pk]
    assert [p.pk for p in catalog_search(sort="newest")] == [dear.pk, cheap.pk]


# --- search that works for Chinese ---

SEARCH_DATA = [
    ("电子签章系统部署", "为企业部署电子签章，合同线上签署"),
    ("企业数字化转型诊断", "数字化转型成熟度评估与诊断报告"),
    ("ERP管理系统实施", "erp选型、实施与培训"),
    ("专利分级评价", "专利价值评估，出具报告"),
    ("检验检测认证", "产品检测、认证与计量校准"),
    ("100%满意的培训_服务", "管理培训，含签到表与课件"),
    ("融资担保服务", "设备更新融资担保，担保费率1%"),
]
KEYWORDS = [
    "签章",
    "检测",
    "数字化转型",
    "ERP",
    "erp",
    "报告",
    "%",
    "_",
    "转型 诊断",
    "认 证",
    "无此服务",
]


@pytest.fixture
def search_products(program, provider, provider_user):
    now = timezone.now()
    return Product.objects.bulk_create(
        Product(
            provider=provider,
            program=program,
            name=name,
            overview=overview,
            category="数字化转型",
            voucher_types=["general"],
            voucher_type_keys="|general|",
            accepts_general=True,
            platform_price_fen=100,
            guide_price_fen=100,
            min_price_fen=100,
            max_price_fen=100,
            status="on_sale",
            on_sale_at=now,
            created_by=provider_user,
        )
        for name, overview in SEARCH_DATA
    )


def _expected(products, q: str) -> list[int]:
    """What a search must find, computed in Python from the data: every keyword appears in
    the name or the overview, letters compared without case."""
    terms = [t.upper() for t in search_terms(q)]
    return sorted(
        p.pk for p in products if all(t in p.name.upper() or t in p.overview.upper() for t in terms)
    )


def test_search_finds_a_two_and_a_four_character_chinese_keyword(search_products):
    by_name = {p.name: p.pk for p in search_products}
    # two characters: on SQLite a plain LIKE (an FTS trigram table would find nothing)
    assert _ids(catalog_search(q="签章")) == [by_name["电子签章系统部署"]]
    # four characters, in the name or in the overview
    assert _ids(catalog_search(q="数字化转型")) == [by_name["企业数字化转型诊断"]]
    assert _ids(catalog_search(q="计量校准")) == [by_name["检验检测认证"]]


@pytest.mark.parametrize("q", KEYWORDS)
def test_search_results_are_the_data_s_on_every_database(search_products, q):
    # Run by CI on SQLite and on PostgreSQL: both must return exactly what the data says.
    assert _ids(catalog_search(q=q)) == _expected(search_products, q), connection.vendor


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the pg_trgm GIN indexes exist only on PostgreSQL; SQLite searches with LIKE",
)
def test_search_uses_the_trigram_index_on_postgresql(program, provider, provider_user):
    # given enough products for an index to matter, a few of them about 知识产权
    now = timezone.now()
    words = ["数字化转型", "检验检测", "管理咨询", "财务税务", "市场开拓", "人才培训"]

    def name(i: int) -> str:
        return "知识产权贯标服务" if i % 1000 == 7 else f"{words[i % len(words)]}服务{i}号"

    Product.objects.bulk_create(
        (
            Product(
                provider=provider,
                program=program,
                name=name(i),
                overview=f"第{i}号产品的服务概述：{words[(i + 1) % len(words)]}",
                category="数字化转型",
                voucher_types=["general"],
                min_price_fen=100,
                max_price_fen=100,
                status="on_sale",
                on_sale_at=now,
                created_by=provider_user,
            )
            for i in range(5000)
        ),
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        # Rows inserted since the index was built wait in GIN's pending list (autovacuum
        # merges them in production); merge them as autovacuum would, then gather stats.
        for index in ("catalog_product_name_trgm", "catalog_product_overview_trgm"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE catalog_product")
        # make the planner's choice deterministic on a small table
        cursor.execute("SET enable_seqscan = off")
    try:
        # when the catalogue searches for a 3+ character keyword
        plan = catalog_search(q="知识产权").explain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
    # then the trigram indexes answer it
    assert "catalog_product_name_trgm" in plan, plan
    assert "catalog_product_overview_trgm" in plan, plan
    assert catalog_search(q="知识产权").count() == 5


# --- what an enterprise pays (the Guangxi manual's figures) ---


@pytest.fixture
def big_product(make_product):
    from smevoucher.catalog.tests.conftest import product_input

    return make_product(
        "on_sale",
        data=product_input(
            name="智能制造系统集成", guide_price_fen=320_000 * 100, platform_price_fen=300_000 * 100
        ),
    )


def test_price_after_voucher_follows_the_guangxi_example(
    big_product, program, enterprise_org, issue_voucher
):
    # given a 300,000元 voucher and Guangxi's 30% ratio
    voucher = issue_voucher(program, enterprise_org, 30 * WAN)
    # when the enterprise looks at a 300,000元 product
    preview = deduction_preview(enterprise_org=enterprise_org, product=big_product)
    # then the voucher covers 90,000元 and it pays 210,000元
    assert preview["price_fen"] == 300_000 * 100
    assert preview["ratio_bp"] == 3000
    assert preview["deduction_fen"] == 90_000 * 100
    assert preview["pay_fen"] == 210_000 * 100
    assert preview["voucher"]["number"] == voucher.number
    assert preview["annual_cap_left_fen"] == 30 * WAN


def test_the_deduction_is_capped_by_what_is_left(
    big_product, program, enterprise_org, issue_voucher
):
    issue_voucher(program, enterprise_org, 30 * WAN)
    # given 250,000元 of the 300,000元 annual deduction cap already used
    EnterpriseUsage.objects.filter(org=enterprise_org, program=program).update(
        deducted_fen=25 * WAN
    )
    preview = deduction_preview(enterprise_org=enterprise_org, product=big_product)
    assert preview["annual_cap_left_fen"] == 5 * WAN
    assert preview["deduction_fen"] == 5 * WAN
    assert preview["pay_fen"] == 250_000 * 100


def test_the_deduction_is_capped_by_the_voucher_and_the_per_order_cap(
    make_program, make_product, enterprise_org, issue_voucher
):
    from smevoucher.catalog.tests.conftest import product_input

    capped = make_program(per_order_cap_fen=1 * WAN)
    product = make_product(
        "on_sale",
        data=product_input(guide_price_fen=10 * WAN, platform_price_fen=10 * WAN),
    )
    Product.objects.filter(pk=product.pk).update(program=capped)
    product.refresh_from_db()
    issue_voucher(capped, enterprise_org, 5 * WAN)
    preview = deduction_preview(enterprise_org=enterprise_org, product=product)
    # 30% of 100,000元 is 30,000元; the per-order cap holds it to 10,000元
    assert preview["by_ratio_fen"] == 3 * WAN
    assert preview["deduction_fen"] == 1 * WAN


def test_a_tier_is_priced_on_its_own(make_product, program, enterprise_org, issue_voucher):
    product = make_product("on_sale", data=range_input())
    issue_voucher(program, enterprise_org, 5 * WAN)
    tiers = list(product.tiers.all())
    previews = [
        deduction_preview(enterprise_org=enterprise_org, product=product, tier=t) for t in tiers
    ]
    # 30% of 5万 / 15万 / 30万, the last held to the voucher's 5万
    assert [p["deduction_fen"] for p in previews] == [15_000 * 100, 45_000 * 100, 5 * WAN]
    assert [p["pay_fen"] for p in previews] == [35_000 * 100, 105_000 * 100, 25 * WAN]
    # and the product's 最高补贴 is the tier with the highest subsidy
    headline = deduction_preview(enterprise_org=enterprise_org, product=product)
    assert (headline["price_fen"], headline["deduction_fen"]) == (30 * WAN, 5 * WAN)


def test_a_voucher_of_another_type_or_program_does_not_count(
    big_product, make_program, program, enterprise_org, issue_voucher
):
    issue_voucher(program, enterprise_org, 50 * WAN, voucher_type="leasing")
    issue_voucher(make_program(), enterprise_org, 30 * WAN)
    preview = deduction_preview(enterprise_org=enterprise_org, product=big_product)
    assert preview["vouchers"] == []
    assert preview["deduction_fen"] == 0
    assert preview["pay_fen"] == 300_000 * 100


def test_a_visitor_sees_the_price_without_deduction(big_product):
    preview = deduction_preview(enterprise_org=None, product=big_product)
    assert (preview["deduction_fen"], preview["pay_fen"]) == (0, 300_000 * 100)


# --- why someone cannot apply ---


def test_the_reasons_a_visitor_or_an_enterprise_cannot_apply(
    make_product, program, enterprise_org, issue_voucher, make_user, provider_user
):
    from django.contrib.auth.models import AnonymousUser

    product = make_product("on_sale")
    assert "请先登录" in apply_problem(user=AnonymousUser(), product=product)
    assert "企业信息认证" in apply_problem(user=make_user(), product=product)
    assert "仅认证企业" in apply_problem(user=provider_user, product=product)
    enterprise = enterprise_org.owner
    assert "暂无可用" in apply_problem(user=enterprise, product=product)
    issue_voucher(program, enterprise_org, 5 * WAN)
    assert apply_problem(user=enterprise, product=product) is None
    product.provider.status = "suspended"
    product.provider.save(update_fields=["status"])
    assert "暂停" in apply_problem(user=enterprise, product=product)


def test_a_city_level_provider_serves_only_its_city(
    make_org, make_product, issue_voucher, provider
):
    # given a city-level provider of Nanning (4501)
    provider.level, provider.scope_code = "city", "4501"
    provider.save(update_fields=["level", "scope_code"])
    product = make_product("on_sale")
    # and a certified Liuzhou enterprise with a voucher
    liuzhou = make_org("柳州市另一机械有限公司")
    issue_voucher(product.program, liuzhou, 5 * WAN)
    # then it is told the provider serves Nanning only
    problem = apply_problem(user=liuzhou.owner, product=product)
    assert problem == "该服务机构为市级服务机构，仅服务南宁市注册的企业"
    # while a Nanning enterprise may apply
    nanning = make_org("南宁市机械有限公司")
    nanning.region = Region.objects.get(code="450103")
    nanning.region_code = "450103"
    nanning.save(update_fields=["region", "region_code"])
    issue_voucher(product.program, nanning, 5 * WAN)
    assert apply_problem(user=nanning.owner, product=product) is None


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the bigram GIN index exists only on PostgreSQL; SQLite searches with LIKE",
)
def test_a_two_character_keyword_uses_the_bigram_index_on_postgresql(
    program, provider, provider_user
):
    # given many products, a few of them about 签章 (with letters in other case too)
    now = timezone.now()
    Product.objects.bulk_create(
        (
            Product(
                provider=provider,
                program=program,
                name="电子签章服务" if i % 500 == 3 else f"管理咨询服务{i}号",
                overview="含 Ai 应用" if i % 700 == 5 else f"第{i}号产品的服务概述",
                category="数字化转型",
                voucher_types=["general"],
                min_price_fen=100,
                max_price_fen=100,
                status="on_sale",
                on_sale_at=now,
                created_by=provider_user,
            )
            for i in range(3000)
        ),
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('catalog_product_bigrams'::regclass)")
        cursor.execute("ANALYZE catalog_product")
        cursor.execute("SET enable_seqscan = off")
    try:
        # when the catalogue searches for a 2-character keyword
        plan = catalog_search(q="签章").explain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
    # then the bigram index narrows it, and the answer is the data's, letters without case
    assert "catalog_product_bigrams" in plan, plan
    assert catalog_search(q="签章").count() == 6
    assert catalog_search(q="ai").count() == catalog_search(q="AI").count() == 5
