"""The Celery app: eager in process without a broker, Redis when CELERY_BROKER_URL is set."""

import os
from enum import Enum

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

app = Celery("revops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class Queue(Enum):
    # Interactive work a user is waiting on (recompute, imports); keep it short.
    DEFAULT = "default"
    # Scheduled and bulk work (nightly scoring, daily distribution, syncs).
    BULK = "bulk"
