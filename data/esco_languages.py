"""Import occupation labels of a further ESCO language (``occupations_de.csv``, ``occupations_it.csv`` ...).

ESCO publishes its classification in 28 languages, one package per language, with the same columns as the
English ``occupations_en.csv``. Importing one adds each occupation's preferred and alternative labels in that
language to ``occupation_labels`` (stored with the language), so that job titles in it match
(:mod:`recommender.text.titles`). The English release must be imported first: every row must name an
occupation already in the database. The source is one CSV file, or a zip (a language package) holding one;
the language is read from the file name (``occupations_de.csv`` is German) unless given. One savepoint:
a bad row writes nothing and names file, line and column; importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.locks import lock_reference_data
from data.models import Occupation, OccupationLabel
from recommender.errors import ImportFormatError

LABEL_FILE = re.compile(r"occupations_([a-z]{2,3})\.csv$")
COLUMNS = ("conceptUri", "preferredLabel", "altLabels")


@dataclass
class LabelImportReport:
    """What one import of a language's occupation labels did."""

    language: str
    location: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)


def is_language_file(source: Path) -> bool:
    """Whether ``source`` is one language's occupations file (``occupations_de.csv``) or a zip holding one
    but no English release (the English release's own zip holds ``occupations_en.csv``)."""
    if source.is_file() and LABEL_FILE.search(source.name):
        return not source.name.endswith("_en.csv")
    if source.is_file() and zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            names = [Path(n).name for n in archive.namelist()]
        return any(LABEL_FILE.search(n) for n in names) and "occupations_en.csv" not in names
    return False


def _labels(value: str) -> list[str]:
    parts = value.split("\n") if "\n" in value else value.split(" | ")
    return [p.strip() for p in parts if p.strip()]


def _open(source: Path) -> tuple[str, str, str]:
    """(file name, where, text) of the language's occupations file: the CSV itself or the one in a zip."""
    if not source.exists():
        raise ImportFormatError("no such file", file=str(source))
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            names = [n for n in archive.namelist() if LABEL_FILE.search(Path(n).name)]
            names = [n for n in names if not Path(n).name.endswith("_en.csv")]
            if len(names) != 1:
                found = ", ".join(names) or "none"
                raise ImportFormatError(
                    f"expected one occupations_<language>.csv in the zip, found {found}", file=str(source)
                )
            raw = archive.read(names[0])
            name, where = Path(names[0]).name, f"{source}:{names[0]}"
    else:
        raw = source.read_bytes()
        name, where = source.name, str(source)
    try:
        return name, where, raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFormatError(f"not UTF-8 text: {error}", file=where) from None


def _rows(where: str, text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFormatError("empty file", file=where, line=1) from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFormatError(
            f"header lacks {', '.join(missing)}; found {', '.join(header) or 'nothing'}",
            file=where,
            line=1,
            column=missing[0],
        )
    index = {c: header.index(c) for c in COLUMNS}
    line = 1
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFormatError(f"malformed CSV: {error}", file=where, line=start) from None
        line = start
        if not record:
            continue
        if len(record) != len(header):
            raise ImportFormatError(
                f"{len(record)} fields where the header has {len(header)}", file=where, line=line
            )
        yield line, {c: record[i].strip() for c, i in index.items()}


def _label_language(name: str, where: str, language: str | None) -> str:
    """The language given, else the one the file name says (``occupations_de.csv``); never English."""
    if language is None:
        found = LABEL_FILE.search(name)
        if found is None:
            raise ImportFormatError(
                "cannot tell the language: name the file occupations_<language>.csv "
                "(e.g. occupations_de.csv) "
                "or give the language",
                file=where,
            )
        language = found.group(1)
    language = language.lower()
    if not re.fullmatch(r"[a-z]{2,3}", language):
        raise ImportFormatError(f"language {language!r} is not an ISO 639-1 code such as 'de'", file=where)
    if language == "en":
        raise ImportFormatError(
            "English labels come with the release itself: import it with `upskill import esco`", file=where
        )
    return language


def import_occupation_labels(
    *, db_session: Session, source: Path, language: str | None = None
) -> LabelImportReport:
    """Add the occupation labels of one language; write nothing at all if any row is bad."""
    lock_reference_data(db_session)
    name, where, text = _open(source)
    language = _label_language(name, where, language)
    known = set(db_session.scalars(select(Occupation.uri)))
    if not known:
        raise ImportFormatError("no occupations in the database: import the ESCO release first", file=where)
    existing = {
        uri: (preferred, list(alts or []))
        for uri, preferred, alts in db_session.execute(
            select(
                OccupationLabel.occupation_uri, OccupationLabel.preferred_label, OccupationLabel.alt_labels
            ).where(OccupationLabel.language == language)
        )
    }
    report = LabelImportReport(language=language, location=where)
    seen: dict[str, int] = {}
    with db_session.begin_nested():
        for line, row in _rows(where, text):
            uri = row["conceptUri"]
            if uri not in known:
                problem = "missing URI" if not uri else f"{uri} is not an occupation in the database"
                raise ImportFormatError(problem, file=where, line=line, column="conceptUri")
            if uri in seen:
                raise ImportFormatError(
                    f"duplicate of the row on line {seen[uri]} ({uri})",
                    file=where,
                    line=line,
                    column="conceptUri",
                )
            seen[uri] = line
            preferred = row["preferredLabel"]
            if not preferred:
                raise ImportFormatError(
                    "empty preferred label", file=where, line=line, column="preferredLabel"
                )
            alts = _labels(row["altLabels"])
            old = existing.get(uri)
            if old == (preferred, alts):
                report.unchanged += 1
                continue
            if old is None:
                db_session.add(
                    OccupationLabel(
                        occupation_uri=uri, language=language, preferred_label=preferred, alt_labels=alts
                    )
                )
                report.inserted += 1
            else:
                label = db_session.get(OccupationLabel, (uri, language))
                assert label is not None
                label.preferred_label, label.alt_labels = preferred, alts
                report.updated += 1
        if not seen:
            raise ImportFormatError("no occupation rows", file=where, line=2)
        db_session.flush()
    return report
