"""A database with rows in every table, at any schema revision, and every table's rows read back.

:data:`ROWS` holds a few rows for each table of the newest schema (awkward values on purpose: accents,
quotes, nulls, nested JSON, floats with many digits, time zones). :func:`fill` writes the rows of the tables
and columns that exist at the database's revision, so the migration test fills a database made by the first
migration with the same rows; :func:`table_rows` reads every table back for comparison. A new table gets
rows here: ``tests/data/test_migrations.py`` fails until every table holds some.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Integer, MetaData, Table, inspect, select, text

from data.models import Base

SKILL, SKILL_2 = "http://data.europa.eu/esco/skill/s-1", "http://data.europa.eu/esco/skill/s-2"
GROUP = "http://data.europa.eu/esco/skill/g-1"
OCCUPATION, OCCUPATION_2 = (
    "http://data.europa.eu/esco/occupation/o-1",
    "http://data.europa.eu/esco/occupation/o-2",
)
ISCO = "http://data.europa.eu/esco/isco/C7231"
WHEN = datetime(2026, 11, 30, 8, 15, 42, tzinfo=UTC)

#: Rows of every table of the newest schema (``reference_version``, ``people_version`` and ``alembic_version``
#: are the migrations' own); a column a table does not have at the revision being filled is left out.
ROWS: dict[str, list[dict[str, Any]]] = {
    "provenance": [
        {
            "id": 1,
            "source": "esco",
            "release": "v1.1.1",
            "location": "/data/esco v1.1.1 «ok».zip",
            "sha256": "ab" * 32,
            "files": {"skills_en.csv": "cd" * 32},
            "counts": {"skills": 2, "nested": {"a": [1, 2.5, None]}},
            "imported_at": WHEN,
        }
    ],
    "skills": [
        {
            "uri": SKILL,
            "preferred_label": "Batterie-Montage «Hochvolt»",
            "alt_labels": ["battery assembly", "montage d'accus"],
            "description": "says \"quotes\", 'apostrophes', back\\slash and\nnew lines",
            "skill_type": "skill/competence",
            "reuse_level": None,
        },
        {"uri": SKILL_2, "preferred_label": "diagnose EV faults", "alt_labels": [], "description": ""},
    ],
    "skill_groups": [{"uri": GROUP, "code": "S1.2", "preferred_label": "electrics", "alt_labels": ["é"]}],
    "skill_broader": [
        {"narrower_uri": SKILL, "broader_uri": GROUP, "narrower_type": "Skill", "broader_type": "SkillGroup"}
    ],
    "skill_relations": [{"skill_uri": SKILL_2, "related_uri": SKILL, "relation_type": "essential"}],
    "isco_groups": [{"uri": ISCO, "code": "7231", "preferred_label": "Motor vehicle mechanics"}],
    "occupations": [
        {
            "uri": OCCUPATION,
            "isco_code": "7231",
            "code": "7231.3",
            "preferred_label": "diesel engine mechanic",
            "alt_labels": ["Dieselmotorenmechaniker"],
            "description": "repairs diesel engines",
        },
        {"uri": OCCUPATION_2, "isco_code": "7231", "code": "7231.9", "preferred_label": "battery technician"},
    ],
    "occupation_broader": [
        {
            "narrower_uri": OCCUPATION,
            "broader_uri": ISCO,
            "narrower_type": "Occupation",
            "broader_type": "ISCO",
        }
    ],
    "occupation_skills": [
        {"occupation_uri": OCCUPATION, "skill_uri": SKILL, "relation_type": "optional"},
        {"occupation_uri": OCCUPATION_2, "skill_uri": SKILL, "relation_type": "essential"},
    ],
    "occupation_labels": [
        {
            "occupation_uri": OCCUPATION,
            "language": "de",
            "preferred_label": "Dieselmotorenmechaniker/Dieselmotorenmechanikerin",
            "alt_labels": ["Kfz-Mechatroniker"],
        }
    ],
    "courses": [
        {
            "id": "edx:hv-1",
            "title": "High-voltage safety — Grundlagen",
            "provider": "edX",
            "summary": "s",
            "description": "d",
            "url": "https://example.org/c?x=1&y=2",
            "language": "de",
            "level": "introductory",
            "hours": 12.345678901234,
            "price": 199.99,
            "currency": "EUR",
            "delivery_mode": "blended",
            "region": "DE11",
            "start_dates": ["2027-01-04", "2027-03-01"],
            "funding_schemes": ["ESF+"],
            "catalogue": "default",
            "certificate_price": 49.0,
            "tags": ["batteries"],
            "flags": ["level-inferred"],
            "subject": b"\x00<\x00\xbc",  # float16 [1, -1]
        },
        {
            "id": "edx:hv-2",
            "title": "EV diagnosis",
            "language": "en",
            "level": None,
            "hours": 1e-3,
            "price": 0.0,
        },
    ],
    "course_skills": [
        {
            "course_id": "edx:hv-1",
            "skill_uri": SKILL,
            "level": 3,
            "confidence": 0.123456789,
            "source": "curated",
        },
        {"course_id": "edx:hv-2", "skill_uri": SKILL_2, "level": 2, "confidence": 1.0, "source": "explicit"},
    ],
    "course_prerequisites": [{"course_id": "edx:hv-2", "prerequisite_id": "edx:hv-1", "origin": "level"}],
    "badges": [
        {"id": "b-1", "name": "EV technician", "earned_by": "k_of_n", "k": 1, "issuer": "Kammer"},
        {"id": "b-2", "name": "EV master", "earned_by": "assessment", "criteria": "an exam"},
    ],
    "badge_skills": [{"badge_id": "b-1", "skill_uri": SKILL, "level": 3}],
    "badge_courses": [
        {"badge_id": "b-1", "course_id": "edx:hv-1"},
        {"badge_id": "b-1", "course_id": "edx:hv-2"},
    ],
    "badge_prerequisites": [{"badge_id": "b-2", "required_badge_id": "b-1"}],
    "organisations": [{"id": 7, "name": "Werk Süd GmbH", "created_at": WHEN}],
    "workers": [
        {
            "id": 11,
            "organisation_id": 7,
            "external_id": "P-0001",
            "region": "DE11",
            "current_occupation_uri": OCCUPATION,
            "languages": ["de", "en"],
            "target_occupation_uri": OCCUPATION_2,
            "budget": 1234.5678901234,
            "currency": "CZK",
            "hours_per_week": 6.5,
            "delivery_modes": ["online", "in-person"],
            "created_at": WHEN,
        },
        {"id": 12, "organisation_id": 7, "external_id": "P-0002", "region": None, "languages": []},
    ],
    "worker_skills": [{"worker_id": 11, "skill_uri": SKILL, "proficiency": 2}],
    "interactions": [
        {
            "id": 21,
            "worker_id": 11,
            "course_id": "edx:hv-1",
            "kind": "rated",
            "value": 4.5,
            "occurred_at": WHEN,
        },
        {
            "id": 22,
            "worker_id": 12,
            "course_id": "edx:hv-2",
            "kind": "viewed",
            "value": None,
            "occurred_at": WHEN,
        },
    ],
    "region_portfolios": [
        {
            "id": 3,
            "nuts": "CZ08",
            "budget": 5_000_000.0,
            "currency": "EUR",
            "status": "optimal",
            "workers_made_ready": None,
            "plan": {"seats": [{"programme": "p", "seats": 12}], "suppressed": True},
            "created_at": WHEN,
        }
    ],
    "cohorts": [
        {"id": 5, "organisation_id": 7, "name": "Plant → battery", "settings": {"budget": 1}, "summary": {}}
    ],
    "cohort_plans": [
        {"cohort_id": 5, "plan_id": "plan-a", "target_uri": OCCUPATION_2, "plan": {"steps": []}}
    ],
    "cohort_people": [
        {
            "id": 9,
            "cohort_id": 5,
            "person_id": "P-0001",
            "worker_id": 11,
            "status": "assigned",
            "plan_id": "plan-a",
            "record": {"title": "Dieselmechaniker"},
        }
    ],
    "api_keys": [
        {"id": 1, "prefix": "upsk_AbC-d_e", "key_hash": "ef" * 32, "role": "admin", "created_at": WHEN},
        {"id": 2, "prefix": "upsk_Xyz", "key_hash": "01" * 32, "role": "hr", "organisation_id": 7},
        {"id": 3, "prefix": "upsk_Reg", "key_hash": "23" * 32, "role": "region", "region": "CZ08"},
        {
            "id": 4,
            "prefix": "upsk_Wkr",
            "key_hash": "45" * 32,
            "role": "worker",
            "worker_id": 11,
            "revoked_at": WHEN,
        },
    ],
    "audit_log": [
        {
            "id": 1,
            "occurred_at": WHEN,
            "api_key_id": 1,
            "role": "admin",
            "action": "delete",
            "route": "DELETE /v1/workers/{worker_id}",
        },
        {
            "id": 2,
            "occurred_at": WHEN,
            "api_key_id": 2,
            "role": "hr",
            "action": "read",
            "route": "GET /v1/workers/{worker_id}",
            "worker_id": 11,
        },
    ],
}

#: Tables the migrations fill themselves.
MIGRATION_TABLES = ("alembic_version", "reference_version", "people_version")


def _tables(connection: Connection) -> dict[str, Table]:
    metadata = MetaData()
    names = set(inspect(connection).get_table_names())
    return {name: Table(name, metadata, autoload_with=connection) for name in sorted(names)}


def fill(connection: Connection) -> list[str]:
    """Write :data:`ROWS` into the tables that exist and are empty (their existing columns); return them."""
    tables = _tables(connection)
    filled = []
    for model_table in Base.metadata.sorted_tables:  # parents before children
        table = tables.get(model_table.name)
        if table is None or model_table.name not in ROWS:
            continue
        if connection.execute(select(table).limit(1)).first() is not None:
            continue
        insert(connection, table, ROWS[table.name])
        filled.append(table.name)
    _advance_sequences(connection, [tables[name] for name in filled])
    return filled


def _advance_sequences(connection: Connection, tables: list[Table]) -> None:
    """On PostgreSQL, move each filled table's id sequence past the ids written, so that rows added later
    get new ids (SQLite takes the largest id + 1 by itself)."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.c and isinstance(table.c.id.type, Integer):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                )
            )


def insert(connection: Connection, table: Table | str, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` (its existing columns), completed with the ORM's Python defaults."""
    if isinstance(table, str):
        table = Table(table, MetaData(), autoload_with=connection)
    model_table = Base.metadata.tables[table.name]
    for row in rows:
        whole = _with_defaults(model_table, row)
        connection.execute(table.insert(), {key: value for key, value in whole.items() if key in table.c})


def _with_defaults(model_table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The row with the ORM's Python-side defaults (a reflected table knows only the server's)."""
    whole = dict(row)
    for column in model_table.columns:
        if column.name in whole or column.server_default is not None or column.default is None:
            continue
        default: Any = column.default
        whole[column.name] = default.arg(None) if default.is_callable else default.arg
    return whole


def table_rows(connection: Connection, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every table's rows (sorted), all columns or those named per table in ``columns``."""
    result = {}
    for name, table in _tables(connection).items():
        if columns is not None and name not in columns:
            continue
        chosen = [table.c[c] for c in columns[name]] if columns is not None else list(table.c)
        rows = connection.execute(select(*chosen)).all()
        result[name] = sorted((tuple(row) for row in rows), key=repr)
    return result


def table_columns(connection: Connection) -> dict[str, list[str]]:
    """Each table's column names."""
    return {name: [column.name for column in table.c] for name, table in _tables(connection).items()}
