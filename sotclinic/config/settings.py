"""sotclinic settings. Every value comes from an environment variable; see README.md for the list."""

from __future__ import annotations

import datetime
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from sotclinic.config.env import SettingError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("SOTCLINIC_DATA_DIR", str(Path.cwd() / "var")))

# "production" switches on HTTPS-only transport (see "Transport and headers" below) and the start-up checks in
# sotclinic/config/checks.py that refuse a development secret key, DEBUG on or an open ALLOWED_HOSTS.
SOTCLINIC_ENV = env_str("SOTCLINIC_ENV", "development").strip().lower()
if SOTCLINIC_ENV not in {"development", "production"}:
    raise SettingError(
        f"SOTCLINIC_ENV={SOTCLINIC_ENV!r} is not an environment (use development or production)"
    )
PRODUCTION = SOTCLINIC_ENV == "production"

DEBUG = env_bool("SOTCLINIC_DEBUG", False)
# The development key is public: production refuses it (sotclinic/config/checks.py) and needs SOTCLINIC_SECRET_KEY.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105 - public on purpose
SECRET_KEY = env_str("SOTCLINIC_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
# Earlier keys, still accepted for what was signed or sealed with them (sessions, links, recovery codes,
# authenticator seeds) while a new SECRET_KEY rolls in.
SECRET_KEY_FALLBACKS = env_list("SOTCLINIC_SECRET_KEY_FALLBACKS", [])
# Production has no default: the start-up check refuses to run until the clinic names its host.
ALLOWED_HOSTS = env_list(
    "SOTCLINIC_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",  # serves the API docs' Swagger UI from our own static files (no CDN, no inline script: CSP-clean)
    "sotclinic.clinic",
    "sotclinic.patients",
    "sotclinic.visits",
    "sotclinic.audit",
    "sotclinic.outcomes",
    "sotclinic.backup",
    "sotclinic.reports",
    "sotclinic.api",
]

MIDDLEWARE = [
    "sotclinic.clinic.middleware.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files end here: cacheable, no no-store
    # Everything below WhiteNoise is a page of the app: never stored, always under the CSP.
    "sotclinic.clinic.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Signed-in sessions end after the clinic's idle time or the absolute lifetime; then, until the second factor is
    # verified, every page (and the API) leads to the verify or enrol step (sotclinic/clinic/authn_middleware.py).
    # Below the header middleware, so that their redirects carry the same headers as any page.
    "sotclinic.clinic.authn_middleware.SessionLimitsMiddleware",
    "sotclinic.clinic.authn_middleware.MfaRequiredMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into the login page's answer
]

ROOT_URLCONF = "sotclinic.config.urls"
WSGI_APPLICATION = "sotclinic.config.wsgi.application"

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
            ],
        },
    },
]


def _database_config() -> dict[str, object]:
    url = env_str("DATABASE_URL", "")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'sotclinic.sqlite3'}"
    config: dict[str, object] = dict(
        dj_database_url.parse(url, conn_max_age=env_int("SOTCLINIC_DB_CONN_MAX_AGE", 0))
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL keeps readers and the writer out of each other's way; IMMEDIATE avoids lock upgrades mid-transaction.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "clinic.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role's own start page (sotclinic/clinic/auth_views.py: home)
LOGOUT_REDIRECT_URL = "login"

# --- Authentication (the flow: sotclinic/clinic/authn.py; the lockout: sotclinic/clinic/lockout.py) ---
# Argon2id for new and changed passwords; older hashes still verify and are re-hashed with Argon2 at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# django-axes counts failed logins per username and address; the first backend refuses a locked-out pair (after
# doing the same password work as a real check), the second checks the password.
AUTHENTICATION_BACKENDS = [
    "sotclinic.clinic.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("SOTCLINIC_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("SOTCLINIC_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A locked-out login gets exactly the answer of a wrong password: the login page with the same message.
AXES_LOCKOUT_CALLABLE = "sotclinic.clinic.lockout.lockout_response"
# Behind N reverse proxies, the client's address is taken from X-Forwarded-For (set SOTCLINIC_PROXY_COUNT=N);
# otherwise every login would seem to come from the proxy and the lockout would be per username only.
_proxy_count = env_int("SOTCLINIC_PROXY_COUNT", 0)
if _proxy_count:
    AXES_IPWARE_PROXY_COUNT = _proxy_count
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
# TOTP second factor (django-otp): the name authenticator apps show beside the username.
OTP_TOTP_ISSUER = env_str("SOTCLINIC_MFA_ISSUER", "sotclinic")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("SOTCLINIC_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env_str("SOTCLINIC_STATIC_ROOT", "") or None  # only for collectstatic in production
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files (our CSS/JS and htmx from the django-htmx package) are served by WhiteNoise straight from the
# installed packages, so the app needs no collectstatic step and no web server in front of it to look right.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Transport and headers (DESIGN.md §4; docs/deploy.md) ---
# In production every request is HTTPS: plain HTTP is redirected, browsers are told (HSTS) never to try HTTP again,
# and cookies are only sent over HTTPS. Behind a TLS-terminating proxy, name the header it sets (and overwrites) for
# the original scheme, e.g. SOTCLINIC_PROXY_SSL_HEADER=X-Forwarded-Proto; its value must then be "https".
SECURE_SSL_REDIRECT = env_bool("SOTCLINIC_SSL_REDIRECT", PRODUCTION)
_proxy_ssl_header = env_str("SOTCLINIC_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = env_int("SOTCLINIC_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SOTCLINIC_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SOTCLINIC_HSTS_PRELOAD", True)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The absolute lifetime of a signed-in session, however active (the idle limit is each clinic's setting).
SESSION_COOKIE_AGE = env_int("SOTCLINIC_SESSION_SECONDS", 8 * 3600)
# Production cookies are always HTTPS-only; SOTCLINIC_SECURE_COOKIES=1 asks for the same on a development server.
SESSION_COOKIE_SECURE = PRODUCTION or env_bool("SOTCLINIC_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms (and htmx posting them) carry the token as a field
CSRF_COOKIE_SAMESITE = "Lax"
# Origins (scheme and host, e.g. https://clinic.example.org) allowed to POST when they differ from the Host header,
# e.g. behind a proxy that rewrites Host.
CSRF_TRUSTED_ORIGINS = env_list("SOTCLINIC_CSRF_TRUSTED_ORIGINS", [])

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# A strict Content-Security-Policy in every mode, so development shows what production will block: only our own
# scripts and style sheets (no inline <script>, style= or on*= attributes anywhere), no plugins, no <base>, forms
# post only to us, and no other site may frame a page. The pelvis diagram is inline SVG with presentation
# attributes, which style-src does not govern; htmx is told not to inject its indicator <style> (base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Sent by sotclinic.clinic.middleware.PermissionsPolicyMiddleware on every response, static files included.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# A clinic's own additions to the SOT knowledge base (indicators, weights, protocols): a TOML file.
SOTCLINIC_KB_OVERRIDE = env_str("SOTCLINIC_KB_OVERRIDE", "") or None

# Questionnaire links go out by e-mail: printed on the console by default, SMTP when SOTCLINIC_EMAIL_HOST is set.
EMAIL_HOST = env_str("SOTCLINIC_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("SOTCLINIC_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("SOTCLINIC_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("SOTCLINIC_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SOTCLINIC_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = env_str("SOTCLINIC_EMAIL_FROM", "sotclinic <no-reply@localhost>")
# A folder of licensed item-text files, never shipped: <clinic slug>/<instrument>.toml for the clinic that holds the
# licence, <instrument>.toml directly in the folder for every clinic (sotclinic/outcomes/services.py, licensed_text).
SOTCLINIC_ITEM_TEXT_DIR = env_str("SOTCLINIC_ITEM_TEXT_DIR", "") or None

# No patient name reaches a log: paths carry only UUIDs, and every handler drops query strings (a search's ?q=,
# a login redirect's ?next=), including the development server's request lines (django.server, redefined here
# as Django defines it, plus the filter).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_query_strings": {"()": "sotclinic.clinic.middleware.RedactQueryStrings"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_query_strings"]},
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_query_strings"],
        },
    },
    "loggers": {"django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": env_str("SOTCLINIC_LOG_LEVEL", "WARNING")},
}
