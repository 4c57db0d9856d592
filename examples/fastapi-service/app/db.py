"""The example's database: PostgreSQL at DATABASE_URL (compose gives it to every role of the image).

One SQLAlchemy engine per process, made on first use (importing the app needs no database). Its pool is SQLAlchemy's
default, 5 connections plus 10 overflow: the per-process figure Compose's connection budget counts
(`database.poolSize` / `database.maxOverflow`), so PostgreSQL's max_connections covers every process at once.
The table is created by the migration job (alembic, migrations/), never by the app.
"""
from __future__ import annotations

import os
from functools import lru_cache

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine


@lru_cache(maxsize=1)
def engine() -> Engine:
    # pool_pre_ping: a connection PostgreSQL closed (restart, idle timeout) is replaced instead of failing a request.
    return create_engine(os.environ["DATABASE_URL"], pool_size=5, max_overflow=10, pool_pre_ping=True)


def create_note(note_text: str) -> int:
    with engine().begin() as conn:
        return conn.execute(text("insert into notes (text) values (:text) returning id"), {"text": note_text}).scalar_one()


def note_text(note_id: int) -> str | None:
    with engine().connect() as conn:
        return conn.execute(text("select text from notes where id = :id"), {"id": note_id}).scalar_one_or_none()
