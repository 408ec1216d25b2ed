"""Yishi settings: one file, every value that differs between machines read from the environment.

The README lists each variable. Development (`make run`) sets DEBUG=1; production leaves it off
and must then provide SECRET_KEY and ALLOWED_HOSTS.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# Under pytest the test settings apply (pytest-django reads settings before any conftest runs).
TESTING = env_bool("YISHI_TESTING", default="pytest" in sys.modules)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-yishi-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address of the site, used in emails and on printed notices (QR codes).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL

INSTALLED_APPS = [
    # ours: domain apps first, so their templates and translations win
    "home",
    "communities",
    "consultation",
    "organisations",
    "projects",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # history and background work
    "simple_history",
    "django_tasks_db",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
]
# Widgets render through TEMPLATES, so templates/wagtailadmin/widgets can replace Wagtail's
# date pickers' inline scripts (Content-Security-Policy; see static/js/wagtail-csp.js).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "communities.page_cache.AnonymousPageCacheMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.middleware.AdminContentSecurityPolicyMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "communities.middleware.StaffTwoFactorMiddleware",
    "communities.middleware.AdminScopeMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "django.template.context_processors.csp",
                "communities.page_cache.generation_context",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: SQLite file under var/ unless DATABASE_URL says otherwise (PostgreSQL in production).
(BASE_DIR / "var" / "static").mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'yishi.sqlite3'}"),
        # Persistent connections (a new one costs 5-8 ms a request), checked before reuse so a
        # restarted database costs one failed check, not one failed request.
        conn_max_age=int(
            os.environ.get("DATABASE_CONN_MAX_AGE", "0" if DEBUG or TESTING else "60")
        ),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the live server and a worker read while another request writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}
if DATABASES["default"]["ENGINE"] in {
    "django.db.backends.postgresql",
    "django.contrib.gis.db.backends.postgis",
}:
    # Wagtail's database search backend keeps its index in PostgreSQL full-text fields
    # (SearchVectorField, GIN indexes), which need this app: without it migrate stops.
    INSTALLED_APPS.append("django.contrib.postgres")
    # No JIT compilation: on a page's queries it costs more than it saves (measured: 126 ms of
    # compiling for a 200-comment discussion that runs in 2 ms without it).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by several app servers), local memory otherwise.
# allauth's rate limits live in this cache.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis keeps one connection pool and client per process (Django's own
            # backend builds a client for every call: a third slower on a cached page).
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "yishi",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Anonymous visitors' pages are kept this long at most (communities/page_cache.py); any change
# to what pages show empties the cache sooner. Off in development and tests (0), where a page
# must show the database as it is; the page cache's own tests switch it on.
CACHE_MIDDLEWARE_SECONDS = int(
    os.environ.get("PAGE_CACHE_SECONDS", "0" if DEBUG or TESTING else "60")
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's sign-in; permissions come from current memberships alone
    # (communities/roles.py).
    "communities.roles.PasswordBackend",
    "communities.roles.AccountBackend",
]

# Languages: Simplified Chinese is the default and has unprefixed URLs; English lives under /en/.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Media on object storage (S3-compatible: Tencent COS, Aliyun OSS, MinIO…) when several app
# servers share it: `uv sync --locked --group object-storage`, then MEDIA_BUCKET and the
# provider's endpoint; the keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Files stay
# private (signed, expiring links), and the app still hands out the private ones itself.
if os.environ.get("MEDIA_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["MEDIA_BUCKET"],
            "endpoint_url": os.environ.get("MEDIA_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_REGION") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
WHITENOISE_USE_FINDERS = DEBUG or TESTING
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded photos past this are refused (communities.uploads): phones take 12–50 megapixels,
# and a few kilobytes of PNG can claim 100 megapixels that decode to gigabytes.
YISHI_MAX_IMAGE_PIXELS = 40_000_000

# Email: printed to the console in development; SMTP when EMAIL_HOST is given.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 20,
            },
        }
        if EMAIL_HOST
        # Development prints mail readably; production without a mail server keeps Django's
        # console backend, which `check --deploy` refuses (mail.E001).
        else {
            "BACKEND": "config.console_mail.EmailBackend"
            if DEBUG or TESTING
            else "django.core.mail.backends.console.EmailBackend"
        }
    )
}
del EMAIL_HOST
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "议事 Yishi <noreply@yishi.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: run at once in development and tests, stored for `db_worker` in production.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django.tasks.backends.immediate.ImmediateBackend"
            if DEBUG or TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}

# Accounts (django-allauth): a mobile number with a code by SMS, or email with a password;
# either way the account proves the number or the address before it is used.
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "communities:profile"
ACCOUNT_LOGIN_METHODS = {"phone", "email"}
# allauth insists on "email*" while email verification is mandatory; the sign-up form asks for
# a mobile number *or* an email (communities.account_forms), and a phone account's SMS code
# takes the place of the email link (communities.account_adapter.VerifiedAddressStage).
ACCOUNT_SIGNUP_FIELDS = ["phone", "email*", "password1*", "password2*"]
ACCOUNT_FORMS = {
    "signup": "communities.account_forms.SignupForm",
    "login": "communities.account_forms.LoginForm",
    "request_login_code": "communities.account_forms.RequestLoginCodeForm",
    "confirm_login_code": "communities.account_forms.ConfirmLoginCodeForm",
    "verify_phone": "communities.account_forms.VerifyPhoneForm",
    "change_phone": "communities.account_forms.ChangePhoneForm",
}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_USER_DISPLAY = "communities.account_adapter.user_display"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Six digits, ten minutes to type them (a text can be slow, and so can reading glasses), a new
# one on request.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 10 * 60
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
# No "you have no account" mails: otherwise anyone could make the site mail any address.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    # Codes by SMS (the key is the number). Every text also counts against SMS_RATE_LIMITS,
    # which the forms check first so the page says how long to wait.
    "request_login_code": "20/m/ip,3/m/key",
    "verify_phone": "1/30s/key,10/m/ip",
    "change_phone": "1/m/user",
}
# Behind the reverse proxy of docs/deploy.md the client's address is the last one it adds to
# X-Forwarded-For; without this every resident would share the proxy's address in the limits.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ACCOUNT_EMAIL_SUBJECT_PREFIX = "【议事】"
# Emails name the Wagtail site and SITE_URL's host, not the host a request came in on.
ACCOUNT_ADAPTER = "communities.account_adapter.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "议事 Yishi"
# TOTP is available to everyone; community staff and street officers must have it to use the admin.
YISHI_STAFF_REQUIRE_2FA = env_bool("YISHI_STAFF_REQUIRE_2FA", True)

# Text messages (communities.sms): printed to the console in development and tests, Tencent
# Cloud SMS in production. Production refuses to start with the console, where sign-in codes
# would reach nobody, unless SMS_ALLOW_CONSOLE says so (a staging site read from its logs).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
SMS_TENCENT = {
    "secret_id": os.environ.get("TENCENT_SMS_SECRET_ID", ""),
    "secret_key": os.environ.get("TENCENT_SMS_SECRET_KEY", ""),
    "sdk_app_id": os.environ.get("TENCENT_SMS_SDK_APP_ID", ""),
    "sign_name": os.environ.get("TENCENT_SMS_SIGN_NAME", ""),
    "region": os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou"),
    # One approved template per kind of text: its id, filled with the parameters in order.
    "templates": {
        "code": os.environ.get("TENCENT_SMS_TEMPLATE_ID", ""),
        "account_exists": os.environ.get("TENCENT_SMS_TEMPLATE_ID_ACCOUNT_EXISTS", ""),
    },
}
if SMS_BACKEND not in ("console", "tencent"):
    raise ImproperlyConfigured(f"SMS_BACKEND is console or tencent, not {SMS_BACKEND!r}.")
if SMS_BACKEND == "console" and not (DEBUG or TESTING or env_bool("SMS_ALLOW_CONSOLE")):
    raise ImproperlyConfigured(
        "SMS_BACKEND must be set when DEBUG is off (SMS_BACKEND=tencent and its TENCENT_SMS_* "
        "variables, see docs/deploy.md); SMS_ALLOW_CONSOLE=1 keeps the console on purpose."
    )
if SMS_BACKEND == "tencent":
    missing = [
        f"TENCENT_SMS_{name.upper()}"
        for name in ("secret_id", "secret_key", "sdk_app_id", "sign_name")
        if not SMS_TENCENT[name]
    ] + ([] if SMS_TENCENT["templates"]["code"] else ["TENCENT_SMS_TEMPLATE_ID"])
    if missing:
        raise ImproperlyConfigured(f"SMS_BACKEND=tencent needs {', '.join(missing)}.")
    del missing
# Texts per (amount, seconds): a number gets one code a minute and five an hour; one network
# twenty an hour (a community office signing residents up on its Wi-Fi may raise it).
SMS_RATE_LIMITS = {
    "number": [(1, 60), (5, 60 * 60)],
    "ip": [(int(os.environ.get("SMS_PER_NETWORK_PER_HOUR", "20")), 60 * 60)],
}

# Wagtail
WAGTAIL_SITE_NAME = "议事 Yishi"
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False  # allauth's reset does not reveal whether an email exists
# Shared page and document passwords would be a second, unthrottled password check.
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAILDOCS_PRIVATE_DOCUMENT_OPTIONS = {"SHARED_PASSWORD": False}
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "pptx", "txt", "xlsx", "zip", "jpg", "png"]
# Documents go through Wagtail's view, which sends nosniff and a sandboxing CSP; only PDFs
# open in the browser, everything else is a download.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf"]
WAGTAILIMAGES_MAX_IMAGE_PIXELS = YISHI_MAX_IMAGE_PIXELS
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no calls to outside services from the admin
WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS = False

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Content-Security-Policy on every page: scripts and styles only from our own origin, so a
# script injected into a page does not run. Style *attributes* are allowed (the tally bars set
# their length in style="--share: …"; Wagtail's editor sets sizes and positions); they cannot run
# code. Uploaded files get a stricter policy of their own (communities.uploads).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "media-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
# The Wagtail admin: the same, except that its editor and dialogs add <style> elements.
YISHI_ADMIN_CSP = {**SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}
# Features no page uses; an empty list switches a feature off for every origin, ours included.
YISHI_PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "camera",  # photo uploads use the file picker, which this does not affect
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    ]
}
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not (DEBUG or TESTING)

# Production hardening: on whenever DEBUG is off, so `check --deploy` is quiet.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not TESTING)
    SESSION_COOKIE_SECURE = not TESTING
    CSRF_COOKIE_SECURE = not TESTING
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # SAMEORIGIN, not DENY: Wagtail's live preview shows the page in a frame of the admin.
    # Other sites still cannot frame us, so Django's W019 reminder about DENY is silenced.
    X_FRAME_OPTIONS = "SAMEORIGIN"
    # Preloading HSTS is a promise to browser vendors that an operator makes on purpose
    # (SECURE_HSTS_PRELOAD=1), not a default; without it Django's reminder W021 is noise.
    SILENCED_SYSTEM_CHECKS = ["security.W019"]
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Each task logs its start and end at INFO; only failures matter on the console.
    "loggers": {"django.tasks": {"level": "WARNING"}},
}
