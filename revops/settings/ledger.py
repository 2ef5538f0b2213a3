"""Ledger chain keys: HMAC secrets by key id, and the id new entries are sealed with.

`LEDGER_HMAC_KEYS` is "id:secret,id2:secret2" (or a file via LEDGER_HMAC_KEYS_FILE). To rotate,
add a new id, point LEDGER_HMAC_CURRENT_KEY at it and keep the old one listed: entries verify
under the key id they carry. The default below is for development and tests only; production
settings refuse to start without real keys.
"""

from revops.env import env, env_secret

DEV_LEDGER_HMAC_KEYS = "dev:revops-development-ledger-key-not-secret"

LEDGER_HMAC_KEYS = env_secret("LEDGER_HMAC_KEYS", default=DEV_LEDGER_HMAC_KEYS) or ""
LEDGER_HMAC_CURRENT_KEY = env.str("LEDGER_HMAC_CURRENT_KEY", default="dev")
