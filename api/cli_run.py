"""``upskill run``: the main job that ``make run`` starts."""

from __future__ import annotations

from rich.table import Table

from api.cli_common import app, console, database, reports_errors
from api.cli_esco import import_esco_command
from api.cli_model import train_model
from api.cli_plan import print_sample_plan
from data import badges as badge_store
from data import catalogue, demo_population, esco_import
from data import stats as stats_store
from data.db import transaction
from recommender.settings import get_settings
from training.artefacts import ArtefactError, load_latest


@app.command()
@reports_errors
def run() -> None:
    """Migrate, import what is not there yet (ESCO, catalogue, badges, demo workers), show a sample plan."""
    engine = database()
    with transaction(engine) as session:
        has_esco = stats_store.has_source(db_session=session, source=esco_import.SOURCE)
    if not has_esco:
        console.print("Importing the bundled ESCO v1.1.1 release (first run only) ...")
        import_esco_command(None)
    with transaction(engine) as session:
        courses = catalogue.import_default_catalogue(db_session=session)
        badges = badge_store.import_default_badges(db_session=session)
        demo = demo_population.generate_demo_population(db_session=session)
    console.print(
        f"Catalogue: {courses.courses:,} courses ({'already there' if courses.skipped else 'imported now'}); "
        f"badges: {badges.badges} ({'already there' if badges.skipped else 'imported now'}); "
        f"demo population: "
        + (
            f"{demo.workers} workers, {demo.interactions:,} interactions created"
            if demo.created
            else "already there"
        ),
        soft_wrap=True,
    )
    with transaction(engine) as session:
        counts = stats_store.table_counts(db_session=session)
    table = Table("table", "rows", title=f"upskill database {get_settings().database_url}")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    _ensure_model()
    print_sample_plan()


def _ensure_model() -> None:
    """Train the hybrid ranker on the demo interactions unless a usable artefact is already there."""
    folder = get_settings().artefact_dir
    try:
        model = load_latest(folder)
        console.print(f"Model: {model.path.name} (already trained)")
    except ArtefactError:
        console.print(f"Training the hybrid ranker on the database's interactions into {folder}/ ...")
        trained = train_model()
        console.print(
            f"Model: {trained['artefact']} ({trained['interactions']:,} interactions, "
            f"validation {trained['validation']})",
            soft_wrap=True,
        )
