"""The example service: a small notes API with a health check and a background task."""
from __future__ import annotations

import itertools
import os
import threading

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel

app = FastAPI(title="fastapi-service")

_lock = threading.Lock()
_ids = itertools.count(1)
_notes: dict[int, str] = {}


class NoteIn(BaseModel):
    text: str


class Note(NoteIn):
    id: int


@app.get("/health")
def health() -> dict[str, str]:
    """Ready when the process can answer: the container's and the proxy's probes call this."""
    return {"status": "ok"}


@app.get("/notes/{note_id}", response_model=Note)
def get_note(note_id: int) -> Note:
    with _lock:
        if note_id not in _notes:
            raise HTTPException(status_code=404, detail="note not found")
        return Note(id=note_id, text=_notes[note_id])


@app.post("/notes", response_model=Note, status_code=201)
def create_note(note: NoteIn) -> Note:
    with _lock:
        note_id = next(_ids)
        _notes[note_id] = note.text
    return Note(id=note_id, text=note.text)


@app.get("/whoami")
def whoami(request: Request) -> dict[str, object]:
    """What the app sees of the client and of itself: used to check forwarding headers and the process user."""
    return {
        "client": request.client.host if request.client else None,
        "scheme": request.url.scheme,
        "headers": {k: v for k, v in request.headers.items() if k.startswith("x-")},
        "uid": os.getuid(),
        "pid": os.getpid(),
    }


@app.post("/notes/{note_id}/index", status_code=202)
def index_note(note_id: int) -> dict[str, str]:
    """Hands the note to the Celery worker."""
    from app.tasks import index_note as task

    with _lock:
        if note_id not in _notes:
            raise HTTPException(status_code=404, detail="note not found")
        text = _notes[note_id]
    result = task.delay(note_id, text)
    return {"task_id": result.id}
