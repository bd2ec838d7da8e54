"""The pages: 服务机构后台 in the personal center, the staff pages (directory, providers),
and the public provider list and page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import make_uscc
from smevoucher.programs.models import Program, ProgramStatus
from smevoucher.programs.tests.test_imports_parsing import csv_bytes
from smevoucher.providers.choices import ProviderStatus
from smevoucher.providers.models import DirectoryEntry, Provider
from smevoucher.providers.services import provider_suspend

from .conftest import apply, decide, pdf, review_of

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    return {
        "categories": ["企业诊断", "技术创新"],
        "intro": "为中小企业提供诊断咨询服务。",
        "contact_phone": "0772-2861234",
        "address": "柳州市城中区文昌路1号",
        "working_hours": "周一至周五 9:00-17:00",
        "qualifications": [pdf("营业执照.pdf"), pdf("资质证书.pdf")],
        "commitment_letter": pdf("承诺书.pdf"),
        **overrides,
    }


# --- 服务机构后台 ------------------------------------------------------------------------


def test_an_organization_absent_from_the_directory_sees_why_and_no_form(
    client, program, liuzhou_org, make_org, put_on_directory
):
    put_on_directory(program, make_org("名录中的机构"))
    client.force_login(liuzhou_org.owner)
    index = client.get(reverse("providers:index")).content.decode()
    assert "未在本项目服务机构名录中" in index
    page = client.get(reverse("providers:apply", args=[program.pk]))
    html = page.content.decode()
    assert "未在本项目服务机构名录中，暂不能申请入驻" in html
    assert 'name="intro"' not in html
    # and posting anyway files nothing
    client.post(reverse("providers:apply", args=[program.pk]), form_data())
    assert not Provider.objects.exists()


def test_apply_through_the_page_then_see_status_and_history(
    client, program, liuzhou_org, put_on_directory, liuzhou_reviewer
):
    # given the organization is a city-level institution on the directory
    put_on_directory(program, liuzhou_org, level="city", city="4502")
    client.force_login(liuzhou_org.owner)
    page = client.get(reverse("providers:apply", args=[program.pk])).content.decode()
    assert "市级" in page
    assert "柳州市" in page
    # when it applies with two qualification documents and the letter
    response = client.post(reverse("providers:apply", args=[program.pk]), form_data())
    provider = Provider.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("providers:detail", args=[provider.pk])
    assert provider.qualifications.count() == 2
    assert provider.categories == ["企业诊断", "技术创新"]
    # and the reviewer returns it with a reason
    decide(provider, liuzhou_reviewer, "return", "请补充检验检测资质")
    # then its page shows the status, the scope in words and the reason in the history
    html = client.get(reverse("providers:detail", args=[provider.pk])).content.decode()
    assert "退回修改" in html
    assert "柳州市" in html
    assert "请补充检验检测资质" in html
    # and it resubmits from the form (files kept when not uploaded again)
    data = form_data(intro="补充后的简介")
    del data["qualifications"], data["commitment_letter"]
    client.post(reverse("providers:apply", args=[program.pk]), data)
    provider.refresh_from_db()
    assert (provider.status, provider.intro) == (ProviderStatus.SUBMITTED, "补充后的简介")
    assert provider.qualifications.count() == 2


def test_the_form_shows_errors_for_missing_documents(client, program, liuzhou_org):
    client.force_login(liuzhou_org.owner)
    data = form_data()
    del data["commitment_letter"]
    response = client.post(reverse("providers:apply", args=[program.pk]), data)
    assert response.status_code == 400
    assert "承诺书" in response.content.decode()
    assert not Provider.objects.exists()


def test_withdraw_from_the_page(client, program, liuzhou_org):
    provider = apply(liuzhou_org, program)
    client.force_login(liuzhou_org.owner)
    assert (
        "撤回申请" in client.get(reverse("providers:detail", args=[provider.pk])).content.decode()
    )
    client.post(reverse("providers:withdraw", args=[provider.pk]))
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.DRAFT


def test_another_organizations_provider_page_is_404(client, program, liuzhou_org, make_org):
    provider = apply(liuzhou_org, program)
    other = make_org("柳州市其他机构")
    client.force_login(other.owner)
    assert client.get(reverse("providers:detail", args=[provider.pk])).status_code == 404
    assert client.post(reverse("providers:withdraw", args=[provider.pk])).status_code == 404


def test_the_back_office_menu_shows_for_an_organization_with_a_provider_record(
    client, program, liuzhou_org, make_org
):
    # given one organization that applied and one that did not
    apply(liuzhou_org, program)
    bystander = make_org("柳州市普通企业")
    client.force_login(liuzhou_org.owner)
    assert "服务机构后台" in client.get(reverse("portal:center")).content.decode()
    client.force_login(bystander.owner)
    assert "服务机构后台" not in client.get(reverse("portal:center")).content.decode()


# --- staff pages -------------------------------------------------------------------------


def test_staff_import_the_directory_and_follow_it(
    client, program, province_reviewer, django_capture_on_commit_callbacks
):
    client.force_login(province_reviewer)
    content = csv_bytes(
        [
            ("机构全称", "统一社会信用代码", "级别", "所在城市"),
            ("柳州市中小企业服务站", make_uscc(3), "市级", "柳州市"),
            ("无城市平台", make_uscc(4), "市级", ""),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("providers_staff:directory_upload"),
            {"program": program.pk, "file": SimpleUploadedFile("名录.csv", content)},
        )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "已完成" in detail
    assert "市级机构须填写所在城市" in detail
    progress = client.get(response["Location"] + "progress/").json()
    assert (progress["finished"], progress["accepted_rows"], progress["refused_rows"]) == (
        True,
        1,
        1,
    )
    refused = client.get(response["Location"] + "refused.csv").content.decode("utf-8-sig")
    assert "无城市平台" in refused
    listing = client.get(
        reverse("providers_staff:directory_program", args=[program.pk]), {"q": "服务站"}
    ).content.decode()
    assert "柳州市中小企业服务站" in listing


def test_staff_remove_a_directory_entry_with_a_reason(
    client, program, province_reviewer, put_on_directory, liuzhou_org
):
    entry = put_on_directory(program, liuzhou_org)
    client.force_login(province_reviewer)
    client.post(reverse("providers_staff:directory_remove", args=[entry.pk]), {"reason": ""})
    assert DirectoryEntry.objects.exists()
    client.post(reverse("providers_staff:directory_remove", args=[entry.pk]), {"reason": "过期"})
    assert not DirectoryEntry.objects.exists()


def test_directory_pages_are_refused_to_enterprises(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("providers_staff:directory")).status_code == 403
    assert client.get(reverse("providers_staff:index")).status_code == 403


def test_staff_list_filter_and_suspend_with_a_reason(
    client, admitted, province_reviewer, liuzhou_reviewer
):
    client.force_login(province_reviewer)
    listing = client.get(reverse("providers_staff:index"), {"status": "approved"}).content.decode()
    assert admitted.org.name in listing
    assert "全区" in listing
    empty = client.get(reverse("providers_staff:index"), {"level": "city"}).content.decode()
    assert admitted.org.name not in empty
    # the reason is required
    client.post(reverse("providers_staff:suspend", args=[admitted.pk]), {"reason": ""})
    admitted.refresh_from_db()
    assert admitted.status == ProviderStatus.APPROVED
    client.post(reverse("providers_staff:suspend", args=[admitted.pk]), {"reason": "投诉核查"})
    admitted.refresh_from_db()
    assert (admitted.status, admitted.suspended_reason) == (ProviderStatus.SUSPENDED, "投诉核查")
    detail = client.get(reverse("providers_staff:detail", args=[admitted.pk])).content.decode()
    assert "投诉核查" in detail
    assert "恢复" in detail
    # a city's reviewer neither lists nor opens a provincial provider
    client.force_login(liuzhou_reviewer)
    assert admitted.org.name not in client.get(reverse("providers_staff:index")).content.decode()
    assert client.get(reverse("providers_staff:detail", args=[admitted.pk])).status_code == 404
    assert (
        client.post(
            reverse("providers_staff:reinstate", args=[admitted.pk]), {"reason": "x"}
        ).status_code
        == 404
    )


def test_the_review_page_shows_the_materials(client, program, liuzhou_org, province_reviewer):
    provider = apply(liuzhou_org, program)
    client.force_login(province_reviewer)
    html = client.get(reverse("reviews:detail", args=[review_of(provider).pk])).content.decode()
    assert liuzhou_org.name in html
    assert "服务机构承诺书" in html
    assert f"/files/{provider.commitment_letter_id}/" in html
    assert "企业诊断" in html
    assert "全区" in html


# --- the public pages --------------------------------------------------------------------


def test_the_public_list_shows_only_admitted_providers(
    client, program, admitted, make_org, province_reviewer
):
    pending = apply(make_org("柳州市待审机构"), program)
    html = client.get(reverse("providers_public:index")).content.decode()
    assert admitted.org.name in html
    assert pending.org.name not in html
    page = client.get(reverse("providers_public:detail", args=[admitted.pk])).content.decode()
    assert admitted.contact_phone in page
    assert admitted.address in page
    assert client.get(reverse("providers_public:detail", args=[pending.pk])).status_code == 404
    # a suspended provider disappears
    provider_suspend(actor=province_reviewer, provider_id=admitted.pk, reason="核查")
    assert admitted.org.name not in client.get(reverse("providers_public:index")).content.decode()
    assert client.get(reverse("providers_public:detail", args=[admitted.pk])).status_code == 404


def test_the_public_list_filters_by_category_and_program(
    client, program, admitted, make_org, province_reviewer
):
    other = decide(
        apply(make_org("柳州市融资服务机构"), program, categories=["融资服务"]),
        province_reviewer,
        "approve",
    )
    by_category = client.get(
        reverse("providers_public:index"), {"category": "融资服务"}
    ).content.decode()
    assert other.org.name in by_category
    assert admitted.org.name not in by_category
    by_program = client.get(
        reverse("providers_public:index"), {"program": program.pk}
    ).content.decode()
    assert other.org.name in by_program
    assert admitted.org.name in by_program


def test_providers_of_a_closed_program_are_not_listed(client, program, admitted):
    Program.objects.filter(pk=program.pk).update(status=ProgramStatus.CLOSED)
    assert admitted.org.name not in client.get(reverse("providers_public:index")).content.decode()


def test_the_header_has_the_providers_entry(client):
    html = client.get("/").content.decode()
    assert f'href="{reverse("providers_public:index")}"' in html
    assert "服务机构" in html


def _queries(client, url, **params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_lists_run_a_constant_number_of_queries(
    client, program, make_org, province_reviewer, put_on_directory
):
    def admit(n):
        for i in range(n):
            org = make_org(f"柳州市第{i}号服务机构")
            level = "city" if i % 2 else "provincial"
            put_on_directory(program, org, level=level, city="4502" if level == "city" else "")
            decide(apply(org, program), province_reviewer, "approve")

    admit(2)
    public = reverse("providers_public:index")
    staff = reverse("providers_staff:index")
    client.force_login(province_reviewer)
    few_public = _queries(client, public, category="企业诊断")
    few_staff = _queries(client, staff)
    admit(4)
    assert _queries(client, public, category="企业诊断") == few_public
    assert _queries(client, staff) == few_staff
