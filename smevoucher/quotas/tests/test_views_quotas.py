"""The 服务券配额申请 page, as the Guangxi manual shows it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from smevoucher.quotas.choices import ApplicationStatus
from smevoucher.quotas.models import QuotaApplication

from .conftest import WAN, approve

pytestmark = pytest.mark.django_db


def pdf(name="担保合同.pdf"):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def test_page_without_certification_points_to_it(client, other_enterprise_user, guangxi):
    client.force_login(other_enterprise_user)
    body = client.get(reverse("quotas:index")).content.decode()
    assert "请先完成企业信息认证" in body


def test_cards_show_each_voucher_type_with_its_rule(
    client, enterprise_user, certified, guangxi, listed
):
    listed(certified, "little_giant")
    client.force_login(enterprise_user)
    body = client.get(reverse("quotas:index")).content.decode()
    for name in ("通用券", "融资担保专项券", "直接设备租赁专项券"):
        assert name in body
    assert "国家级制造业单项冠军" in body  # the rule text
    assert "可申请额度：30万元" in body


def test_apply_general_then_staff_approve_then_the_card_shows_the_voucher(
    client, enterprise_user, certified, guangxi, listed, province_reviewer
):
    listed(certified, "above_scale")
    client.force_login(enterprise_user)
    url = reverse("quotas:apply", args=[guangxi.pk, "general"])
    page = client.get(url).content.decode()
    assert "确定配额申请" in page
    assert "50,000.00" in page
    response = client.post(url)
    assert response.status_code == 302
    body = client.get(reverse("quotas:index")).content.decode()
    assert "待审核" in body
    application = QuotaApplication.objects.get()
    approve(application, province_reviewer)
    application.refresh_from_db()
    body = client.get(reverse("quotas:index")).content.decode()
    assert application.voucher.number in body
    assert "50,000.00" in body
    assert application.status == ApplicationStatus.APPROVED


def test_special_application_with_proof_and_formula_refusal(
    client, enterprise_user, certified, guangxi
):
    client.force_login(enterprise_user)
    url = reverse("quotas:apply", args=[guangxi.pk, "guarantee"])
    response = client.post(
        url, {"base_yuan": "300,000", "requested_yuan": "150000.01", "proof": pdf()}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "实际担保费的50%" in body
    assert not QuotaApplication.objects.exists()
    response = client.post(
        url, {"base_yuan": "300,000", "requested_yuan": "150000", "proof": pdf()}
    )
    assert response.status_code == 302
    application = QuotaApplication.objects.get()
    assert (application.base_fen, application.amount_fen) == (30 * WAN, 15 * WAN)
    assert application.proof.purpose == "quota_proof"


def test_bad_amount_is_a_form_error(client, enterprise_user, certified, guangxi):
    client.force_login(enterprise_user)
    url = reverse("quotas:apply", args=[guangxi.pk, "guarantee"])
    body = client.post(
        url, {"base_yuan": "abc", "requested_yuan": "1.234", "proof": pdf()}
    ).content.decode()
    assert "请输入正确的金额" in body
    assert not QuotaApplication.objects.exists()


def test_a_fake_pdf_proof_is_refused(client, enterprise_user, certified, guangxi):
    client.force_login(enterprise_user)
    url = reverse("quotas:apply", args=[guangxi.pk, "guarantee"])
    fake = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    body = client.post(
        url, {"base_yuan": "1000", "requested_yuan": "100", "proof": fake}
    ).content.decode()
    assert "仅支持PDF、JPG、PNG格式的文件" in body
    assert not QuotaApplication.objects.exists()


def test_reviewer_of_the_region_may_open_the_proof_others_not(
    client,
    enterprise_user,
    certified,
    guangxi,
    province_reviewer,
    nanning_reviewer,
    other_enterprise_user,
):
    client.force_login(enterprise_user)
    client.post(
        reverse("quotas:apply", args=[guangxi.pk, "guarantee"]),
        {"base_yuan": "1000", "requested_yuan": "100", "proof": pdf()},
    )
    upload = QuotaApplication.objects.get().proof
    download = reverse("uploads:download", args=[upload.pk])
    client.force_login(province_reviewer)
    assert client.get(download).status_code == 200
    client.force_login(nanning_reviewer)
    assert client.get(download).status_code == 404
    client.force_login(other_enterprise_user)
    assert client.get(download).status_code == 404


def test_withdraw(client, enterprise_user, certified, guangxi, listed):
    listed(certified, "above_scale")
    client.force_login(enterprise_user)
    client.post(reverse("quotas:apply", args=[guangxi.pk, "general"]))
    application = QuotaApplication.objects.get()
    client.post(reverse("quotas:withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


def test_another_enterprises_application_cannot_be_withdrawn(
    client, enterprise_user, certified, guangxi, listed, other_enterprise_user
):
    listed(certified, "above_scale")
    client.force_login(enterprise_user)
    client.post(reverse("quotas:apply", args=[guangxi.pk, "general"]))
    application = QuotaApplication.objects.get()
    client.force_login(other_enterprise_user)
    assert client.post(reverse("quotas:withdraw", args=[application.pk])).status_code == 404


def test_review_page_shows_the_application(
    client, enterprise_user, certified, guangxi, listed, province_reviewer
):
    from smevoucher.reviews.models import Review

    listed(certified, "little_giant")
    client.force_login(enterprise_user)
    client.post(reverse("quotas:apply", args=[guangxi.pk, "general"]))
    review = Review.objects.get(kind="quota_application")
    client.force_login(province_reviewer)
    body = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
    assert "300,000.00" in body
    assert certified.name in body
