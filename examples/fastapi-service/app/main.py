"""The example service: a small notes API in PostgreSQL, with a health check and a background task."""
from __future__ import annotations

import os

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel

from app import db

app = FastAPI(title="fastapi-service")


class NoteIn(BaseModel):
    text: str


class Note(NoteIn):
    id: int


@app.get("/health")
def health() -> dict[str, str]:
    """Alive when the process can answer: the container's and the proxy's probes call this. It does not touch the
    database, so a database outage does not get every app container restarted."""
    return {"status": "ok"}


@app.get("/notes/{note_id}", response_model=Note)
def get_note(note_id: int) -> Note:
    text = db.note_text(note_id)
    if text is None:
        raise HTTPException(status_code=404, detail="note not found")
    return Note(id=note_id, text=text)


@app.post("/notes", response_model=Note, status_code=201)
def create_note(note: NoteIn) -> Note:
    return Note(id=db.create_note(note.text), text=note.text)


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

    text = db.note_text(note_id)
    if text is None:
        raise HTTPException(status_code=404, detail="note not found")
    result = task.delay(note_id, text)
    return {"task_id": result.id}
