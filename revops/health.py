"""`GET /healthz/`: is this web process able to serve? (database and broker, nothing else)

For load balancers, container health checks and uptime monitors: anonymous, cheap, never
cached, and it says nothing beyond "ok" or which dependency failed. 200 when the database
answers `SELECT 1` and the Celery broker accepts a connection (when one is configured; with
no broker, tasks run in process and there is nothing to check); 503 otherwise.
"""

from __future__ import annotations

import structlog
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

logger = structlog.get_logger(__name__)

BROKER_TIMEOUT_SECONDS = 2


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health_database_failed")
        return False


def _broker() -> bool | None:
    """True/False when a broker is configured; None when tasks run in process."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
        return True
    except Exception:
        logger.exception("health_broker_failed")
        return False


@require_GET
def health_view(request):
    database, broker = _database(), _broker()
    checks = {"database": "ok" if database else "failed"}
    checks["broker"] = "in process" if broker is None else ("ok" if broker else "failed")
    healthy = database and broker is not False
    return JsonResponse({"status": "ok" if healthy else "failed", **checks}, status=200 if healthy else 503)
