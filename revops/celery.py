"""The Celery app: eager in process without a broker, Redis when CELERY_BROKER_URL is set."""

import os
from enum import Enum

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

app = Celery("revops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def route_by_declared_queue(name, args, kwargs, options, task=None, **kw):
    """Send a task to the queue it names with `revops_queue=` (Celery's `queue=` is deprecated)."""
    queue = getattr(task, "revops_queue", None)
    return {"queue": queue} if queue else None


app.conf.task_routes = (route_by_declared_queue,)


class Queue(Enum):
    # Interactive work a user is waiting on (recompute, imports); keep it short.
    DEFAULT = "default"
    # Scheduled and bulk work (nightly scoring, daily distribution, syncs).
    BULK = "bulk"
