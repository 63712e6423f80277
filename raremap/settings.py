"""RareMap settings: the one settings module, fed by environment variables.

Every variable is documented in docs/configuration.md. Defaults are safe: DEBUG is off unless
set, and without SECRET_KEY the site refuses to boot (the local `bin/serve` script generates one
and keeps it in the data directory).
"""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env_str("RAREMAP_DATA_DIR", str(BASE_DIR / "var"))).resolve()

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production needs a secret key; `bin/serve` makes one for a "
        "local site and keeps it in the data directory."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
# The site's public origin, for the absolute URLs search engines are given (canonical and
# hreflang links, structured data, robots.txt, sitemaps). Never taken from the request's Host
# header: a cached page or sitemap would carry whatever host its first visitor sent.
SITE_URL = env_str("RAREMAP_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?", SITE_URL):
    raise ImproperlyConfigured(
        f"RAREMAP_SITE_URL must be an origin such as https://raremap.example.org, got {SITE_URL!r}"
    )
# Served over HTTPS (production): secure, __Host- prefixed cookies, HSTS and redirects.
# `bin/serve` sets RAREMAP_HTTPS=0 for the plain-HTTP local site on 127.0.0.1.
HTTPS = env_bool("RAREMAP_HTTPS", True)
# Behind our own reverse proxy: trust its X-Forwarded-Proto and the last X-Forwarded-For hop.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)

INSTALLED_APPS = [
    # Django's admin, logged in through the site's log-in with a second factor.
    "raremap.accounts.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "js_lib_htmx",
    "ninja",  # its bundled Swagger UI files: the API docs page loads nothing from a CDN
    "raremap.core",
    "raremap.accounts",
    "raremap.catalog",
    "raremap.communities",
    "raremap.questions",
    "raremap.treatments",
    "raremap.connections",
    "raremap.atlas",
    "raremap.moderation",
    "raremap.api",
    "raremap.privacy",
    "django_tasks",
    "django_tasks_db",
    # Two-factor log-in: authenticator apps (TOTP) and single-use recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    # Security first: the HTTPS redirect, then static files, then cached anonymous pages
    # (which check the Host header before they answer: raremap.core.middleware).
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A cached anonymous page is answered here; it was stored with every header the
    # middleware below added (CSP, X-Frame-Options).
    "raremap.core.middleware.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "raremap.accounts.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff and moderators are logged out after STAFF_IDLE_SECONDS without a request.
    "raremap.accounts.middleware.StaffIdleMiddleware",
    # A member who has not agreed to the privacy notice in force is asked to, first.
    "raremap.accounts.middleware.ConsentMiddleware",
    # The language a member reads pages in is the language of their emails.
    "raremap.accounts.middleware.MemberLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "raremap.core.middleware.PrivatePageMiddleware",
    "raremap.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "raremap.urls"
WSGI_APPLICATION = "raremap.wsgi.application"

TEMPLATES = [
    {
        # Our pages: Jinja2 renders a page several times faster than the Django template
        # language, and template rendering dominates page time (docs/architecture.md).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "raremap.core.jinja2.environment",
            "context_processors": [
                "raremap.core.jinja2.language",
                "raremap.accounts.context.nav",
                "raremap.privacy.context.data_exports",
            ],
        },
    },
    {
        # The admin and Django's form widgets.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]
FORM_RENDERER = "django.forms.renderers.DjangoTemplates"

# Databases: PostgreSQL through DATABASE_URL, else an embedded SQLite file.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 600), conn_health_checks=True
        )
    }
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DB_CONNECT_TIMEOUT", 5
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "raremap.sqlite3",
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE avoids
                # "database is locked" upgrades in concurrent write transactions.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            # Opening SQLite and running the pragmas cost ~1.2 ms a request: keep it open.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 600),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
# One cache that every process shares: what two processes must agree on (kept pages, counts
# that services forget, map snapshots) lives here, never in a process's own memory
# (docs/architecture.md, "Caching"). Redis when REDIS_URL is set (several app nodes); else files
# in the data directory, which every process of this machine sees (bin/serve runs several).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "raremap.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "raremap",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            # Measured against Django's database cache on the site's SQLite file: a read of a
            # kept question page costs about the same, but every write of the database cache
            # takes SQLite's one write lock (and counts the table), so a busy cache would make
            # members' writes wait (docs/architecture.md, "Caching").
            "BACKEND": "raremap.core.cache.FileCache",
            "LOCATION": env_str("RAREMAP_CACHE_DIR", str(DATA_DIR / "cache")),
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20_000)},
        }
    }

# Sessions live in the database only: a cache outage must not log anyone out or break log-in.
# Database sessions read with their member and the moderator flag in one statement.
SESSION_ENGINE = "raremap.accounts.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14  # absolute limit: two weeks
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # no form or API body needs more than 1 MB

# One strict policy for every response: no inline script or style, nothing from elsewhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "catalog:home"
LOGOUT_REDIRECT_URL = "catalog:home"
# Argon2id with OWASP's parameters (raremap/accounts/hashers.py); PBKDF2 hashes of earlier
# versions still verify and are upgraded at the next log-in.
PASSWORD_HASHERS = [
    "raremap.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # reset links live one hour (Django's default is 3 days)
# Staff and moderators (who can read members' private data) are logged out after this long
# without a request; the time of their last request is kept in their (database) session.
STAFF_IDLE_SECONDS = env_int("STAFF_IDLE_SECONDS", 30 * 60)
if STAFF_IDLE_SECONDS < 60:
    raise ImproperlyConfigured("STAFF_IDLE_SECONDS must be at least 60")
# Two-factor log-in (django-otp): the name authenticator apps show; device secrets are not
# shown in the admin.
OTP_TOTP_ISSUER = "RareMap"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "RareMap <noreply@localhost>")

LANGUAGE_CODE = "en"
# The interface's languages (raremap/locale/<code>/): English, then the others by name.
LANGUAGES = [
    ("en", _("English")),
    ("cs", _("Czech")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("it", _("Italian")),
    ("pt", _("Portuguese")),
]
LOCALE_PATHS = [BASE_DIR / "raremap" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    # SQL with its parameters (logged at DEBUG when DEBUG is on) would carry private messages
    # and health data into the logs: never below INFO, whatever LOG_LEVEL says.
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# RareMap's own knobs.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
SEARCH_MAX_RESULTS = 50
# URLs per sitemap. The protocol allows 50,000 URLs and 50 MB; with eight hreflang alternates
# each, 50,000 of our URLs made up to 65 MB (docs/seo.md), 20,000 at most 27 MB. Tests set it
# small.
SITEMAP_LIMIT = 20_000

# Background work (the "what members say" digest, notifications): django-tasks. "database"
# queues in the database and `raremap worker` runs them (bin/serve starts one);
# "immediate" runs a task when it is enqueued (tests, and sites that want no worker).
TASKS_MODE = env_str("RAREMAP_TASKS", "database")
if TASKS_MODE not in ("database", "immediate"):
    raise ImproperlyConfigured("RAREMAP_TASKS must be 'database' or 'immediate'")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASKS_MODE == "database"
        else "django_tasks.backends.immediate.ImmediateBackend",
        "ENQUEUE_ON_COMMIT": True,
    }
}
# A task still RUNNING this long after a worker claimed it is taken to have lost its worker
# (killed, out of memory, machine gone) and is queued again (raremap/core/tasks.py). Longer
# than any task runs: one that outlives it while its worker lives may run twice.
TASK_STUCK_SECONDS = env_int("TASK_STUCK_SECONDS", 600)
if TASK_STUCK_SECONDS < 1:
    raise ImproperlyConfigured("TASK_STUCK_SECONDS must be at least 1")

# Questions and answers. The "what members say" digest of a question is recomputed this long
# after an answer changes, once for every answer written meanwhile (with the database task
# backend; at once with the immediate one).
DIGEST_DELAY_SECONDS = env_int("DIGEST_DELAY_SECONDS", 30)
ANSWER_MAX_LENGTH = 10_000
# Members below this reputation with fewer published answers than NEW_MEMBER_ANSWERS are
# "new": at most NEW_MEMBER_LINKS links per text (spam sandbox).
NEW_MEMBER_ANSWERS = env_int("NEW_MEMBER_ANSWERS", 2)
NEW_MEMBER_LINKS = env_int("NEW_MEMBER_LINKS", 2)
# Notification emails (a daily digest of new answers to followed questions): off by default.
NOTIFICATION_EMAILS = env_bool("NOTIFICATION_EMAILS", False)

# Treatment evidence: statistics are shown only from this many reports on (pages, API, export).
TREATMENT_MIN_REPORTS = env_int("TREATMENT_MIN_REPORTS", 5)

# The map: a pin or a count is shown only where at least MAP_K opted-in members share the cell
# (docs/map.md); a member may change their place once every MAP_PLACE_CHANGE_DAYS days.
MAP_K = env_int("MAP_K", 5)
MAP_PLACE_CHANGE_DAYS = env_int("MAP_PLACE_CHANGE_DAYS", 7)
# Only established entries count toward k: at their place for this many days (a move or a
# rejoin starts again), so accounts made to fill a cell reveal no one for that long.
MAP_ESTABLISHED_DAYS = env_int("MAP_ESTABLISHED_DAYS", 14)

# Data rights (docs/privacy.md): a member's data export with at most this many rows in its
# biggest sections is built while they wait; a bigger one is prepared by a task, and its link
# works for DATA_EXPORT_DAYS days.
DATA_EXPORT_INLINE_ROWS = env_int("DATA_EXPORT_INLINE_ROWS", 2000)
DATA_EXPORT_DAYS = env_int("DATA_EXPORT_DAYS", 7)
