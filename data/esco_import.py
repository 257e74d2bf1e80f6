"""Import an official ESCO CSV release (classification ``*_en.csv`` + relations) into the database.

The release is read from a folder of CSV files, from a folder holding the two zips the ESCO portal ships,
from one zip, or (no path) from the bundled v1.1.1 zips in ``data/esco/``. Rows are streamed, checked and
compared with what the database already holds: only new and changed rows are written, in batches, so that
importing the same release again changes nothing and says so. The whole import runs in one savepoint: any
error leaves the database exactly as it was.

Every URI a relation names must be declared by the release. ESCO v1.1.1 declares a few concepts only
through its hierarchy files: 7 skill groups appear in ``skillsHierarchy_en.csv`` and the broader relations
but not in ``skillGroups_en.csv`` (imported as skill groups with the hierarchy file's label), and one
occupation (``a9e54177-...``) appears in the occupation broader relations and in 67 occupation-skill
relations but has no row in ``occupations_en.csv``. That occupation counts as declared, so its relations are
kept (no relation of the release is dropped), but it gets no ``occupations`` row, which holds exactly the
release's 3,007 occupations. The report lists these concepts.
"""

from __future__ import annotations

import csv
import hashlib
import re
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, Protocol, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from data.locks import lock_reference_data
from data.models import (
    Base,
    IscoGroup,
    Occupation,
    OccupationBroader,
    OccupationSkill,
    Provenance,
    Skill,
    SkillBroader,
    SkillGroup,
    SkillRelation,
)
from recommender.errors import ImportFormatError

BUNDLED = Path(__file__).parent / "esco"
SOURCE = "esco"
# files whose rows may stop before the last (empty) columns, as skillsHierarchy_en.csv does in v1.1.1
RAGGED = frozenset({"skillsHierarchy_en.csv"})
RELATION_TYPES = frozenset({"essential", "optional"})
SKILL_TYPES = frozenset({"skill/competence", "knowledge", ""})

# file name -> the columns upskill reads from it (others are allowed and ignored)
REQUIRED_FILES: dict[str, tuple[str, ...]] = {
    "ISCOGroups_en.csv": ("conceptUri", "code", "preferredLabel", "altLabels", "description"),
    "skillGroups_en.csv": ("conceptUri", "code", "preferredLabel", "altLabels", "description"),
    "skillsHierarchy_en.csv": tuple(
        f"Level {i} {part}" for i in range(4) for part in ("URI", "preferred term")
    ),
    "skills_en.csv": ("conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels", "description"),
    "occupations_en.csv": ("conceptUri", "iscoGroup", "code", "preferredLabel", "altLabels", "description"),
    "broaderRelationsSkillPillar.csv": ("conceptType", "conceptUri", "broaderType", "broaderUri"),
    "skillSkillRelations.csv": ("originalSkillUri", "relationType", "relatedSkillUri"),
    "broaderRelationsOccPillar.csv": ("conceptType", "conceptUri", "broaderType", "broaderUri"),
    "occupationSkillRelations.csv": ("occupationUri", "relationType", "skillUri"),
}


class Progress(Protocol):
    """What the importer tells about its progress (the CLI shows it as rich progress bars)."""

    def start(self, name: str, total_bytes: int) -> None: ...
    def advance(self, nbytes: int) -> None: ...
    def finish(self) -> None: ...


class _Silent:
    def start(self, name: str, total_bytes: int) -> None:
        pass

    def advance(self, nbytes: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class TableChange:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    release: str
    location: str
    changes: dict[str, TableChange] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    declared_by_hierarchy_only: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated for c in self.changes.values())


# --- reading the release ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    """One CSV file of the release, wherever it lies (plain file or zip member)."""

    name: str
    size: int
    open: Callable[[], IO[bytes]]
    where: str


def _members(source: Path) -> dict[str, _Member]:
    if not source.exists():
        raise ImportFormatError("no such file or folder", file=str(source))
    zips = [source] if source.is_file() else sorted(source.glob("*.zip"))
    found: dict[str, _Member] = {}
    if source.is_dir():
        for path in sorted(source.glob("*.csv")):
            found[path.name] = _Member(path.name, path.stat().st_size, partial(_open_file, path), str(path))
    for zpath in zips:
        if not zipfile.is_zipfile(zpath):
            raise ImportFormatError("not a zip file", file=str(zpath))
        with zipfile.ZipFile(zpath) as archive:
            for info in archive.infolist():
                name = Path(info.filename).name
                if name.endswith(".csv") and name not in found:
                    found[name] = _Member(
                        name,
                        info.file_size,
                        partial(_open_member, zpath, info.filename),
                        f"{zpath}:{info.filename}",
                    )
    return found


def _open_file(path: Path) -> IO[bytes]:
    return path.open("rb")


def _open_member(archive: Path, name: str) -> IO[bytes]:
    """Open one member for reading; the returned stream keeps its archive open until it is closed."""
    return zipfile.ZipFile(archive).open(name)  # noqa: SIM115


def _release_name(source: Path) -> str:
    match = re.search(r"esco[_-]?v?(\d+\.\d+(?:\.\d+)?)", str(source.resolve()), re.IGNORECASE)
    if match is None:
        for zpath in [source] if source.is_file() else sorted(source.glob("*.zip")):
            match = re.search(r"v(\d+\.\d+(?:\.\d+)?)", zpath.name)
            if match:
                break
    return f"v{match.group(1)}" if match else "unknown"


def _sha256(paths: Sequence[Path]) -> dict[str, str]:
    digests = {}
    for path in paths:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(partial(handle.read, 1 << 20), b""):
                digest.update(chunk)
        digests[path.name] = digest.hexdigest()
    return digests


def _rows(member: _Member, progress: Progress) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line where the record starts, record) for each CSV record, checking UTF-8 line by line."""
    columns = REQUIRED_FILES[member.name]
    position = {"line": 0}

    def lines(handle: IO[bytes]) -> Iterator[str]:
        for raw in handle:
            position["line"] += 1
            progress.advance(len(raw))
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ImportFormatError(
                    f"invalid UTF-8 at byte {error.start + 1} of the line; save the file as UTF-8",
                    file=member.where,
                    line=position["line"],
                ) from None
            yield text.removeprefix("\ufeff") if position["line"] == 1 else text

    progress.start(member.name, member.size)
    with member.open() as handle:
        reader = csv.reader(lines(handle), strict=True)
        header = _header(reader, member, columns)
        index = {name: header.index(name) for name in columns}
        while True:
            start = position["line"] + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise ImportFormatError(f"malformed CSV: {error}", file=member.where, line=start) from None
            if not record:
                continue
            if member.name in RAGGED and len(record) < len(header):
                record += [""] * (len(header) - len(record))
            if len(record) != len(header):
                raise ImportFormatError(
                    f"{len(record)} fields where the header has {len(header)}",
                    file=member.where,
                    line=start,
                )
            yield start, {name: record[i].strip() for name, i in index.items()}
    progress.finish()


def _header(reader: Iterator[list[str]], member: _Member, columns: Sequence[str]) -> list[str]:
    """The CSV header, which must name every column of ``columns``."""
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError(
            "the file is empty; expected a CSV header", file=member.where, line=1
        ) from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise ImportFormatError(
            f"header lacks {', '.join(missing)}; found {', '.join(header) or 'nothing'}",
            file=member.where,
            line=1,
            column=missing[0],
        )
    return header


def split_labels(value: str) -> list[str]:
    """An ``altLabels`` field's labels (one a line, or ``" | "``-separated), each stripped, none empty."""
    parts = value.split("\n") if "\n" in value else value.split(" | ")
    return [p.strip() for p in parts if p.strip()]


def _uri(row: dict[str, str], column: str, member: _Member, line: int) -> str:
    value = row[column]
    if not value.startswith("http://") and not value.startswith("https://"):
        raise ImportFormatError(
            f"expected an ESCO URI, got {value!r}" if value else "missing URI",
            file=member.where,
            line=line,
            column=column,
        )
    return value


def _choice(row: dict[str, str], column: str, allowed: frozenset[str], member: _Member, line: int) -> str:
    value = row[column]
    if value not in allowed:
        raise ImportFormatError(
            f"unknown value {value!r}; expected one of {', '.join(sorted(a for a in allowed if a))}",
            file=member.where,
            line=line,
            column=column,
        )
    return value


def _known(uri: str, known: set[str], what: str, column: str, member: _Member, line: int) -> None:
    if uri not in known:
        raise ImportFormatError(
            f"{uri} is not a {what} of this release", file=member.where, line=line, column=column
        )


def _broader_values(row: dict[str, str]) -> dict[str, str]:
    """A row of a broader-relations file as a ``skill_broader`` / ``occupation_broader`` row."""
    return {
        "narrower_uri": row["conceptUri"],
        "broader_uri": row["broaderUri"],
        "narrower_type": row["conceptType"],
        "broader_type": row["broaderType"],
    }


# --- writing ------------------------------------------------------------------------------------------


class _Writer:
    """Compares parsed rows with the database and writes only what is new or changed, in batches."""

    def __init__(self, db_session: Session, model: type[Base], batch_size: int):
        self.session = db_session
        self.model = model
        self.table = cast(Table, model.__table__)
        self.keys = [c.name for c in self.table.primary_key.columns]
        self.columns = [c.name for c in self.table.columns]
        self.existing: dict[tuple[Any, ...], tuple[Any, ...]] = {
            tuple(r[: len(self.keys)]): tuple(r)
            for r in db_session.execute(
                select(*[self.table.c[k] for k in self.keys], *[self.table.c[c] for c in self.columns])
            )
        }
        self.batch_size = batch_size
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.change = TableChange()
        self.seen: dict[tuple[Any, ...], int] = {}

    def add(self, row: dict[str, Any], member: _Member, line: int) -> None:
        key = tuple(row[k] for k in self.keys)
        if key in self.seen:
            raise ImportFormatError(
                f"duplicate of the row on line {self.seen[key]} ({', '.join(map(str, key))})",
                file=member.where,
                line=line,
            )
        self.seen[key] = line
        old = self.existing.get(key)
        if old is None:
            self.inserts.append(row)
            self.change.inserted += 1
        elif old[len(self.keys) :] != tuple(row[c] for c in self.columns):
            self.updates.append(row)
            self.change.updated += 1
        else:
            self.change.unchanged += 1
        if len(self.inserts) >= self.batch_size or len(self.updates) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.inserts:
            self.session.execute(insert(self.table), self.inserts)
            self.inserts = []
        if self.updates:
            self.session.execute(update(self.model), self.updates)
            self.updates = []


# --- the import ---------------------------------------------------------------------------------------


def import_esco(
    *,
    db_session: Session,
    source: Path | None = None,
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> ImportReport:
    """Import an ESCO CSV release; write nothing at all if any row is bad."""
    started = time.perf_counter()
    source = source or BUNDLED
    progress = progress or _Silent()
    members = _members(source)
    for name in REQUIRED_FILES:
        if name not in members:
            raise ImportFormatError(f"required file {name} is missing from the release", file=str(source))
    report = ImportReport(release=_release_name(source), location=str(source))
    lock_reference_data(db_session)
    with db_session.begin_nested():
        _import(db_session, members, report, batch_size, progress)
        counts = {
            name: db_session.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0
            for name in _TABLES
        }
        report.counts = counts
        if report.changed:
            files = (
                [source]
                if source.is_file()
                else sorted(source.glob("*.zip")) or [source / n for n in sorted(REQUIRED_FILES)]
            )
            digests = _sha256(files)
            combined = hashlib.sha256("".join(f"{n}:{d}\n" for n, d in sorted(digests.items())).encode())
            db_session.add(
                Provenance(
                    source=SOURCE,
                    release=report.release,
                    location=str(source),
                    sha256=combined.hexdigest(),
                    files=digests,
                    counts=counts,
                )
            )
        db_session.flush()
    report.seconds = time.perf_counter() - started
    return report


_TABLES = (
    "isco_groups",
    "skill_groups",
    "skills",
    "occupations",
    "skill_broader",
    "skill_relations",
    "occupation_broader",
    "occupation_skills",
)


def _import(  # noqa: C901 - one short pass per table of the release, in reference order: sequential
    db_session: Session,
    members: dict[str, _Member],
    report: ImportReport,
    batch_size: int,
    progress: Progress,
) -> None:
    def writer(model: type[Base]) -> _Writer:
        return _Writer(db_session, model, batch_size)

    def done(w: _Writer) -> None:
        w.flush()
        report.changes[w.table.name] = w.change

    # ISCO groups
    w = writer(IscoGroup)
    member = members["ISCOGroups_en.csv"]
    isco_codes: dict[str, str] = {}
    for line, row in _rows(member, progress):
        uri = _uri(row, "conceptUri", member, line)
        isco_codes[uri] = row["code"]
        w.add(
            {
                "uri": uri,
                "code": row["code"],
                "preferred_label": row["preferredLabel"],
                "alt_labels": split_labels(row["altLabels"]),
                "description": row["description"],
            },
            member,
            line,
        )
    done(w)
    known_isco = set(isco_codes) | {u for u, _ in db_session.execute(select(IscoGroup.uri, IscoGroup.code))}

    # skill groups, with those the release declares only in the hierarchy file
    w = writer(SkillGroup)
    member = members["skillGroups_en.csv"]
    group_uris: set[str] = set()
    for line, row in _rows(member, progress):
        uri = _uri(row, "conceptUri", member, line)
        group_uris.add(uri)
        w.add(
            {
                "uri": uri,
                "code": row["code"] or None,
                "preferred_label": row["preferredLabel"],
                "alt_labels": split_labels(row["altLabels"]),
                "description": row["description"],
            },
            member,
            line,
        )
    member = members["skillsHierarchy_en.csv"]
    for line, row in _rows(member, progress):
        for level in range(4):
            uri, label = row[f"Level {level} URI"], row[f"Level {level} preferred term"]
            if uri and uri not in group_uris:
                _uri(row, f"Level {level} URI", member, line)
                group_uris.add(uri)
                report.declared_by_hierarchy_only.append(uri)
                w.add(
                    {"uri": uri, "code": None, "preferred_label": label, "alt_labels": [], "description": ""},
                    member,
                    line,
                )
    done(w)
    known_groups = group_uris | set(db_session.scalars(select(SkillGroup.uri)))

    # skills
    w = writer(Skill)
    member = members["skills_en.csv"]
    skill_uris: set[str] = set()
    for line, row in _rows(member, progress):
        uri = _uri(row, "conceptUri", member, line)
        skill_uris.add(uri)
        w.add(
            {
                "uri": uri,
                "preferred_label": row["preferredLabel"],
                "alt_labels": split_labels(row["altLabels"]),
                "description": row["description"],
                "skill_type": _choice(row, "skillType", SKILL_TYPES, member, line) or None,
                "reuse_level": row["reuseLevel"] or None,
            },
            member,
            line,
        )
    done(w)
    known_skills = skill_uris | set(db_session.scalars(select(Skill.uri)))

    # occupations (and the occupations the release declares only in the broader relations)
    member = members["occupations_en.csv"]
    occupations: list[tuple[int, dict[str, Any]]] = []
    for line, row in _rows(member, progress):
        uri = _uri(row, "conceptUri", member, line)
        code = row["iscoGroup"]
        if not code.isdigit():
            raise ImportFormatError(
                f"expected an ISCO unit group code, got {code!r}",
                file=member.where,
                line=line,
                column="iscoGroup",
            )
        occupations.append(
            (
                line,
                {
                    "uri": uri,
                    "isco_code": code,
                    "code": row["code"],
                    "preferred_label": row["preferredLabel"],
                    "alt_labels": split_labels(row["altLabels"]),
                    "description": row["description"],
                },
            )
        )
    known_occupations = {values["uri"] for _, values in occupations}
    known_occupations |= set(db_session.scalars(select(Occupation.uri)))
    occ_member = member

    member = members["broaderRelationsOccPillar.csv"]
    occ_broader: list[tuple[int, dict[str, str]]] = []
    for line, row in _rows(member, progress):
        narrower = _uri(row, "conceptUri", member, line)
        _uri(row, "broaderUri", member, line)
        kinds = {"Occupation": known_occupations, "ISCOGroup": known_isco}
        for column in ("conceptType", "broaderType"):
            if row[column] not in kinds:
                raise ImportFormatError(
                    f"unknown concept type {row[column]!r}; expected Occupation or ISCOGroup",
                    file=member.where,
                    line=line,
                    column=column,
                )
        if row["conceptType"] == "Occupation" and narrower not in known_occupations:
            # declared by the release only here (see the module docstring): known, but not an occupations row
            report.declared_by_hierarchy_only.append(narrower)
            known_occupations.add(narrower)
        occ_broader.append((line, row))

    w = writer(Occupation)
    for line, values in occupations:
        w.add(values, occ_member, line)
    done(w)

    w = writer(OccupationBroader)
    for line, row in occ_broader:
        kinds = {"Occupation": known_occupations, "ISCOGroup": known_isco}
        for column, type_column in (("conceptUri", "conceptType"), ("broaderUri", "broaderType")):
            _known(row[column], kinds[row[type_column]], row[type_column], column, member, line)
        w.add(_broader_values(row), member, line)
    done(w)

    # skill hierarchy
    w = writer(SkillBroader)
    member = members["broaderRelationsSkillPillar.csv"]
    kinds = {"KnowledgeSkillCompetence": known_skills, "SkillGroup": known_groups}
    for line, row in _rows(member, progress):
        for uri_column, type_column in (("conceptUri", "conceptType"), ("broaderUri", "broaderType")):
            uri = _uri(row, uri_column, member, line)
            if row[type_column] not in kinds:
                raise ImportFormatError(
                    f"unknown concept type {row[type_column]!r}; "
                    "expected KnowledgeSkillCompetence or SkillGroup",
                    file=member.where,
                    line=line,
                    column=type_column,
                )
            _known(uri, kinds[row[type_column]], row[type_column], uri_column, member, line)
        w.add(_broader_values(row), member, line)
    done(w)

    # skill-skill and occupation-skill relations: two URIs that must be declared, and a relation type
    relations = (
        (
            SkillRelation,
            "skillSkillRelations.csv",
            (
                ("originalSkillUri", "skill_uri", known_skills, "skill"),
                ("relatedSkillUri", "related_uri", known_skills, "skill"),
            ),
        ),
        (
            OccupationSkill,
            "occupationSkillRelations.csv",
            (
                ("occupationUri", "occupation_uri", known_occupations, "occupation"),
                ("skillUri", "skill_uri", known_skills, "skill"),
            ),
        ),
    )
    for model, name, ends in relations:
        w = writer(model)
        member = members[name]
        for line, row in _rows(member, progress):
            values = {}
            for column, key, known, kind in ends:
                values[key] = _uri(row, column, member, line)
                _known(values[key], known, kind, column, member, line)
            values["relation_type"] = _choice(row, "relationType", RELATION_TYPES, member, line)
            w.add(values, member, line)
        done(w)
