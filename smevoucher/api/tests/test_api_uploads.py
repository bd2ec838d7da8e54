"""Uploads over the API: content-checked files, seen only by who may see them."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from smevoucher.accounts.services import api_token_create
from smevoucher.uploads.models import Upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def bearer(user) -> dict:
    _token, key = api_token_create(actor=user)
    return {"Authorization": f"Bearer {key}"}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, user, *, name="营业执照.png", content=None, purpose="license"):
    data = {"file": SimpleUploadedFile(name, png_bytes() if content is None else content)}
    if purpose is not None:
        data["purpose"] = purpose
    return client.post("/api/v1/uploads", data, headers=bearer(user))


def test_upload_answers_201_with_what_was_stored(client, enterprise_user):
    # when the enterprise uploads a PNG
    response = upload(client, enterprise_user)
    # then its metadata comes back and the record belongs to the uploader
    assert response.status_code == 201, response.content
    body = response.json()
    stored = Upload.objects.get(pk=body["id"])
    assert stored.owner == enterprise_user
    assert body["name"] == "营业执照.png"
    assert body["size"] == len(png_bytes())
    assert body["type"] == "image/png"
    assert body["purpose"] == "license"


def test_owner_reads_the_upload_metadata(client, enterprise_user):
    upload_id = upload(client, enterprise_user).json()["id"]
    response = client.get(f"/api/v1/uploads/{upload_id}", headers=bearer(enterprise_user))
    assert response.status_code == 200
    assert response.json()["id"] == upload_id
    assert response.json()["type"] == "image/png"


def test_another_users_upload_answers_404(client, enterprise_user, other_enterprise_user):
    # given an upload of one enterprise
    upload_id = upload(client, enterprise_user).json()["id"]
    # when another enterprise asks for it
    response = client.get(f"/api/v1/uploads/{upload_id}", headers=bearer(other_enterprise_user))
    # then it answers as if there were no such file
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "内容不存在或无权查看"}


def test_unknown_upload_answers_404_and_a_malformed_id_422(client, enterprise_user):
    headers = bearer(enterprise_user)
    assert client.get(f"/api/v1/uploads/{uuid.uuid4()}", headers=headers).status_code == 404
    malformed = client.get("/api/v1/uploads/not-a-uuid", headers=headers)
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "upload_id"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("合同.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),  # a Windows .exe renamed
        ("page.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ],
)
def test_files_that_are_not_pdf_jpg_or_png_are_refused(client, enterprise_user, name, content):
    response = upload(client, enterprise_user, name=name, content=content)
    assert response.status_code == 400
    assert response.json() == {
        "code": "upload.type",
        "message": "仅支持PDF、JPG、PNG格式的文件",
        "field": "file",
    }
    assert not Upload.objects.exists()


def test_a_file_over_the_limit_is_refused(client, enterprise_user, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = upload(client, enterprise_user, content=png_bytes() + b"\x00" * 100)
    assert response.status_code == 400
    assert response.json()["code"] == "upload.too_large"
    assert not Upload.objects.exists()


def test_upload_needs_a_well_formed_purpose(client, enterprise_user):
    missing = upload(client, enterprise_user, purpose=None)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "purpose"
    odd = upload(client, enterprise_user, purpose="../etc")
    assert odd.status_code == 422
    assert odd.json()["errors"][0]["type"] == "string_pattern_mismatch"


def test_upload_without_a_file_answers_422(client, enterprise_user):
    response = client.post(
        "/api/v1/uploads", {"purpose": "license"}, headers=bearer(enterprise_user)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "file",
        "message": "此项为必填项",
        "type": "missing",
    }
