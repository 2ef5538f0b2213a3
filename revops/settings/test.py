"""Test settings: fast hasher, locmem cache, tasks eager unless a broker is given."""

from revops.env import env
from revops.settings.base import *  # noqa: F403
from revops.settings.base import VAR_DIR

SECRET_KEY = "test-only-not-secret"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ALLOWED_HOSTS = ["*"]

_test_db = env.str("TEST_DATABASE_URL", default="")
if _test_db:
    DATABASES = {"default": env.db_url_config(_test_db)}
else:
    # In-memory by default (fast, private to one pytest process). Tests that need a second
    # process to see the data (a real Celery worker) set TEST_SQLITE_PATH to a file.
    _sqlite_path = env.str("TEST_SQLITE_PATH", default="")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite_path or str(VAR_DIR / "unused.sqlite3"),
            "TEST": {"NAME": _sqlite_path or None},
            "OPTIONS": {"timeout": 20},
        }
    }
# A ledger defined only in the test suite: it proves the ledger kit's guarantees on its own.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.ledger_kit"]

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# WhiteNoise warns when STATIC_ROOT is missing; tests never run collectstatic.
STATIC_ROOT = str(VAR_DIR / "test-static")
(VAR_DIR / "test-static").mkdir(exist_ok=True)

# Uploads written by tests (the demo's source files among them) stay out of the real media;
# the real-worker tests hand their worker a media root of their own (DJANGO_MEDIA_ROOT).
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "test-media"))

# Many tests post the public registration-link form from one address within a minute; the
# limit itself is tested with a low rate set in the test (tests/partners/test_links.py).
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "partners_registration_link": "1000/m/ip"}
