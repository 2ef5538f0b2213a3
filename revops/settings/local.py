"""Local development: the embedded default (SQLite under var/, tasks in process)."""

from revops.env import env_bool
from revops.settings.base import *  # noqa: F403
from revops.settings.base import SECRET_KEY

DEBUG = env_bool("DJANGO_DEBUG", True)
if not SECRET_KEY:
    # Development only; production.py refuses to start without DJANGO_SECRET_KEY.
    SECRET_KEY = "local-development-only-not-secret"
