"""Setting up a database: the ESCO release, the bundled catalogue, badges and demo population, row counts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from data.defaults import PLANNING_MIN_CONFIDENCE

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from data.badges import BadgeImportReport
    from data.catalogue import ImportReport as CatalogueReport
    from data.demo_population import DemoReport
    from data.esco_import import ImportReport as EscoReport
    from data.esco_import import Progress
    from data.esco_languages import LabelImportReport


def has_esco(*, db_session: Session) -> bool:
    """Tell whether an ESCO release has been imported."""
    from data import esco_import
    from data import stats as stats_store

    return stats_store.has_source(db_session=db_session, source=esco_import.SOURCE)


def import_esco(
    *, db_session: Session, path: Path | None, batch_size: int, progress: Progress | None = None
) -> EscoReport:
    """Import an ESCO CSV release (default: the bundled v1.1.1); a bad row writes nothing."""
    from data import esco_import

    return esco_import.import_esco(
        db_session=db_session, source=path, batch_size=batch_size, progress=progress
    )


def is_language_file(path: Path) -> bool:
    """Tell whether ``path`` is an ESCO language package (occupation labels of one language)."""
    from data import esco_languages

    return esco_languages.is_language_file(path)


def import_occupation_labels(*, db_session: Session, path: Path) -> LabelImportReport:
    """Add the occupation labels of one language (an ESCO language file or zip) to the imported release."""
    from data import esco_languages

    return esco_languages.import_occupation_labels(db_session=db_session, source=path)


@dataclass(frozen=True)
class DefaultsReport:
    """What :func:`import_defaults` found or imported."""

    courses: CatalogueReport
    badges: BadgeImportReport
    demo: DemoReport


def import_defaults(
    *, db_session: Session, min_confidence: float = PLANNING_MIN_CONFIDENCE
) -> DefaultsReport:
    """Import the bundled catalogue, microbadges and demo population where they are not there yet."""
    from data import badges as badge_store
    from data import catalogue as catalogue_store
    from data import demo_population

    return DefaultsReport(
        courses=catalogue_store.import_default_catalogue(
            db_session=db_session, min_confidence=min_confidence
        ),
        badges=badge_store.import_default_badges(db_session=db_session),
        demo=demo_population.generate_demo_population(db_session=db_session),
    )


def table_counts(*, db_session: Session) -> dict[str, int]:
    """Count the rows of every table."""
    from data import stats as stats_store

    return stats_store.table_counts(db_session=db_session)
