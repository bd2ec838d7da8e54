"""The e-seal endpoints: my seal, its code, making it, and verifying a signed PDF."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smevoucher.accounts.services import api_token_create
from smevoucher.esign.models import OrgSeal
from smevoucher.esign.signing import pdf_sign

from .conftest import BOX_A, BOX_B, contract_pdf

pytestmark = pytest.mark.django_db


def call(client, method: str, path: str, user=None, data=None):
    headers = {}
    if user is not None:
        _token, key = api_token_create(actor=user)
        headers["Authorization"] = f"Bearer {key}"
    return getattr(client, method)(
        f"/api/v1/esign{path}", data or {}, content_type="application/json", headers=headers
    )


def test_the_seal_is_made_over_the_api(client, org_a, send_seal_code, settings):
    settings.SMS_RESEND_SECONDS = 0
    # given no seal yet
    assert call(client, "get", "/seal", org_a.owner).status_code == 404
    # when a code is asked for and the seal made with it
    sent = call(client, "post", "/seal/code", org_a.owner)
    assert sent.status_code == 200
    assert org_a.owner.masked_phone in sent.json()["message"]
    code = send_seal_code(org_a.owner)
    made = call(client, "post", "/seal", org_a.owner, {"sms_code": code, "agreed": True})
    # then it is created and read back, the maker masked
    assert made.status_code == 201, made.json()
    body = call(client, "get", "/seal", org_a.owner).json()
    seal = OrgSeal.objects.get()
    assert body["serial"] == seal.serial
    assert (body["org_name"], body["org_uscc"]) == (org_a.name, org_a.uscc)
    assert body["made_by"] == org_a.owner.masked_phone
    assert body["identity_method"] == "sms"
    assert body["image_url"] == f"/center/seal/{seal.pk}/image.png"
    # and a second one is refused
    again = call(client, "post", "/seal", org_a.owner, {"sms_code": code, "agreed": True})
    assert again.status_code == 409
    assert again.json() == {"code": "esign.seal_exists", "message": "签章已制作，无需重复制作"}


def test_a_wrong_code_or_no_agreement_makes_nothing(client, org_a, send_seal_code):
    send_seal_code(org_a.owner)
    wrong = call(client, "post", "/seal", org_a.owner, {"sms_code": "000000", "agreed": True})
    assert wrong.status_code == 400
    assert wrong.json()["message"] == "验证码错误"
    unagreed = call(client, "post", "/seal", org_a.owner, {"sms_code": "000000"})
    assert unagreed.json()["field"] == "agreed"
    assert not OrgSeal.objects.exists()


def test_another_organization_sees_no_seal(client, seal_a, org_b, make_user):
    assert call(client, "get", "/seal", org_b.owner).status_code == 404
    uncertified = make_user()
    assert call(client, "get", "/seal", uncertified).status_code == 404
    refused = call(client, "post", "/seal/code", uncertified)
    assert refused.status_code == 403
    assert refused.json()["code"] == "esign.not_certified"


def test_the_seal_endpoints_need_a_login(client):
    assert call(client, "get", "/seal").status_code == 401
    assert call(client, "post", "/seal/code").status_code == 401


def test_verify_reports_both_signatures(client, seal_a, seal_b, org_a, org_b):
    once = pdf_sign(pdf=contract_pdf(1), seal=seal_b, field_name="SignatureB", page=0, box=BOX_B)
    twice = pdf_sign(pdf=once, seal=seal_a, field_name="SignatureA", page=0, box=BOX_A)
    response = client.post(
        "/api/v1/esign/verify", {"file": SimpleUploadedFile("c.pdf", twice, "application/pdf")}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["all_ok"] is True
    assert [s["signer_uscc"] for s in body["signatures"]] == [org_b.uscc, org_a.uscc]
    assert all(s["intact"] and s["valid"] and s["trusted"] for s in body["signatures"])
    assert body["signatures"][0]["coverage"] == "entire_revision"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a not a pdf", "文件不是PDF文档"),
        (b"%PDF-1.4\nbroken", "无法读取该PDF文件，文件可能已损坏"),
        (None, "该PDF文件没有电子签名"),
    ],
)
def test_verify_answers_garbage_with_400(client, content, message):
    upload = contract_pdf(1) if content is None else content
    response = client.post("/api/v1/esign/verify", {"file": SimpleUploadedFile("x.pdf", upload)})
    assert response.status_code == 400
    assert response.json() == {"code": "esign.unverifiable", "message": message, "field": "file"}


def test_verify_refuses_big_files(client):
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024))
    response = client.post("/api/v1/esign/verify", {"file": big})
    assert response.status_code == 400
    assert response.json()["code"] == "esign.too_large"
