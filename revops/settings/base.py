"""Settings shared by every environment; each value comes from the environment."""

from revops.env import BASE_DIR, env, env_bool, env_secret

VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

SECRET_KEY = env_secret("DJANGO_SECRET_KEY", default="")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "revops.admin_apps.RevopsAdminConfig",  # django.contrib.admin served by revops' admin site
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
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "import_export",
    "django_celery_beat",
    "revops",
    "attribution",
    "attribution.marketing",
    "commissions",
    "forecasting",
    "distribution",
    "partners",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # CSP, Permissions-Policy, Cache-Control: no-store (revops/security_headers.py).
    "revops.security_headers.SecurityHeadersMiddleware",
    # Before sessions and auth: a PUT to a page is refused without touching the database.
    "revops.permissions.FormMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # API writes with an Idempotency-Key run once (revops/api/idempotency.py).
    "revops.api.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "revops.tenancy.OrganizationMiddleware",
    "revops.permissions.AdminAccessMiddleware",
    "revops.permissions.PortalBoundaryMiddleware",
    # Axes last: it turns a lockout raised during authentication into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "revops.urls"
WSGI_APPLICATION = "revops.wsgi.application"
ASGI_APPLICATION = "revops.asgi.application"

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
                "revops.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'revops.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a task writes in the embedded setup.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;"
    )
    # Covering-index columns and NULLS NOT DISTINCT are PostgreSQL features two models ask for;
    # SQLite builds the index without the extra columns and skips the watermark constraint (the
    # sync writes watermarks with update_or_create), so the embedded setup does not greet every
    # command with these two warnings. PostgreSQL, the production database, has both.
    SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://revops")}

AUTH_USER_MODEL = "revops.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
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
LOGIN_REDIRECT_URL = "revops:home"
LOGOUT_REDIRECT_URL = "account_login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# plotly.js ships inside the plotly package; it is served from there (no CDN) as static/plotly/.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "revops.staticfinders.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag, not the cookie
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

REVOPS_DEMO_PASSWORD = "revops-demo"
# Largest file an import takes (page, API, admin, command), in megabytes: a million sales rows
# in CSV are about 80 MB.
REVOPS_IMPORT_MAX_MB = env.int("REVOPS_IMPORT_MAX_MB", default=200)
# Days finance has to settle a commission dispute before the disputes page marks it overdue.
REVOPS_COMMISSION_DISPUTE_SLA_DAYS = env.int("REVOPS_COMMISSION_DISPUTE_SLA_DAYS", default=10)

from revops.settings.api import *  # noqa: E402,F403
from revops.settings.auth import *  # noqa: E402,F403
from revops.settings.celery import *  # noqa: E402,F403
from revops.settings.email import *  # noqa: E402,F403
from revops.settings.integrations import *  # noqa: E402,F403
from revops.settings.ledger import *  # noqa: E402,F403
from revops.settings.logging import *  # noqa: E402,F403
