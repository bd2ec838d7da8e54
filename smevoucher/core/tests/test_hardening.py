"""Hardening: the deployment check, security headers and the content security policy, CSRF
on every form and session-authenticated API call, and rate limits on every submission."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from smevoucher.accounts.services import api_token_create
from smevoucher.accounts.tests.test_views import captcha

pytestmark = pytest.mark.django_db

TEMPLATE_DIRS = [
    path
    for path in Path(settings.BASE_DIR, "smevoucher").rglob("templates")
    if ".venv" not in path.parts
]
TEMPLATES = sorted(
    template for directory in TEMPLATE_DIRS for template in directory.rglob("*.html")
)


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smevoucher.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x7Qp2Lm9Zr4Tb8Wc" * 3,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_ALLOWED_HOSTS": "voucher.example.gov.cn",
        "FIELD_ENCRYPTION_KEYS": "k1:00112233445566778899aabbccddeeff",
        "BLIND_INDEX_KEY": "a-production-blind-index-key",
    }
    # the browser tests set this for their own process; a deployment never does
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


def test_pages_carry_the_security_headers_and_a_strict_policy(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in filter(None, (directive.strip() for directive in policy.split(";"))):
        name, _space, value = part.partition(" ")
        directives[name] = value
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_templates_hold_no_inline_script_or_style(template):
    text = template.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
        assert "src=" in tag, f"{template}: inline script {tag}"
    assert not re.search(r"\son[a-z]+\s*=", text, flags=re.IGNORECASE), f"{template}: on* handler"
    assert not re.search(r"\sstyle\s*=", text, flags=re.IGNORECASE), f"{template}: style attribute"
    assert "<style" not in text.lower(), f"{template}: inline style element"
    assert "javascript:" not in text.lower(), f"{template}: javascript: URL"


def test_templates_were_found():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_every_post_form_carries_the_csrf_token(template):
    text = template.read_text(encoding="utf-8")
    for match in re.finditer(r"<form\b[^>]*>", text, flags=re.IGNORECASE):
        if 'method="post"' not in match.group(0).lower():
            continue
        end = text.find("</form>", match.end())
        body = text[match.end() : end if end != -1 else None]
        assert "{% csrf_token %}" in body, f"{template}: a POST form without csrf_token"


def test_a_form_post_without_the_csrf_token_is_refused(enterprise_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(enterprise_user)
    response = browser.post(reverse("accounts:logout"))
    assert response.status_code == 403
    assert browser.get(reverse("portal:center")).status_code == 200  # still logged in


def test_a_session_api_call_without_the_csrf_token_is_refused(enterprise_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(enterprise_user)
    response = browser.post("/api/v1/accounts/logout", content_type="application/json")
    assert response.status_code in (401, 403)
    assert browser.get("/api/v1/accounts/me").status_code == 200  # nothing happened
    # with the token from the cookie the same call goes through
    browser.get(reverse("portal:center"))
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/accounts/logout", content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200


def test_a_bearer_token_call_needs_no_csrf_token(enterprise_user):
    _token, key = api_token_create(actor=enterprise_user)
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        "/api/v1/accounts/logout",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200


# --- rate limits ------------------------------------------------------------------------

LIMITED = {"login": "3/m", "upload": "2/m", "submission": "4/m"}


@override_settings(RATE_LIMIT_ENABLED=True, RATE_LIMITS=LIMITED)
def test_logins_are_limited_per_address(client, enterprise_user):
    url = reverse("accounts:login")
    for _ in range(3):
        response = client.post(url, {"phone": enterprise_user.phone, "password": "x", **captcha()})
        assert response.status_code == 200
    response = client.post(url, {"phone": enterprise_user.phone, "password": "x", **captcha()})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "操作过于频繁，请60秒后再试" in response.content.decode()
    # another address is not held back
    other = Client(REMOTE_ADDR="10.0.0.9")
    response = other.post(url, {"phone": enterprise_user.phone, "password": "x", **captcha()})
    assert response.status_code == 200
    # reading the page is never limited
    assert client.get(url).status_code == 200


@override_settings(RATE_LIMIT_ENABLED=True, RATE_LIMITS=LIMITED)
def test_api_logins_are_limited_too(client):
    for expected in (422, 422, 422, 429):
        response = client.post("/api/v1/accounts/login", {}, content_type="application/json")
        assert response.status_code == expected
    assert response.json() == {"code": "rate_limited", "message": "操作过于频繁，请60秒后再试"}


@override_settings(RATE_LIMIT_ENABLED=True, RATE_LIMITS=LIMITED)
def test_submissions_are_limited_per_person(enterprise_user, other_enterprise_user):
    mine, theirs = Client(), Client()
    mine.force_login(enterprise_user)
    theirs.force_login(other_enterprise_user)
    url = reverse("notifications:mark_all_read")
    answers = [mine.post(url).status_code for _ in range(5)]
    assert answers[:4] == [302] * 4
    assert answers[4] == 429
    assert theirs.post(url).status_code == 302


@override_settings(RATE_LIMIT_ENABLED=True, RATE_LIMITS=LIMITED)
def test_uploads_have_their_own_tighter_limit(enterprise_user):
    browser = Client()
    browser.force_login(enterprise_user)
    url = reverse("notifications:mark_all_read")
    answers = [
        browser.post(url, {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")}).status_code
        for _ in range(3)
    ]
    assert answers == [302, 302, 429]
    # ordinary submissions keep their own count
    assert browser.post(url).status_code == 302


def test_rate_limits_are_on_by_default_outside_the_suite():
    from smevoucher.settings import base

    assert base.RATE_LIMIT_ENABLED is True
    assert base.STAFF_OTP_REQUIRED is True
    assert set(base.RATE_LIMITS) == {"login", "upload", "submission"}


@override_settings(RATE_LIMIT_ENABLED=True, RATE_LIMITS=LIMITED)
def test_a_multipart_body_that_does_not_parse_is_counted_and_answered_in_the_api_shape(
    enterprise_user,
):
    browser = Client()
    browser.force_login(enterprise_user)
    response = browser.generic(
        "POST", "/api/v1/uploads", b"--x\r\n", content_type="multipart/form-data; boundary="
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
