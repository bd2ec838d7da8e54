"""Notices, policies and guides: staff publish with attachments, everyone reads; help contacts."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from smevoucher.community import services
from smevoucher.core.errors import DomainError

pytestmark = pytest.mark.django_db


def _pdf() -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile("管理办法.pdf", buffer.getvalue(), content_type="application/pdf")


@pytest.fixture
def approver(make_staff):
    return make_staff(region_code="45", roles=("approver",), phone="13800000049")


def test_a_policy_is_published_read_by_anyone_and_withdrawn(client, approver, liuzhou_reviewer):
    article = services.article_publish(
        actor=approver,
        kind="policy",
        title="广西制造业企业培优育强服务券管理办法",
        body="第一条 为规范服务券管理……",
        files=[_pdf()],
    )
    page = client.get(reverse("news:article", args=[article.pk])).content.decode()
    assert "服务券管理办法" in page
    upload = article.attachments.get()
    download = client.get(reverse("news:file", args=[article.pk, upload.pk]))
    assert download.status_code == 200
    assert "服务券管理办法" in client.get(reverse("portal:home")).content.decode()
    assert client.get("/api/v1/news").json()[0]["kind"] == "policy"
    # a reviewer may not publish
    with pytest.raises(DomainError):
        services.article_publish(actor=liuzhou_reviewer, kind="notice", title="t", body="b")
    services.article_withdraw(actor=approver, article_id=article.pk)
    assert client.get(reverse("news:article", args=[article.pk])).status_code == 404
    assert client.get(reverse("news:file", args=[article.pk, upload.pk])).status_code == 404


def test_help_contacts_per_region(client, approver):
    services.help_contact_save(
        actor=approver, unit="自治区中小企业服务中心", phone="0771-1234567", email="help@example.cn"
    )
    page = client.get(reverse("news:help")).content.decode()
    assert "0771-1234567" in page
    assert "广西壮族自治区" in page
    with pytest.raises(DomainError, match="电子邮箱"):
        services.help_contact_save(actor=approver, unit="单位", phone="1", email="not-an-email")
