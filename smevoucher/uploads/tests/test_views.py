import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from smevoucher.uploads.services import upload_create

pytestmark = pytest.mark.django_db


def png_file(name="proof.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_owner_downloads_own_upload_with_safe_headers(client, enterprise_user):
    upload = upload_create(actor=enterprise_user, uploaded=png_file(), purpose="test")
    client.force_login(enterprise_user)
    response = client.get(reverse("uploads:download", args=[upload.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_another_users_upload_answers_404(client, enterprise_user, other_enterprise_user):
    upload = upload_create(actor=enterprise_user, uploaded=png_file(), purpose="test")
    client.force_login(other_enterprise_user)
    assert client.get(reverse("uploads:download", args=[upload.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, enterprise_user):
    upload = upload_create(actor=enterprise_user, uploaded=png_file(), purpose="test")
    response = client.get(reverse("uploads:download", args=[upload.pk]))
    assert response.status_code == 302


def test_download_as_attachment_keeps_original_name(client, enterprise_user):
    upload = upload_create(actor=enterprise_user, uploaded=png_file("营业执照.png"), purpose="test")
    client.force_login(enterprise_user)
    response = client.get(reverse("uploads:download", args=[upload.pk]) + "?download=1")
    assert response["Content-Disposition"].startswith("attachment")
    assert "%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.png" in response["Content-Disposition"]
