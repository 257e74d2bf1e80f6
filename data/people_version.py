"""The people version (SQLite): a token that changes whenever an API key or a worker's data changes.

What a kept recommendation answer is given for, besides the served graph, options and model: the key that
asks (its row: revoked or not, role and scope), and the worker's row, skills and events
(:data:`PEOPLE_TABLES`; organisations too, whose deletion takes their workers and keys). Triggers set a new
random token in the one-row table ``people_version`` on every insert, update or delete of those tables,
whoever writes them (a route, the command line, another process, a foreign key's cascade), so an answer
kept with the token it was read under is the one a fresh read would give for as long as the token stays:
``api.http.routers.workers.kept_recommendations_json`` reads the token alone then, not the key and the
worker. The audit log is not among these tables: its entries, written with every keyed read, would change
the token all the time. A random token rather than a counter: a rolled-back write leaves the old token,
and a database restored from a backup cannot come back with a token it had for other data.

SQLite only. Its writers take turns anyway (one write lock), so one row updated by each write makes no
one wait; on PostgreSQL it would make every writer of people data wait for the others' commits (and two
of them could deadlock), so there the table stays empty of meaning: no triggers, :func:`people_version`
answers None and nothing is kept by it.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection, Dialect, text

from data.reference_version import sqlite_token_triggers


class _Driver(Protocol):
    """A driver connection in a transaction (``data.db.DriverConnection``, which imports this module)."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def dbapi_connection(self) -> Any: ...


#: Tables whose rows a kept recommendation answer depends on.
PEOPLE_TABLES = ("organisations", "workers", "worker_skills", "interactions", "api_keys")
_TOKEN = "SELECT token FROM people_version WHERE id = 1"


def install_triggers(connection: Connection) -> list[str]:
    """Create the triggers that are missing on SQLite (idempotent; none on PostgreSQL); return the names
    created. ``data.db.migrate`` runs it after every upgrade, so that a table a migration recreates (SQLite
    batch mode drops its triggers) gets them back."""
    if connection.dialect.name != "sqlite":
        return []
    return sqlite_token_triggers(connection, tables=PEOPLE_TABLES, token_table="people_version")


def people_version(connection: Connection | _Driver) -> str | None:
    """The current token on SQLite, in the caller's transaction (a Core connection's or a driver one's:
    ``data.db.driver_transaction``); None on PostgreSQL (not kept there)."""
    if connection.dialect.name != "sqlite":
        return None
    if isinstance(connection, Connection):
        token = connection.execute(text(_TOKEN)).scalar()
    else:
        row = connection.dbapi_connection.execute(_TOKEN).fetchone()
        token = None if row is None else row[0]
    return None if token is None else str(token)
