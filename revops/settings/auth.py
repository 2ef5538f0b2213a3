"""django-allauth (email login, MFA) and django-axes (brute-force lockout)."""

from datetime import timedelta

from revops.env import env

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "revops.auth.AccountAdapter"  # closes self sign-up: users are invited
ACCOUNT_SESSION_REMEMBER = None
# Axes does the lockout; allauth's own failed-login limit is kept looser so axes decides.
ACCOUNT_RATE_LIMITS = {"login_failed": "50/m/ip,50/5m/key"}

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="revops")

# Lock the pair (username, IP): one attacker cannot lock a user out from everywhere,
# and one user cannot hammer from many addresses. The lock lifts after the cool-off.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "revops.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Accounts are invited: a reset request for an unknown address sends nothing (no mail to strangers).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
