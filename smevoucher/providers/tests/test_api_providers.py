"""Providers over JSON: the directory (staff), admission, staff suspension, the public list."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_uscc
from smevoucher.programs.tests.test_imports_parsing import xlsx_bytes
from smevoucher.providers.models import DirectoryEntry

from .conftest import apply, decide, documents

pytestmark = pytest.mark.django_db


def call(client, method, path, user=None, data=None):
    if user is not None:
        client.force_login(user)
    kwargs = (
        {"content_type": "application/json", "data": json.dumps(data)} if data is not None else {}
    )
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


def payload(program, files, **overrides):
    return {
        "program_id": program.pk,
        "categories": ["数字化转型"],
        "intro": "工业互联网平台服务商。",
        "contact_phone": "0772-3801234",
        "address": "柳州市鱼峰区",
        "working_hours": "工作日 9:00-17:00",
        "qualification_ids": [str(i) for i in files["qualification_ids"]],
        "commitment_letter_id": str(files["commitment_letter_id"]),
        **overrides,
    }


def test_terms_refuse_an_organization_absent_from_the_directory(
    client, program, liuzhou_org, make_org, put_on_directory
):
    put_on_directory(program, make_org("名录中的机构"))
    body = call(client, "get", f"/providers/mine/terms/{program.pk}", liuzhou_org.owner).json()
    assert (body["eligible"], body["code"], body["has_directory"]) == (
        False,
        "provider.not_in_directory",
        True,
    )
    assert "未在本项目服务机构名录中" in body["reason"]
    refused = call(
        client, "post", "/providers/mine", data=payload(program, documents(liuzhou_org.owner))
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "provider.not_in_directory"


def test_apply_return_resubmit_approve_and_list(
    client, program, liuzhou_org, put_on_directory, liuzhou_reviewer
):
    put_on_directory(program, liuzhou_org, level="city", city="4502")
    owner = liuzhou_org.owner
    terms = call(client, "get", f"/providers/mine/terms/{program.pk}", owner).json()
    assert (terms["eligible"], terms["level"], terms["scope_label"]) == (True, "city", "柳州市")
    assert "数字化转型" in terms["categories"]
    created = call(client, "post", "/providers/mine", data=payload(program, documents(owner)))
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["scope_code"], body["scope_label"]) == (
        "submitted",
        "4502",
        "柳州市",
    )
    from smevoucher.providers.models import Provider

    provider = Provider.objects.get(pk=body["id"])
    decide(provider, liuzhou_reviewer, "return", "简介过于简单")
    mine = call(client, "get", "/providers/mine").json()
    assert [(p["status"], p["reason"]) for p in mine] == [("returned", "简介过于简单")]
    resubmitted = call(
        client,
        "post",
        f"/providers/mine/{provider.pk}/resubmit",
        data={
            "categories": ["数字化转型", "技术创新"],
            "intro": "详细简介",
            "contact_phone": "0772-3801234",
            "address": "柳州市鱼峰区",
        },
    )
    assert resubmitted.status_code == 200
    assert resubmitted.json()["status"] == "submitted"
    decide(provider, liuzhou_reviewer, "approve")
    public = call(client, "get", f"/providers/public/{provider.pk}").json()
    assert public["categories"] == ["数字化转型", "技术创新"]


def test_withdraw(client, program, liuzhou_org):
    provider = apply(liuzhou_org, program)
    response = call(client, "post", f"/providers/mine/{provider.pk}/withdraw", liuzhou_org.owner)
    assert response.json()["status"] == "draft"


def test_another_organizations_provider_answers_404(client, program, liuzhou_org, make_org):
    provider = apply(liuzhou_org, program)
    other = make_org("柳州市其他机构")
    response = call(client, "post", f"/providers/mine/{provider.pk}/withdraw", other.owner)
    assert response.status_code == 404


def test_staff_list_suspend_and_reinstate(client, admitted, province_reviewer, liuzhou_reviewer):
    listing = call(client, "get", "/providers/staff?status=approved", province_reviewer).json()
    assert [p["id"] for p in listing["items"]] == [admitted.pk]
    missing = call(client, "post", f"/providers/staff/{admitted.pk}/suspend", data={"reason": ""})
    assert missing.status_code == 400
    assert missing.json()["field"] == "reason"
    suspended = call(
        client, "post", f"/providers/staff/{admitted.pk}/suspend", data={"reason": "投诉核查"}
    ).json()
    assert (suspended["status"], suspended["suspended_reason"]) == ("suspended", "投诉核查")
    assert call(client, "get", f"/providers/public/{admitted.pk}").status_code == 404
    # a city reviewer sees nothing of a provincial provider
    assert call(client, "get", "/providers/staff", liuzhou_reviewer).json()["count"] == 0
    other = call(
        client, "post", f"/providers/staff/{admitted.pk}/reinstate", data={"reason": "已整改"}
    )
    assert other.status_code == 404
    back = call(
        client,
        "post",
        f"/providers/staff/{admitted.pk}/reinstate",
        province_reviewer,
        data={"reason": "已整改"},
    ).json()
    assert back["status"] == "approved"


def test_the_staff_list_is_refused_to_enterprises(client, enterprise_user):
    assert call(client, "get", "/providers/staff", enterprise_user).status_code == 403


def test_public_list_without_login(client, admitted, program, make_org):
    apply(make_org("柳州市待审机构"), program)
    body = call(client, "get", "/providers/public").json()
    assert [p["org_name"] for p in body["items"]] == [admitted.org.name]
    assert body["items"][0]["scope_label"] == "全区"
    filtered = call(client, "get", "/providers/public?category=融资担保").json()
    assert filtered["count"] == 0


def test_directory_import_search_and_remove(
    client, program, province_reviewer, django_capture_on_commit_callbacks
):
    client.force_login(province_reviewer)
    content = xlsx_bytes(
        [
            ("机构全称", "统一社会信用代码", "级别", "所在城市"),
            ("柳州市中小企业服务站", make_uscc(3), "市级", "柳州"),
            ("广西服务中心", make_uscc(4), "国家级", ""),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/providers/directory/{program.pk}/imports",
            {"file": SimpleUploadedFile("名录.xlsx", content)},
        )
    assert response.status_code == 201
    job = call(client, "get", f"/providers/directory-imports/{response.json()['id']}").json()
    assert (job["status"], job["accepted_rows"]) == ("done", 2)
    found = call(client, "get", f"/providers/directory/{program.pk}?q=服务站").json()
    assert [(e["name"], e["city_name"]) for e in found["items"]] == [
        ("柳州市中小企业服务站", "柳州市")
    ]
    entry_id = found["items"][0]["id"]
    assert (
        call(
            client, "delete", f"/providers/directory-entries/{entry_id}", data={"reason": "过期"}
        ).status_code
        == 204
    )
    assert DirectoryEntry.objects.count() == 1


def test_the_directory_is_refused_to_enterprises_and_other_regions(
    client, program, enterprise_user, liuzhou_reviewer
):
    assert (
        call(client, "get", f"/providers/directory/{program.pk}", enterprise_user).status_code
        == 403
    )
    assert (
        call(client, "get", f"/providers/directory/{program.pk}", liuzhou_reviewer).status_code
        == 404
    )
