"""E-mail: printed to the console unless EMAIL_URL names an SMTP server."""

from revops.env import env

_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="revops <noreply@revops.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
