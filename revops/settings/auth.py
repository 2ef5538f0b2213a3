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
# The public registration form behind a partner's signed link (partners.views.links) is
# limited per client address and per link.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "50/m/ip,50/5m/key",
    "partners_registration_link": env.str("PARTNERS_LINK_RATE_LIMIT", default="10/m/ip,200/h/key"),
}

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
# The client address: REMOTE_ADDR, or behind N trusted proxies that append to X-Forwarded-For,
# the address the outermost one saw (revops.auth.client_ip). Set the count to the number of
# proxies in front of gunicorn (1 behind the TLS proxy the README prescribes); 0 when exposed.
REVOPS_TRUSTED_PROXY_COUNT = env.int("REVOPS_TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "revops.auth.client_ip"

# Accounts are invited: a reset request for an unknown address sends nothing (no mail to strangers).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
