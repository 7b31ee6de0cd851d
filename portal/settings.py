"""Settings for Portal do Parceiro, in one file, driven by environment variables.

Defaults are safe for production (DEBUG off, secure cookies when HTTPS is on); `make run`
sets DEBUG=true for local use. Every variable is documented in docs/operations.md.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from portal.devkeys import development_secret

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"  # noqa: S105


def fernet_keys(name: str, development_file: str) -> str:
    """One or more comma-separated Fernet keys from `name` (the first encrypts, any of them
    decrypts); required when DEBUG is off, made once under var/ in development."""
    value = os.environ.get(name, "")
    if not value:
        if not DEBUG:
            raise ImproperlyConfigured(f"{name} must be set when DEBUG is off.")
        value = development_secret(
            BASE_DIR / "var" / development_file, lambda: Fernet.generate_key().decode()
        )
    try:
        [Fernet(key.strip()) for key in value.split(",")]
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be one or more comma-separated Fernet keys "
            "(32 url-safe base64-encoded bytes each)."
        ) from None
    return value


# Digital certificates (A1 PKCS#12 files and their passwords) are stored encrypted with this
# key (clients.certificates).
CERTIFICATE_ENCRYPTION_KEY = fernet_keys("CERTIFICATE_ENCRYPTION_KEY", "certificate-encryption.key")
# A PKCS#12 file names its own key-derivation iteration counts; one whose counts add up to more
# than this is refused before any derivation runs (clients.pkcs12_cost; real A1 files ask for
# 6,000 to 200,000: docs/security.md).
CERTIFICATE_MAX_KDF_ITERATIONS = envint("CERTIFICATE_MAX_KDF_ITERATIONS", 300_000)
# The partner users' TOTP secrets (two-factor sign-in, accounts.models.TOTPDevice).
TWO_FACTOR_ENCRYPTION_KEY = fernet_keys("TWO_FACTOR_ENCRYPTION_KEY", "two-factor-encryption.key")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, on a site that asks the staff for two-factor sign-in (accounts.admin_site).
    "accounts.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "crispy_forms",
    "crispy_bootstrap5",
    "localflavor",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_tasks_db",
    "partners",
    "jobs",
    "clients",
    "licenses",
    "accounts",
    "portal",
]

MIDDLEWARE = [
    "portal.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads the body: a body over its view's limit is a 413.
    "portal.uploads.BodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Responses to a signed-in user: Cache-Control: no-store.
    "portal.private.NoStoreWhenSignedInMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The signed-in session's record (Minha conta's list; ended sessions stay ended).
    "accounts.sessions.SessionRecordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The partner and its role (the role's pages), then the team's two-factor requirement.
    "partners.middleware.PartnerMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "partners.context_processors.role",
            ],
        },
    },
]

# SQLite file by default; DATABASE_URL=postgres://... switches to PostgreSQL (psycopg 3).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # A database that vanishes without closing the connection (a failover, a dropped NAT
    # entry) is noticed within a minute, not after TCP's quarter of an hour.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3
    )
    # Behind a pooler in transaction mode (PgBouncer's usual setting), each transaction may run
    # on another server connection: no server-side cursor may outlive its transaction (Django
    # then fetches whole results; the exports read in keyset chunks instead,
    # clients.transfer.exporting),
    # and no statement may be prepared for later use on "its" connection.
    if os.environ.get("DATABASE_POOLER", "") == "transaction":
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
    elif os.environ.get("DATABASE_POOLER", ""):
        raise ImproperlyConfigured("DATABASE_POOLER aceita apenas 'transaction' (ou vazio).")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The covering index on (partner, expires_on) INCLUDEs the status flags on PostgreSQL;
# SQLite ignores INCLUDE, which is fine for the embedded default.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Argon2id first, Django's recommended hasher: less CPU per sign-in than PBKDF2 here, with a
# wider margin against guessing (memory-hard; docs/deploy.md has the figures). Hashes of the
# other hashers still verify, and are made again with Argon2 at the user's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out user is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # A user name or an e-mail address (of one user only) with its password.
    "accounts.backends.UsernameOrEmailBackend",
]
# Request bodies: form fields up to DATA_UPLOAD_MAX_MEMORY_SIZE (Django's check), and any
# body, files included, up to MAX_REQUEST_BODY_SIZE unless its view allows less (the
# certificate upload: 1 MB and its form), refused by its Content-Length before it is read
# (portal.uploads). The reverse proxy should cap bodies as well (docs/security.md).
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
MAX_REQUEST_BODY_SIZE = envint("MAX_REQUEST_BODY_SIZE", 3 * 1024 * 1024)

# Sign-in throttling (django-axes, accounts.lockout): failures count against the account the
# typed name or e-mail stands for (any letter case) and against the client address. After
# AXES_FAILURE_LIMIT failures against one account (from anywhere), or
# SIGN_IN_ADDRESS_FAILURE_LIMIT from one address (against any accounts), that account or
# address is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
SIGN_IN_ADDRESS_FAILURE_LIMIT = envint("SIGN_IN_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "accounts.lockout.SignInLockoutHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "portal.net.client_ip"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
# How many reverse proxies stand in front of the app (they append to X-Forwarded-For): 1 behind
# deploy/nginx alone, 2 with a load balancer before it. Too low, every client has the proxy's
# address; too high, a client can write its own (`check --deploy` warns about 0 behind a proxy).
PROXY_COUNT = envint("PROXY_COUNT", 0)

# Password reset (Django's views and tokens, accounts.views): the e-mailed link works once and
# for PASSWORD_RESET_TIMEOUT seconds; requests are limited per e-mail address and per client
# address in the shared cache, over PASSWORD_RESET_WINDOW seconds.
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", 60 * 60)
PASSWORD_RESET_MAX_PER_EMAIL = envint("PASSWORD_RESET_MAX_PER_EMAIL", 3)
PASSWORD_RESET_MAX_PER_ADDRESS = envint("PASSWORD_RESET_MAX_PER_ADDRESS", 10)
PASSWORD_RESET_WINDOW = envint("PASSWORD_RESET_WINDOW", 60 * 60)
# Team invitations (accounts): the e-mailed link works once, for this many hours.
INVITATION_VALID_HOURS = envint("INVITATION_VALID_HOURS", 72)
# Attempts to create the account through one invitation's link, per hour.
INVITATION_MAX_ATTEMPTS = envint("INVITATION_MAX_ATTEMPTS", 20)
# A new e-mail address of an account counts once its owner opens the link e-mailed to it,
# within EMAIL_CHANGE_VALID_HOURS; the old address is told, and may report the change within
# EMAIL_CHANGE_REPORT_DAYS (accounts.services).
EMAIL_CHANGE_VALID_HOURS = envint("EMAIL_CHANGE_VALID_HOURS", 24)
EMAIL_CHANGE_REPORT_DAYS = envint("EMAIL_CHANGE_REPORT_DAYS", 7)
EMAIL_CHANGE_MAX_PER_HOUR = envint("EMAIL_CHANGE_MAX_PER_HOUR", 5)
# Turning two-factor sign-in on or off, new recovery codes, a new password or e-mail address
# need the password (and a code, with two-factor sign-in on) given at most this long ago
# (accounts.sudo).
SUDO_SECONDS = envint("SUDO_SECONDS", 10 * 60)
# The vendor's staff use the admin (/admin/) only with two-factor sign-in: those without it set
# it up at their next sign-in. Off, a staff user without it gets in with the password (the
# demo of `make run`); one with it still gives the code.
STAFF_REQUIRE_TWO_FACTOR = envbool("STAFF_REQUIRE_TWO_FACTOR", not DEBUG)
# The name authenticator apps show beside the account (two-factor sign-in).
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Portal do Parceiro")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "pt-br"
# What Django 6.1 and django-axes leave untranslated, and months in lower case (locale/).
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGES = [("pt-br", "Português (Brasil)")]
TIME_ZONE = "America/Sao_Paulo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = envbool("WHITENOISE_USE_FINDERS", DEBUG)

# The cache is shared by every app process (the API's failed-activation counts live there):
# Redis when REDIS_URL is set, otherwise a table in the database (created by a migration of
# the licenses app, so no manual step is needed).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

# The API the customers' software calls (licenses.api). The Ed25519 key that signs the
# license tokens: PEM or base64 of the 32 raw bytes; required when DEBUG is off (in DEBUG a
# development key is generated once under var/, which git ignores).
LICENSE_SIGNING_KEY = os.environ.get("LICENSE_SIGNING_KEY", "")
# Failed activations from one address allowed per window before the API answers 429.
API_ACTIVATION_MAX_FAILURES = envint("API_ACTIVATION_MAX_FAILURES", 10)
API_ACTIVATION_FAILURE_WINDOW = envint("API_ACTIVATION_FAILURE_WINDOW", 15 * 60)
# A check-in writes the installation's time of contact only when the one stored is older than
# this (licenses.activation): a fleet checking in every minute writes the database once in five.
CHECK_IN_CONTACT_SECONDS = envint("CHECK_IN_CONTACT_SECONDS", 300)
# Liberar dispositivo: how many times a client's device may be released per calendar month
# (local month, America/Sao_Paulo; clients.services.devices).
DEVICE_RELEASES_PER_MONTH = envint("DEVICE_RELEASES_PER_MONTH", 2)

# Long work off the request (jobs): Django's Tasks framework with django-tasks-db's database
# backend — no new server; `manage.py db_worker` runs the tasks (make run starts one beside
# the web server; docs/operations.md). Each job's own row keeps its state and a heartbeat,
# written every JOB_HEARTBEAT_SECONDS while it runs; a running job without one for
# JOB_STALE_SECONDS had its worker die and is shown as failed (jobs.running).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", 2))
JOB_STALE_SECONDS = envint("JOB_STALE_SECONDS", 60)
# A list export of up to this many clients streams in the request; a larger one is a job.
EXPORT_STREAM_MAX_ROWS = envint("EXPORT_STREAM_MAX_ROWS", 20_000)
# The largest file Importar clientes takes (bytes).
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 20 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

# E-mail: the console by default; EMAIL_HOST=... switches to SMTP (Django 6.1 MAILERS).
if os.environ.get("EMAIL_HOST"):
    _mailer = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ["EMAIL_HOST"],
            "port": envint("EMAIL_PORT", 587 if envbool("EMAIL_USE_TLS") else 25),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": envbool("EMAIL_USE_TLS"),
            "timeout": envint("EMAIL_TIMEOUT", 20),
        },
    }
else:
    _mailer = {"BACKEND": "portal.mail.ReadableConsoleBackend"}
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Portal do Parceiro <portal@localhost>")

# Security. Cookies are HttpOnly/SameSite always; HTTPS=true (behind a TLS-terminating
# proxy) switches on secure cookies, SSL redirect and HSTS, so `check --deploy` is clean.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
HTTPS = envbool("HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", HTTPS)
if envbool("BEHIND_PROXY", HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Content-Security-Policy (Django's own): no inline scripts or styles anywhere; every script,
# style sheet and font is served from this origin (static/vendor holds Bootstrap and htmx).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],  # Bootstrap draws its icons as data: SVG
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Logs go to standard output, one JSON object per line (LOG_FORMAT=plain for humans).
# Passwords, tokens and certificate contents are never logged (portal/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "portal.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("LOG_FORMAT", "json"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per request comes from portal.request; Django's own would repeat it.
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
