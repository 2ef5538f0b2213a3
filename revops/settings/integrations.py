"""Optional outside systems; each switches on only when its settings are present."""

from revops.env import env, env_secret

LLM_BASE_URL = env.str("LLM_BASE_URL", default="")
LLM_API_KEY = env_secret("LLM_API_KEY", default="") or ""
LLM_MODEL = env.str("LLM_MODEL", default="")
# Deal analyses reworded after each scoring run: seconds per answer, and deals per run.
FORECAST_REPHRASE_TIMEOUT = env.float("FORECAST_REPHRASE_TIMEOUT", default=15.0)
FORECAST_REPHRASE_LIMIT = env.int("FORECAST_REPHRASE_LIMIT", default=200)

SALESFORCE_INSTANCE_URL = env.str("SALESFORCE_INSTANCE_URL", default="")
SALESFORCE_USERNAME = env.str("SALESFORCE_USERNAME", default="")
SALESFORCE_PASSWORD = env_secret("SALESFORCE_PASSWORD", default="") or ""
SALESFORCE_SECURITY_TOKEN = env_secret("SALESFORCE_SECURITY_TOKEN", default="") or ""
# The Salesforce sync retries a rate limit or a 5xx this many times, waiting BACKOFF, 2×, 4×…
SALESFORCE_SYNC_MAX_RETRIES = env.int("SALESFORCE_SYNC_MAX_RETRIES", default=5)
SALESFORCE_SYNC_BACKOFF_SECONDS = env.float("SALESFORCE_SYNC_BACKOFF_SECONDS", default=2.0)
