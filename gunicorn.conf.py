"""gunicorn settings (read from the working directory): `gunicorn revops.wsgi`.

Workers, threads and the bind address come from the environment. The `Server` header names
no software (gunicorn would announce itself and its version to every client).
"""

import os

import gunicorn.http.wsgi

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # long work runs as JobRuns, not here
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))  # bounded memory growth
max_requests_jitter = 200
accesslog = "-"
# X-Forwarded-* are believed only from these addresses (the TLS proxy in front).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

gunicorn.http.wsgi.SERVER = "revops"
