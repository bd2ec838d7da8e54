"""Settings for the test suite: the base settings with fast hashing and test-only folders."""

import tempfile

from .base import *  # noqa: F403

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"
DEMO_MODE = True
# Argon2 is the production hasher and has its own test; the suite hashes fast.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
MEDIA_ROOT = tempfile.mkdtemp(prefix="smevoucher-test-media-")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Tests see every change at once; the catalogue cache has its own tests (override_settings).
CATALOG_CACHE_SECONDS = 0
# The suite logs staff in with force_login and posts quickly: the second factor and the rate
# limits have their own tests (override_settings).
STAFF_OTP_REQUIRED = False
RATE_LIMIT_ENABLED = False
