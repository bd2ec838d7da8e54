"""The 制作签章 page of the personal center and the public 签章验证 page."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from smevoucher.esign.models import OrgSeal
from smevoucher.esign.selectors import active_seal
from smevoucher.esign.signing import pdf_sign
from smevoucher.notifications.models import SmsOutbox

from .conftest import BOX_A, BOX_B, contract_pdf

pytestmark = pytest.mark.django_db

SEAL_URL = "/center/seal/"
VERIFY_URL = "/esign/verify/"


def test_the_urls_read_as_designed(seal_a):
    assert reverse("esign:seal") == SEAL_URL
    assert reverse("esign:verify") == VERIFY_URL
    assert reverse("esign:seal_image", args=[seal_a.pk]) == f"/center/seal/{seal_a.pk}/image.png"


def test_the_seal_is_made_on_the_page(client, org_a, settings, django_capture_on_commit_callbacks):
    settings.SMS_RESEND_SECONDS = 0
    client.force_login(org_a.owner)
    # given the page offers the form, in the center menu
    page = client.get(SEAL_URL).content.decode()
    assert 'value="send_code"' in page
    assert 'name="agreed"' in page
    assert f'href="{SEAL_URL}" aria-current="page"' in page
    # when the owner asks for a code
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(SEAL_URL, {"action": "send_code"})
    assert "验证码已发送至" in sent.content.decode()
    text = SmsOutbox.objects.filter(phone=org_a.owner.phone).latest("pk").text
    code = re.search(r"\d{6}", text).group(0)
    assert "制作签章" in text
    # and makes the seal with it, agreeing to the terms
    made = client.post(SEAL_URL, {"action": "make", "sms_code": code, "agreed": "on"})
    # then the page shows the seal, its certificate serial and who made it (masked)
    assert made.status_code == 302
    seal = active_seal(org_a)
    shown = client.get(SEAL_URL).content.decode()
    assert seal.serial in shown
    assert org_a.owner.masked_phone in shown
    assert org_a.owner.phone not in shown
    assert reverse("esign:seal_image", args=[seal.pk]) in shown
    assert 'name="sms_code"' not in shown


def test_a_wrong_code_or_no_agreement_shows_on_the_form(client, org_a, send_seal_code):
    send_seal_code(org_a.owner)
    client.force_login(org_a.owner)
    wrong = client.post(SEAL_URL, {"action": "make", "sms_code": "000000", "agreed": "on"})
    assert wrong.status_code == 200
    assert "验证码错误" in wrong.content.decode()
    unagreed = client.post(SEAL_URL, {"action": "make", "sms_code": "123456"})
    assert "请阅读并同意电子签章使用协议" in unagreed.content.decode()
    assert not OrgSeal.objects.exists()


def test_an_uncertified_user_is_sent_to_certification(client, make_user):
    client.force_login(make_user())
    page = client.get(SEAL_URL).content.decode()
    assert "认证通过后才能制作签章" in page
    assert reverse("orgs:certification") in page
    assert 'name="sms_code"' not in page
    # and the center menu does not offer 制作签章
    assert f'href="{SEAL_URL}"' not in page


def test_the_page_needs_a_login(client):
    response = client.get(SEAL_URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_seal_image_is_shown_only_to_its_organization(client, seal_a, org_a, org_b):
    url = reverse("esign:seal_image", args=[seal_a.pk])
    client.force_login(org_a.owner)
    mine = client.get(url)
    assert mine.status_code == 200
    assert mine["Content-Type"] == "image/png"
    assert mine.content.startswith(b"\x89PNG\r\n\x1a\n")
    # another organization's user gets 404, for this seal and for one that does not exist
    client.force_login(org_b.owner)
    assert client.get(url).status_code == 404
    assert client.get(reverse("esign:seal_image", args=[seal_a.pk + 999])).status_code == 404
    # and their page shows no trace of it
    assert seal_a.serial not in client.get(SEAL_URL).content.decode()
    client.logout()
    assert client.get(url).status_code == 302


def test_verification_page_shows_each_signature(client, seal_a, seal_b, org_a, org_b):
    once = pdf_sign(pdf=contract_pdf(1), seal=seal_b, field_name="SignatureB", page=0, box=BOX_B)
    twice = pdf_sign(pdf=once, seal=seal_a, field_name="SignatureA", page=0, box=BOX_A)
    page = client.post(
        VERIFY_URL, {"file": SimpleUploadedFile("合同.pdf", twice, "application/pdf")}
    ).content.decode()
    assert "验证通过" in page
    for shown in (org_a.name, org_b.name, org_a.uscc, org_b.uscc):
        assert shown in page
    for heading in ("签署方", "统一社会信用代码", "签署时间", "文档完整", "签名有效", "本平台证书"):
        assert heading in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ this is not a pdf", "文件不是PDF文档"),
        (None, "该PDF文件没有电子签名"),
    ],
)
def test_verification_page_explains_garbage(client, content, message):
    upload = contract_pdf(1) if content is None else content
    response = client.post(VERIFY_URL, {"file": SimpleUploadedFile("x.pdf", upload)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "验证通过" not in response.content.decode()


def test_verification_page_refuses_big_files_and_no_file(client):
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024))
    assert "文件大小不能超过5MB" in client.post(VERIFY_URL, {"file": big}).content.decode()
    assert client.post(VERIFY_URL, {}).status_code == 200


def test_verification_page_is_csrf_protected(seal_a):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(VERIFY_URL, {"file": SimpleUploadedFile("x.pdf", contract_pdf(1))})
    assert response.status_code == 403


def test_verification_is_rate_limited_per_address(client, settings):
    from smevoucher.esign import views

    for _ in range(views.VERIFY_PER_MINUTE):
        client.post(VERIFY_URL, {"file": SimpleUploadedFile("x.pdf", contract_pdf(1))})
    response = client.post(VERIFY_URL, {"file": SimpleUploadedFile("x.pdf", contract_pdf(1))})
    assert "验证过于频繁" in response.content.decode()
