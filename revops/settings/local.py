"""Local development: the embedded default (SQLite under var/, tasks in process)."""

from revops.env import env_bool
from revops.settings.base import *  # noqa: F403
from revops.settings.base import SECRET_KEY, STORAGES

DEBUG = env_bool("DJANGO_DEBUG", True)
if not SECRET_KEY:
    # Development only; production.py refuses to start without DJANGO_SECRET_KEY.
    SECRET_KEY = "local-development-only-not-secret"

# Serve static files as production does: collected by `make run`, gzip/brotli-compressed by
# WhiteNoise and cached by the browser (the plotly bundle is 4.8 MB raw, about 1.4 MB gzipped).
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
# Ten minutes: long enough that page loads reuse the bundle, short enough that a changed
# stylesheet (after `make static`) shows up without a hard reload.
WHITENOISE_MAX_AGE = 600

# Tasks run in process here: one INFO line per finished task would bury the server's output
# (seeding the demo runs hundreds of ledger alignments).
LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
