"""Production settings refuse to start without their secrets; the local default needs none."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

REQUIRED = {
    "DJANGO_SECRET_KEY": "a-real-secret-key-from-the-vault-0123456789abcdef",
    "DATABASE_URL": "postgres://app@db.internal:5432/smevoucher",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "DJANGO_ALLOWED_HOSTS": "voucher.example.cn",
    "FIELD_ENCRYPTION_KEYS": "k2026:00112233445566778899aabbccddeeff",
    "BLIND_INDEX_KEY": "a-real-blind-index-key-from-the-vault",
}


def _load_production_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    clean.update(env, DJANGO_SETTINGS_MODULE="smevoucher.settings.production")
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        env=clean,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_production_refuses_to_start_without_each_secret(missing):
    # given every production secret but one
    env = {k: v for k, v in REQUIRED.items() if k != missing}
    # when the production settings load
    result = _load_production_settings(env)
    # then they refuse, naming what is missing
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_starts_with_its_secrets_and_debug_off():
    result = _load_production_settings(REQUIRED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
