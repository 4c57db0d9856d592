"""A tiny upload service: it writes only to /app/uploads, the one writable path its image declares."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from fastapi import FastAPI, Request

UPLOADS = Path(os.environ.get("UPLOAD_DIR", "/app/uploads"))

api = FastAPI(title="distroless-service")


@api.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@api.put("/uploads/{name}")
async def put_upload(name: str, request: Request) -> dict[str, object]:
    body = await request.body()
    digest = hashlib.sha256(body).hexdigest()
    target = UPLOADS / Path(name).name
    target.write_bytes(body)
    return {"name": target.name, "bytes": len(body), "sha256": digest}
