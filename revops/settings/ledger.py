"""Ledger chain keys: HMAC secrets by key id, and the id new entries are sealed with.

`LEDGER_HMAC_KEYS` is "id:secret,id2:secret2" (or a file via LEDGER_HMAC_KEYS_FILE). To rotate,
add a new id, point LEDGER_HMAC_CURRENT_KEY at it and keep the old one listed: entries verify
under the key id they carry. The default below is for development and tests only; production
settings refuse to start without real keys.
"""

from revops.env import BASE_DIR, env, env_secret

DEV_LEDGER_HMAC_KEYS = "dev:revops-development-ledger-key-not-secret"

LEDGER_HMAC_KEYS = env_secret("LEDGER_HMAC_KEYS", default=DEV_LEDGER_HMAC_KEYS) or ""
LEDGER_HMAC_CURRENT_KEY = env.str("LEDGER_HMAC_CURRENT_KEY", default="dev")

# Signed chain-head statements written at every period close (revops/ledger/heads.py): ship
# this folder somewhere the database's writers cannot reach.
REVOPS_LEDGER_HEADS_DIR = env.str("REVOPS_LEDGER_HEADS_DIR", default=str(BASE_DIR / "var" / "ledger-heads"))
