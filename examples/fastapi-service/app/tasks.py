"""Background work run by the Celery worker of the example service."""
from __future__ import annotations

import os

from celery import Celery

celery = Celery(
    "app",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://redis:6379/0"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://redis:6379/1"),
)
celery.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True)


@celery.task(name="app.tasks.index_note")
def index_note(note_id: int, text: str) -> dict[str, int]:
    """Counts the words of a note: stands in for real indexing work."""
    return {"note_id": note_id, "words": len(text.split())}
