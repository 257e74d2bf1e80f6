"""Occupation labels of further languages: imported with their language, idempotent, bad rows rejected."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.esco_languages import import_occupation_labels
from data.models import OccupationLabel
from recommender.errors import ImportFormatError

FIXTURES = Path(__file__).parent / "fixtures"
VEHICLE_TECHNICIAN = "http://data.europa.eu/esco/occupation/4ad4024e-d1d3-4dea-b6d1-2c7948111dce"


def test_german_labels_are_stored_with_their_language(esco_session: Session) -> None:
    report = import_occupation_labels(db_session=esco_session, source=FIXTURES / "occupations_de.csv")
    assert (report.language, report.inserted, report.updated) == ("de", 4, 0)
    row = esco_session.get(OccupationLabel, (VEHICLE_TECHNICIAN, "de"))
    assert row is not None
    assert row.preferred_label == "Kfz-Mechatroniker/Kfz-Mechatronikerin"
    assert row.alt_labels == ["Kfz-Techniker/Kfz-Technikerin", "Fahrzeugtechniker/Fahrzeugtechnikerin"]

    again = import_occupation_labels(db_session=esco_session, source=FIXTURES / "occupations_de.csv")
    assert (again.inserted, again.updated, again.unchanged, again.changed) == (0, 0, 4, False)


def test_a_zipped_language_package_is_read(esco_session: Session, tmp_path: Path) -> None:
    import zipfile

    package = tmp_path / "esco_v1.1.1_classification_it_csv.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.write(FIXTURES / "occupations_it.csv", "occupations_it.csv")
    report = import_occupation_labels(db_session=esco_session, source=package)
    assert (report.language, report.inserted) == ("it", 3)


def test_a_bad_row_writes_nothing_and_says_where(esco_session: Session, tmp_path: Path) -> None:
    text = (FIXTURES / "occupations_de.csv").read_text(encoding="utf-8")
    bad = tmp_path / "occupations_de.csv"
    bad.write_text(text + "Occupation,http://data.europa.eu/esco/occupation/nope,7231,X,,,released,,,,,,,1\n")
    with pytest.raises(ImportFormatError) as error:
        import_occupation_labels(db_session=esco_session, source=bad)
    assert error.value.line == 8 and error.value.column == "conceptUri"
    assert "is not an occupation in the database" in str(error.value)
    assert esco_session.scalar(select(func.count()).select_from(OccupationLabel)) == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "occupations_en.csv",
            "conceptUri,preferredLabel,altLabels\n",
            "English labels come with the release",
        ),
        ("labels.csv", "conceptUri,preferredLabel,altLabels\n", "cannot tell the language"),
        ("occupations_de.csv", "uri,label\nx,y\n", "header lacks conceptUri"),
        (
            "occupations_de.csv",
            f"conceptUri,preferredLabel,altLabels\n{VEHICLE_TECHNICIAN},,\n",
            "empty preferred",
        ),
    ],
)
def test_bad_files_are_refused(
    esco_session: Session, tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFormatError, match=message):
        import_occupation_labels(db_session=esco_session, source=path)


def test_labels_need_the_occupations_first(db_session: Session) -> None:
    with pytest.raises(ImportFormatError, match="import the ESCO release first"):
        import_occupation_labels(db_session=db_session, source=FIXTURES / "occupations_de.csv")
