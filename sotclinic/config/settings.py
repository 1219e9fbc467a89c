"""sotclinic settings. Every value comes from an environment variable; see README.md for the list."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from sotclinic.config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("SOTCLINIC_DATA_DIR", str(Path.cwd() / "var")))

DEBUG = env_bool("SOTCLINIC_DEBUG", False)
# The development key is only usable with DEBUG on or in tests; production must set SOTCLINIC_SECRET_KEY.
SECRET_KEY = env_str("SOTCLINIC_SECRET_KEY", "insecure-development-key-change-me")
ALLOWED_HOSTS = env_list("SOTCLINIC_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "sotclinic.clinic",
    "sotclinic.patients",
    "sotclinic.visits",
    "sotclinic.audit",
    "sotclinic.outcomes",
    "sotclinic.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sotclinic.clinic.middleware.NoStoreMiddleware",
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
LOGIN_REDIRECT_URL = "patients:list"
LOGOUT_REDIRECT_URL = "login"

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

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SOTCLINIC_SESSION_SECONDS", 8 * 3600)
SESSION_COOKIE_SECURE = env_bool("SOTCLINIC_SECURE_COOKIES", not DEBUG and env_bool("SOTCLINIC_HTTPS", False))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# A clinic's own additions to the SOT knowledge base (indicators, weights, protocols): a TOML file.
SOTCLINIC_KB_OVERRIDE = env_str("SOTCLINIC_KB_OVERRIDE", "") or None

# Questionnaire links go out by e-mail: printed on the console by default, SMTP when SOTCLINIC_EMAIL_HOST is set.
EMAIL_HOST = env_str("SOTCLINIC_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("SOTCLINIC_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("SOTCLINIC_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("SOTCLINIC_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SOTCLINIC_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = env_str("SOTCLINIC_EMAIL_FROM", "sotclinic <no-reply@localhost>")
# A folder of licensed item-text files (<instrument>.toml) the clinic holds a licence for; never shipped.
SOTCLINIC_ITEM_TEXT_DIR = env_str("SOTCLINIC_ITEM_TEXT_DIR", "") or None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SOTCLINIC_LOG_LEVEL", "WARNING")},
}
