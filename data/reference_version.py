"""The reference version: a token that changes whenever the reference data changes.

Reference data is what the competence graph and the planner's options are built from: the ESCO taxonomy,
the course catalogue and the microbadges (:data:`REFERENCE_TABLES`). Database triggers set a new random
token in the one-row table ``reference_version`` on every insert, update or delete of those tables, whoever
writes them (an importer, a test, a future admin endpoint), so a cache keyed by the token can never serve a
graph built from other data. The token is random rather than a counter: a rolled-back write leaves the old
token, and the next write draws a new one, so two different states never share a token.

SQLite runs the trigger once per row (it has no statement triggers; an ESCO import pays a few microseconds
per row, and the row is updated in place). PostgreSQL renews the token once per transaction (on its first
write), because every update there leaves a row version behind until the commit; rolling back to a
savepoint undoes the renewal and its marker together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: Tables whose rows make up the reference data. A new table is either listed here or in
#: ``tests/data/test_reference_version.py::NOT_REFERENCE`` (the test fails until it is classified).
REFERENCE_TABLES = (
    "skills",
    "skill_groups",
    "skill_broader",
    "skill_relations",
    "isco_groups",
    "occupations",
    "occupation_broader",
    "occupation_skills",
    "occupation_labels",
    "courses",
    "course_skills",
    "course_prerequisites",
    "badges",
    "badge_skills",
    "badge_courses",
    "badge_prerequisites",
)
_OPERATIONS = ("insert", "update", "delete")
_PG_FUNCTION = "upskill_new_reference_version"


def trigger_name(table: str, operation: str, token_table: str = "reference_version") -> str:
    """The trigger on ``table`` that renews ``token_table``'s token after ``operation``."""
    return f"{token_table}_{table}_{operation}"


def install_triggers(connection: Connection) -> list[str]:
    """Create the triggers that are missing (idempotent); return the names created."""
    if connection.dialect.name == "sqlite":
        return sqlite_token_triggers(connection, tables=REFERENCE_TABLES, token_table="reference_version")
    function = (
        "BEGIN "
        # once per transaction: a bulk import (one statement per row through executemany) would otherwise
        # update the one row 100,000 times, and PostgreSQL keeps every version of it until the commit
        "IF current_setting('upskill.reference_version_renewed', true) = txid_current()::text THEN "
        "RETURN NULL; END IF; "
        "PERFORM set_config('upskill.reference_version_renewed', txid_current()::text, true); "
        "UPDATE reference_version SET token = md5(random()::text || clock_timestamp()::text) WHERE id = 1; "
        "RETURN NULL; END"
    )
    query = (
        "SELECT prosrc FROM pg_proc WHERE proname = :name AND pronamespace = current_schema()::regnamespace"
    )
    if connection.execute(text(query), {"name": _PG_FUNCTION}).scalar() != function:
        definition = f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$"
        connection.execute(text(f"{definition}{function}$$"))
    existing = _pg_triggers(connection)
    missing = [table for table in REFERENCE_TABLES if trigger_name(table, "write") not in existing]
    created = []
    for table in missing:
        name = trigger_name(table, "write")
        connection.execute(
            text(
                f'CREATE TRIGGER "{name}" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()"
            )
        )
        created.append(name)
    return created


def sqlite_token_triggers(connection: Connection, *, tables: Sequence[str], token_table: str) -> list[str]:
    """On SQLite, the triggers ``{token_table}_{table}_{operation}`` that set a new random token in the one
    row of ``token_table`` after each insert, update or delete of each of ``tables``: those missing are
    created (idempotent); return the names created (``data.people_version`` uses it too)."""
    existing = {
        name for (name,) in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    }
    created = []
    for table in tables:
        for operation in _OPERATIONS:
            name = trigger_name(table, operation, token_table)
            if name in existing:
                continue
            connection.execute(
                text(
                    f'CREATE TRIGGER "{name}" AFTER {operation.upper()} ON "{table}" BEGIN '
                    f"UPDATE {token_table} SET token = lower(hex(randomblob(16))) WHERE id = 1; END"
                )
            )
            created.append(name)
    return created


def _pg_triggers(connection: Connection) -> set[str]:
    query = (
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.relnamespace = current_schema()::regnamespace"
    )
    return {name for (name,) in connection.execute(text(query))}


def reference_version(connection: Connection | Session) -> str:
    """The current token (changes with every write to a reference table)."""
    return str(connection.execute(text("SELECT token FROM reference_version WHERE id = 1")).scalar_one())
