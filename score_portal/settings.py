"""Settings for the SCORE Portal.

Every difference between a laptop demo and production comes from the
environment through the one ``env`` below. ``PORTAL_ENV=production`` turns the
secure defaults on and makes the secrets mandatory: a production start-up with
a missing secret stops loudly instead of running on a guessable default.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PORTAL_ENV = env("PORTAL_ENV", default="development")
PRODUCTION = PORTAL_ENV == "production"
if PORTAL_ENV not in {"development", "production"}:
    raise environ.ImproperlyConfigured("PORTAL_ENV must be 'development' or 'production'.")

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
    # localhost too, so the container's own health probe is answered.
    ALLOWED_HOSTS = [*env.list("DJANGO_ALLOWED_HOSTS"), "localhost", "127.0.0.1"]
else:
    SECRET_KEY = env(
        "DJANGO_SECRET_KEY",
        default="development-only-key-not-for-production-0123456789abcdefghijklmnop",
    )
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The address the portal is reached at, used in links inside emails and .ics feeds.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "score_portal",
    "enterprises",
    "modules",
    "consultants",
    "pilots",
    "reports",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "simple_history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "score_portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Inside the session middleware: marks a signed-in session for saving when it is due.
    "score_portal.middleware.SessionRenewalMiddleware",
    # After authentication: a signed-in user's saved language wins over the cookie.
    "score_portal.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After allauth: administrators without a second factor are sent to set one up (when required).
    "score_portal.middleware.AdministratorMFAMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "score_portal.urls"
WSGI_APPLICATION = "score_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "score_portal.context_processors.navigation",
            ],
        },
    },
]

# Django's renderer, with the commonest widgets written out in Python (same HTML, a fraction of the time).
FORM_RENDERER = "score_portal.form_renderer.FastWidgetRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis carries the broker and the cache when it is configured; without it the
# portal runs on Celery's filesystem transport and a local-memory cache, so a
# fresh laptop needs no server at all.
REDIS_URL = env("REDIS_URL", default="") if not PRODUCTION else env("REDIS_URL")
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "score_portal.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="score"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "score_portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email login, no open sign-up (administrators invite people),
# login rate limits left at allauth's defaults, which are on.
ACCOUNT_ADAPTER = "score_portal.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[SCORE] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"

# Two-factor sign-in (allauth's MFA): an authenticator app (TOTP) with recovery codes, optional
# for everyone. PORTAL_ADMIN_MFA makes it required for administrators: on by default in production,
# off for the demo (`make run`), whose demo logins have no authenticator.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", default="SCORE Portal")
PORTAL_ADMIN_MFA = env.bool("PORTAL_ADMIN_MFA", default=PRODUCTION)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"  # never served directly: files go through access-checked views
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Email: the console by default, any SMTP server from EMAIL_URL
# (e.g. smtp+tls://user:password@smtp.example.org:587).
EMAIL_URL = env("EMAIL_URL", default="consolemail://")
vars().update(env.email_url_config(EMAIL_URL))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SCORE Portal <noreply@score.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if REDIS_URL:
    CELERY_RESULT_BACKEND = REDIS_URL
    # A stopped Redis must not hold a web request: connecting gives up after two seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery' / 'results'}"
    # The filesystem transport and backend expect their folders to exist.
    for _folder in ("queue", "control", "processed", "results"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 60 * 60 * 24
# Tasks write what they did to the database (report jobs, notices); nothing waits on a result, so
# queuing one touches only the broker. Publishing retries briefly, then the caller is told.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Reports: files are kept REPORT_RETENTION_DAYS; the asker is emailed when one took longer
# than REPORT_EMAIL_AFTER_SECONDS; a job is tried REPORT_MAX_ATTEMPTS times before it fails.
REPORT_RETENTION_DAYS = env.int("REPORT_RETENTION_DAYS", default=30)
REPORT_EMAIL_AFTER_SECONDS = env.int("REPORT_EMAIL_AFTER_SECONDS", default=30)
REPORT_MAX_ATTEMPTS = 3
REPORT_REQUEUE_AFTER_SECONDS = 600
# Periodic work, declared here so one beat process runs all of it.
CELERY_BEAT_SCHEDULE = {
    "pilot-report-reminders": {"task": "pilots.tasks.send_pilot_report_reminders", "schedule": 60 * 60 * 6},
    "report-jobs-stale": {"task": "reports.tasks.fail_stale_jobs", "schedule": 60 * 5},
    "report-files-retention": {"task": "reports.tasks.delete_expired_reports", "schedule": 60 * 60 * 24},
}

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
# Renewed while used (score_portal.middleware.SessionRenewalMiddleware), so SESSION_COOKIE_AGE is
# an idle timeout, not a working-day limit.
SESSION_RENEW_AFTER = 60  # seconds: a session is written again at most this often
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # probes inside the private network speak plain HTTP
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
