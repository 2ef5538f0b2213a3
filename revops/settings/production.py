"""Production: PostgreSQL, Redis, secrets from the environment with no defaults."""

from django.core.exceptions import ImproperlyConfigured

from revops.env import env, env_bool, env_secret
from revops.ledger.chain import parse_keys
from revops.settings.base import *  # noqa: F403
from revops.settings.ledger import DEV_LEDGER_HMAC_KEYS

SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a random value of 50+ characters")
DEBUG = False
LEDGER_HMAC_KEYS = env_secret("LEDGER_HMAC_KEYS") or ""
LEDGER_HMAC_CURRENT_KEY = env.str("LEDGER_HMAC_CURRENT_KEY", default="")
if not LEDGER_HMAC_KEYS or LEDGER_HMAC_KEYS == DEV_LEDGER_HMAC_KEYS or not LEDGER_HMAC_CURRENT_KEY:
    raise ImproperlyConfigured("LEDGER_HMAC_KEYS and LEDGER_HMAC_CURRENT_KEY must be set (ledger chain keys)")
if any(len(secret) < 32 for secret in parse_keys(LEDGER_HMAC_KEYS).values()):
    raise ImproperlyConfigured("every LEDGER_HMAC_KEYS secret must be 32+ characters")
if LEDGER_HMAC_CURRENT_KEY not in parse_keys(LEDGER_HMAC_KEYS):
    raise ImproperlyConfigured("LEDGER_HMAC_CURRENT_KEY must name a key listed in LEDGER_HMAC_KEYS")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the public host names")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
# One cache for every worker: sign-in and API rate limits must count across processes.
CACHES = {"default": env.cache("CACHE_URL", default=env.str("REDIS_URL", default="redis://127.0.0.1:6379/1"))}
if CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")):
    raise ImproperlyConfigured("CACHE_URL must name a shared cache (Redis): rate limits count across workers")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # load balancers check over plain HTTP inside the network
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# __Host- cookies: HTTPS only, for this exact host, path / (no sub-domain can set or read them).
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
X_FRAME_OPTIONS = "DENY"
