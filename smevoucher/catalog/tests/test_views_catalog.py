import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from smevoucher.catalog.models import Product, ProductRevision
from smevoucher.catalog.tests.conftest import WAN, pdf_file, product_input
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition
from smevoucher.uploads.services import upload_create

pytestmark = pytest.mark.django_db

CATALOG = "/products/"


@pytest.fixture
def many_products(program, provider, provider_user):
    now = timezone.now()
    return Product.objects.bulk_create(
        Product(
            provider=provider,
            program=program,
            name=f"数字化转型咨询{i}号",
            overview="企业数字化转型诊断与实施",
            category=["数字化转型", "企业诊断", "技术创新"][i % 3],
            voucher_types=["general"],
            voucher_type_keys="|general|",
            accepts_general=True,
            pricing_mode="fixed",
            guide_price_fen=(i + 2) * 10_000,
            platform_price_fen=(i + 1) * 10_000,
            min_price_fen=(i + 1) * 10_000,
            max_price_fen=(i + 1) * 10_000,
            status="on_sale",
            on_sale_at=now,
            created_by=provider_user,
        )
        for i in range(25)
    )


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_catalogue_runs_a_constant_number_of_queries(
    client, many_products, enterprise_org, django_assert_num_queries, logged_in
):
    if logged_in:
        client.force_login(enterprise_org.owner)
    # given the count for a page of two products, with a search
    small = _query_count(client, f"{CATALOG}?page_size=2&q=数字化")
    # then a page of twenty runs exactly as many queries
    with django_assert_num_queries(small):
        response = client.get(f"{CATALOG}?page_size=20&q=数字化")
    assert response.content.decode().count('class="card product-card"') == 20


def test_the_catalogue_shows_the_programs_categories_with_counts(client, many_products):
    response = client.get(CATALOG)
    html = response.content.decode()
    assert response.status_code == 200
    # Guangxi's nine categories, each with its description and count
    for name in ("企业诊断", "数字化转型", "技术创新", "融资担保", "其他服务"):
        assert name in html
    assert response.context["category_blocks"][0]["categories"][1] == {
        "name": "数字化转型",
        "description": "工业软件、智能制造系统、工业互联网平台、数据治理与上云上平台等数字化改造服务。",
        "count": 9,
    }
    assert len(response.context["category_blocks"][0]["categories"]) == 9


def test_the_catalogue_filters_by_category_price_and_keyword(client, many_products):
    response = client.get(CATALOG, {"category": "企业诊断", "min_price": "100", "max_price": "500"})
    names = [item["product"].name for item in response.context["items"]]
    # 企业诊断 is every third product from the second; 100–500元 is i = 0..4
    assert sorted(names) == ["数字化转型咨询1号", "数字化转型咨询4号"]
    response = client.get(CATALOG, {"q": "咨询2", "sort": "price"})
    assert [item["product"].name for item in response.context["items"]][:2] == [
        "数字化转型咨询2号",
        "数字化转型咨询20号",
    ]


def test_an_invalid_price_filter_is_explained_not_a_500(client, many_products):
    response = client.get(CATALOG, {"min_price": "abc"})
    assert response.status_code == 200
    assert "请输入正确的金额" in response.content.decode()
    assert len(response.context["items"]) == 12


def test_the_product_page_shows_the_enterprise_its_price_after_voucher(
    client, make_product, program, enterprise_org, issue_voucher
):
    # given a 300,000元 product and an enterprise holding a 300,000元 voucher
    product = make_product(
        "on_sale",
        data=product_input(
            name="智能制造系统集成", guide_price_fen=32 * WAN, platform_price_fen=30 * WAN
        ),
    )
    issue_voucher(program, enterprise_org, 30 * WAN)
    client.force_login(enterprise_org.owner)
    # when it opens the product page
    response = client.get(reverse("catalog:detail", args=[product.pk]))
    html = response.content.decode()
    # then it sees the platform price, the price after voucher and the maximum subsidy
    assert "300,000.00" in html
    assert "210,000.00" in html
    assert "90,000.00" in html
    assert response.context["problem"] is None
    # and the apply button (申请服务) leads to the order page of this product
    assert f'href="/orders/new/?product={product.pk}">申请服务</a>' in html
    assert "即将" not in html
    # the provider card
    assert "0771-5551234" in html
    assert "周一至周五" in html
    assert "拥有1个产品" in html


def test_a_visitor_is_told_why_it_cannot_apply(client, make_product):
    product = make_product("on_sale")
    html = client.get(reverse("catalog:detail", args=[product.pk])).content.decode()
    assert "请先登录企业账号" in html
    assert "76.00" in html
    assert "80.00" in html


def test_the_page_explains_a_city_level_provider(
    client, make_product, provider, enterprise_org, program, issue_voucher
):
    provider.level, provider.scope_code = "city", "4501"
    provider.save(update_fields=["level", "scope_code"])
    product = make_product("on_sale")
    issue_voucher(program, enterprise_org, 5 * WAN)
    client.force_login(enterprise_org.owner)
    html = client.get(reverse("catalog:detail", args=[product.pk])).content.decode()
    assert "该服务机构为市级服务机构，仅服务南宁市注册的企业" in html


def test_a_product_not_on_sale_has_no_public_page(client, make_product):
    for status in ("draft", "submitted", "ready", "off_sale"):
        product = make_product(status)
        assert client.get(reverse("catalog:detail", args=[product.pk])).status_code == 404


def test_visits_count_once_per_session(client, make_product):
    product = make_product("on_sale")
    url = reverse("catalog:detail", args=[product.pk])
    client.get(url)
    response = client.get(url)
    assert response.context["visit_count"] == 1
    product.refresh_from_db()
    assert product.visit_count == 1


def test_the_public_page_does_not_expose_the_proofs(
    client, make_product, provider_user, liuzhou_reviewer, enterprise_org
):
    # given an on-sale product with a qualification proof
    proof = upload_create(
        actor=provider_user, uploaded=pdf_file("资质.pdf"), purpose="product_proof"
    )
    product = make_product("on_sale", data=product_input(proof_upload_ids=[str(proof.pk)]))
    assert list(product.qualification_proofs.all()) == [proof]
    html = client.get(reverse("catalog:detail", args=[product.pk])).content.decode()
    assert str(proof.pk) not in html
    assert "资质.pdf" not in html
    download = reverse("uploads:download", args=[proof.pk])
    # an enterprise may not open it, the region's reviewer may
    client.force_login(enterprise_org.owner)
    assert client.get(download).status_code in (403, 404)
    client.force_login(liuzhou_reviewer)
    assert client.get(download).status_code == 200


def test_favourite_toggle_and_my_favourites(client, make_product, enterprise_org):
    product = make_product("on_sale")
    client.force_login(enterprise_org.owner)
    url = reverse("catalog:favourite", args=[product.pk])
    client.post(url, {"on": "1"})
    assert product.favourites.filter(user=enterprise_org.owner).exists()
    page = client.get(reverse("catalog:favourites"))
    assert product.name in page.content.decode()
    client.post(url, {"on": "0", "next": "favourites"})
    assert not product.favourites.exists()


# --- the provider's product management ---


def _form_data(**overrides) -> dict:
    data = {
        "name": "高新技术企业认定辅导",
        "category": "技术创新",
        "voucher_types": ["general"],
        "pricing_mode": "fixed",
        "guide_price": "12,345.67",
        "platform_price": "1234.56",
        "service_area": "柳州市",
        "target_customers": "科技型中小企业",
        "overview": "高新技术企业认定全流程辅导",
        "process": "诊断、材料准备、申报",
        "cycle": "3个月",
        "deliverables": "申报材料一套",
        "acceptance": "完成申报",
        "cmp_1_name": "某咨询公司",
        "cmp_1_source": "报价单",
        "cmp_1_price": "1500",
        "cmp_2_name": "某代理机构",
        "cmp_2_price": "1400.5",
        "internal_basis": "人工成本",
    }
    data.update(overrides)
    return data


def test_the_center_menu_shows_product_management_to_admitted_providers(
    client, provider, provider_user, enterprise_org
):
    client.force_login(provider_user)
    assert "产品管理" in client.get(reverse("provider_products:index")).content.decode()
    client.force_login(enterprise_org.owner)
    html = client.get(reverse("portal:center")).content.decode()
    assert reverse("provider_products:index") not in html


def test_a_provider_creates_a_product_with_yuan_prices_kept_exactly(
    client, provider, provider_user
):
    client.force_login(provider_user)
    files = {
        "mat_1_contract": pdf_file("合同1.pdf"),
        "mat_1_invoice": pdf_file("发票1.pdf"),
        "mat_1_result": pdf_file("成果1.pdf"),
        "proofs": [pdf_file("资质一.pdf"), pdf_file("资质二.pdf")],
    }
    response = client.post(reverse("provider_products:create"), {**_form_data(), **files})
    product = Product.objects.get()
    assert response.status_code == 302
    assert (product.guide_price_fen, product.platform_price_fen) == (1_234_567, 123_456)
    assert product.market_comparisons == [
        {"name": "某咨询公司", "source": "报价单", "price_fen": 150_000},
        {"name": "某代理机构", "source": "", "price_fen": 140_050},
    ]
    assert product.materials.count() == 3
    assert product.qualification_proofs.count() == 2
    # the draft offers 提交审核, not 上传
    detail = client.get(reverse("provider_products:detail", args=[product.pk]))
    assert [a["action"] for a in detail.context["actions"]] == ["submit"]
    # submitted, it offers nothing while under review
    client.post(reverse("provider_products:action", args=[product.pk]), {"action": "submit"})
    product.refresh_from_db()
    assert product.status == "submitted"
    detail = client.get(reverse("provider_products:detail", args=[product.pk]))
    assert detail.context["actions"] == []
    assert 'name="action"' not in detail.content.decode()


def test_the_form_shows_refusals_in_place(client, provider, provider_user):
    client.force_login(provider_user)
    response = client.post(
        reverse("provider_products:create"),
        _form_data(platform_price="20000", guide_price="1000.001"),
    )
    assert response.status_code == 200
    assert "金额最多保留两位小数" in response.content.decode()
    response = client.post(reverse("provider_products:create"), _form_data(platform_price="20000"))
    assert "平台销售价不能高于市场指导价" in response.content.decode()
    assert not Product.objects.exists()


def test_the_provider_tabs_follow_the_lifecycle(client, make_product, provider_user):
    draft, ready, on_sale = make_product("draft"), make_product("ready"), make_product("on_sale")
    client.force_login(provider_user)
    response = client.get(reverse("provider_products:index"), {"tab": "ready"})
    assert [p.pk for p in response.context["products"]] == [ready.pk]
    counts = {key: n for key, _label, n in response.context["tabs"]}
    assert counts == {"draft": 1, "submitted": 0, "ready": 1, "on_sale": 1, "off_sale": 0}
    detail = client.get(reverse("provider_products:detail", args=[ready.pk]))
    assert [a["action"] for a in detail.context["actions"]] == ["publish"]
    assert "上传" in detail.content.decode()
    detail = client.get(reverse("provider_products:detail", args=[on_sale.pk]))
    assert [a["action"] for a in detail.context["actions"]] == ["unpublish"]
    assert draft.pk


def test_editing_an_on_sale_product_in_the_form_sends_a_revision(
    client, make_product, provider_user, liuzhou_reviewer
):
    product = make_product("on_sale")
    client.force_login(provider_user)
    form = client.get(reverse("provider_products:edit", args=[product.pk]))
    assert form.context["form"].initial["platform_price"] == "76"
    data = {
        **_form_data(name=product.name, category="数字化转型"),
        "guide_price": "80",
        "platform_price": "70",
    }
    response = client.post(reverse("provider_products:edit", args=[product.pk]), data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.platform_price_fen == 7600  # the approved version stays
    revision = ProductRevision.objects.get(product=product)
    assert revision.data["platform_price_fen"] == 7000
    assert len(revision.data["materials"]) == 3  # the existing files were kept
    # the reviewer sees the revision's materials
    review = Review.objects.get(kind="product_revision", object_id=str(revision.pk))
    client.force_login(liuzhou_reviewer)
    page = client.get(reverse("reviews:detail", args=[review.pk]))
    assert page.status_code == 200
    assert "70.00" in page.content.decode()
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    product.refresh_from_db()
    assert product.platform_price_fen == 7000
    assert product.status == "on_sale"


def test_another_organization_cannot_open_a_providers_product(client, make_product, enterprise_org):
    product = make_product("draft")
    client.force_login(enterprise_org.owner)
    assert client.get(reverse("provider_products:detail", args=[product.pk])).status_code == 404
    assert client.get(reverse("provider_products:edit", args=[product.pk])).status_code == 404
    response = client.post(
        reverse("provider_products:action", args=[product.pk]), {"action": "submit"}
    )
    assert response.status_code == 404


def test_the_reviewer_sees_the_products_materials(client, make_product, liuzhou_reviewer):
    product = make_product("submitted")
    review = Review.objects.get(kind="product", object_id=str(product.pk))
    client.force_login(liuzhou_reviewer)
    html = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert product.name in html
    assert "某知识产权服务公司" in html  # the market comparisons
    assert "contract1.pdf" in html  # the historical materials


def test_each_program_brings_its_own_categories(client, program, make_program):
    from smevoucher.programs.presets import liuzhou_2024

    make_program(categories=liuzhou_2024.RULES["categories"])
    response = client.get(CATALOG)
    blocks = response.context["category_blocks"]
    assert sorted(len(b["categories"]) for b in blocks) == [9, 12]
    html = response.content.decode()
    assert "知识产权" in html
    assert "专利、商标、版权的申请代理" in html


def test_the_provider_page_lists_its_on_sale_products(make_product, provider):
    from django.template import Context, Template

    on_sale, off_sale = make_product("on_sale"), make_product("off_sale")
    html = Template("{% load catalog %}{% provider_products provider %}").render(
        Context({"provider": provider})
    )
    assert on_sale.name in html
    assert off_sale.name not in html
    assert reverse("catalog:detail", args=[on_sale.pk]) in html


def test_the_new_product_form_opens(client, provider, provider_user):
    client.force_login(provider_user)
    response = client.get(reverse("provider_products:create"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="tier_6_price"' in html
    assert 'name="cmp_5_name"' in html
    assert 'name="mat_5_result"' in html
    assert "<script" not in html.split("<main", 1)[1]


def test_programs_with_nothing_on_sale_get_no_category_block(client, many_products, make_program):
    # given a second program (a past year's, say) with nothing on sale
    empty = make_program()
    empty.name = "没有在售产品的项目"
    empty.save(update_fields=["name"])
    # when the catalogue is opened without choosing a program
    html = client.get("/products/").content.decode()
    # then only the program with products has its categories shown
    assert f'aria-label="{many_products[0].program.name}"' in html
    assert 'aria-label="没有在售产品的项目"' not in html
