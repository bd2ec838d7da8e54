"""Settings for every environment, read from the environment with safe local defaults.

The embedded default (``make demo``) runs on SQLite, local files, in-process tasks and an
SMS outbox. Production (``smevoucher.settings.production``) requires its secrets.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A local-only default; production.py refuses to start without a real one.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="local-development-only-not-a-secret-key-0123456789"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Personal data at rest (ID numbers, phones, bank accounts): SM4 keys as "<id>:<32 hex>",
# the first encrypts, all decrypt (rotation); a separate secret keys the blind indexes.
# The defaults are for local use only; production.py requires real ones.
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=["dev:000102030405060708090a0b0c0d0e0f"]
)
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="local-development-blind-index-key")

# Demo mode shows the SMS outbox page so a newcomer can finish registration.
DEMO_MODE = env.bool("SMEVOUCHER_DEMO_MODE", default=True)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "ninja",
    "captcha",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "smevoucher.core",
    "smevoucher.audit",
    "smevoucher.regions",
    "smevoucher.accounts",
    "smevoucher.staff",
    "smevoucher.reviews",
    "smevoucher.orgs",
    "smevoucher.programs",
    "smevoucher.vouchers",
    "smevoucher.quotas",
    "smevoucher.providers",
    "smevoucher.catalog",
    "smevoucher.orders",
    "smevoucher.esign",
    "smevoucher.settlements",
    "smevoucher.community",
    "smevoucher.notifications",
    "smevoucher.uploads",
    "smevoucher.portal",
    "smevoucher.api",
]

MIDDLEWARE = [
    "smevoucher.core.middleware.QueryCountMiddleware",
    "smevoucher.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "smevoucher.accounts.middleware.AccountPolicyMiddleware",
    "smevoucher.core.ratelimit.RateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "smevoucher.core.middleware.PermissionsPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smevoucher.urls"
WSGI_APPLICATION = "smevoucher.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "smevoucher" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smevoucher.portal.context_processors.shell",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Chinese text needs a UTF-8 database, also for the test database Django creates.
    DATABASES["default"]["TEST"] = {"CHARSET": "UTF8", "TEMPLATE": "template0"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so lockout sees every login: password and SMS code alike.
    "axes.backends.AxesStandaloneBackend",
    "smevoucher.accounts.backends.PhonePasswordBackend",
    "smevoucher.accounts.backends.SmsCodeBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("phone", "display_name")},
    },
    {
        "NAME": "smevoucher.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "smevoucher.accounts.validators.CharacterClassValidator"},
    {"NAME": "smevoucher.accounts.validators.StaffPasswordComplexityValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:center"
LOGOUT_REDIRECT_URL = "portal:home"

# Sessions (等保 level 3): a login lasts at most SESSION_ABSOLUTE_SECONDS and ends after
# SESSION_IDLE_SECONDS without a request (accounts.middleware.AccountPolicyMiddleware).
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
# Staff accounts: a second factor (TOTP, django-otp) and passwords that expire.
STAFF_OTP_REQUIRED = env.bool("STAFF_OTP_REQUIRED", default=True)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="中小企业服务券平台")
OTP_TOTP_THROTTLE_FACTOR = 1
STAFF_PASSWORD_EXPIRY_DAYS = env.int("STAFF_PASSWORD_EXPIRY_DAYS", default=90)
# Enterprise and provider accounts (0: passwords do not expire).
PASSWORD_EXPIRY_DAYS = env.int("PASSWORD_EXPIRY_DAYS", default=0)

# Rate limits (core.ratelimit.RateLimitMiddleware, counted in the cache): every submission
# (POST, PUT, PATCH, DELETE) per person or address, and tighter ones for logins and uploads.
# SMS codes have their own limits (SMS_* above), lockout after failed logins is django-axes.
RATE_LIMIT_ENABLED = env.bool("RATE_LIMIT_ENABLED", default=True)
RATE_LIMITS = {
    "login": env.str("RATE_LIMIT_LOGIN", default="20/m"),
    "upload": env.str("RATE_LIMIT_UPLOAD", default="30/m"),
    "submission": env.str("RATE_LIMIT_SUBMISSION", default="120/m"),
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Set only where collectstatic runs (production); the embedded default serves from the apps.
STATIC_ROOT = env.str("STATIC_ROOT", default="") or None
STATICFILES_DIRS = [BASE_DIR / "smevoucher" / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media-not-served/"  # uploads are served only through the permission-checked view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# Login lockout (django-axes): failures per phone and address, then a cool-off.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "smevoucher.accounts.backends.axes_username"
AXES_LOCKOUT_CALLABLE = "smevoucher.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Image captcha (django-simple-captcha): each challenge answers once.
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 5
CAPTCHA_IMAGE_SIZE = (110, 40)
CAPTCHA_FONT_SIZE = 28
CAPTCHA_TEST_MODE = False

# SMS verification codes.
SMS_BACKEND = env.str("SMS_BACKEND", default="smevoucher.notifications.sms.OutboxSmsBackend")
SMS_CODE_TTL_SECONDS = 5 * 60
SMS_RESEND_SECONDS = 60
SMS_DAILY_LIMIT_PER_PHONE = env.int("SMS_DAILY_LIMIT_PER_PHONE", default=10)
SMS_DAILY_LIMIT_PER_IP = env.int("SMS_DAILY_LIMIT_PER_IP", default=50)
# Codes to make an e-seal or sign a contract, per phone and day (counted apart from the above).
SMS_DAILY_LIMIT_SIGNING_PER_PHONE = env.int("SMS_DAILY_LIMIT_SIGNING_PER_PHONE", default=200)
SMS_MAX_VERIFY_ATTEMPTS = 5
SMS_SIGNATURE = env.str("SMS_SIGNATURE", default="服务券平台")
# The Aliyun adapter (SMS_BACKEND=smevoucher.notifications.sms.AliyunSmsBackend):
# SMS_ALIYUN_TEMPLATES maps our template names to approved codes,
# e.g. "verification_code=SMS_123,notice=SMS_456".
SMS_ALIYUN_ACCESS_KEY_ID = env.str("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_TEMPLATES = env.dict("SMS_ALIYUN_TEMPLATES", default={})

# E-seals and contract signing: who re-verifies the signer (SMS codes here; a face-verification
# provider in production, smevoucher.esign.identity.FaceIdentityVerifier, configured by URL/key).
ESIGN_IDENTITY_VERIFIER = env.str(
    "ESIGN_IDENTITY_VERIFIER", default="smevoucher.esign.identity.SmsIdentityVerifier"
)
ESIGN_FACE_API_URL = env.str("ESIGN_FACE_API_URL", default="")
ESIGN_FACE_API_KEY = env.str("ESIGN_FACE_API_KEY", default="")
# The CJK font embedded in contracts and drawn in seals (empty: the first one installed).
CJK_FONT_PATH = env.str("CJK_FONT_PATH", default="")
# The homepage's live figures are read from the ledger and cached this long (seconds).
HOMEPAGE_FIGURES_SECONDS = env.int("HOMEPAGE_FIGURES_SECONDS", default=60)
# The public catalogue's counts, page ids and visitors' page bodies are cached this long
# (seconds; 0: off; the sales figures on its cards lag by as much), and
# dropped at once when a product or provider enters or leaves it (catalog.selectors).
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=300)
# How enterprises pay the part the voucher does not (orders.payments).
ORDER_PAYMENT_METHODS = env.list(
    "ORDER_PAYMENT_METHODS", default=["smevoucher.orders.payments.CorporateTransfer"]
)

# The benchmark asks every response how many SQL statements it ran (X-Query-Count).
QUERY_COUNT_HEADER = env.bool("QUERY_COUNT_HEADER", default=False)

# Uploads: content-checked pdf/jpg/png, at most this many bytes.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personal_data": {"()": "smevoucher.core.logging.MaskPersonalDataFilter"},
        "request_id": {"()": "smevoucher.core.logging.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "mask_personal_data"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content security policy (django-csp): scripts, styles and fonts come from this site only,
# no inline script, no inline style, no plugin, no framing; the tests hold templates to it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features the platform never uses stay off (core.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
AXES_SENSITIVE_PARAMETERS = ["password", "sms_code", "captcha_1", "phone", "new_password"]
# The embedded default serves static files straight from the apps; production collects them.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
# Form widgets use the project's templates too (the captcha row).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Uploads: the name as sent is checked, images are re-encoded (issue 10) ----------------
# uploads.handlers keeps each file's name as the client sent it (Django's parser strips path
# parts silently) so that a name with a path or control characters is refused.
FILE_UPLOAD_HANDLERS = [
    "smevoucher.uploads.handlers.ClientNameUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Larger images are refused before they are decoded (a decompression bomb is a few KB).
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)

# --- Audit integrity chain and the national algorithms option (issue 10) ------------------
# Each audit record holds the hash of the one before (audit.chain; manage.py audit_verify):
# "sha256" or "sm3" (GB/T 32905). Every hash names its algorithm, so records hashed before a
# change of this setting still verify.
AUDIT_HASH_ALGORITHM = env.str("AUDIT_HASH_ALGORITHM", default="sha256")
# Field encryption (core.crypto): "sm4gcm" (SM4, keys "<id>:<32 hex>") or "aes256gcm"
# (AES-256, keys "<id>:<64 hex>"). The first key must suit the algorithm; every ciphertext
# names its algorithm and key, so values written under the other one still decrypt.
FIELD_ENCRYPTION_ALGORITHM = env.str("FIELD_ENCRYPTION_ALGORITHM", default="sm4gcm")
