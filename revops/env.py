"""The one `environ.Env` every settings module reads from."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_ENV_FILE = BASE_DIR / ".env"
if _ENV_FILE.exists():
    env.read_env(str(_ENV_FILE))


def env_secret(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the file named by NAME_FILE (Docker secrets)."""
    file_var = f"{name}_FILE"
    path = env.str(file_var, default="")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{file_var} points at an unreadable file: {exc}") from exc
    return env.str(name, default=default)


def env_bool(name: str, default: bool) -> bool:
    """Parse a boolean strictly: a typo must fail loudly, not silently become False."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")
