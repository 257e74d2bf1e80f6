"""``upskill run``: the main job that ``make run`` starts."""

from __future__ import annotations

from api.cli.common import app, console, reports_errors, runtime


@app.command()
@reports_errors
def run() -> None:
    """Migrate, import what is not there yet (ESCO, catalogue, badges, demo workers), show a sample plan."""
    from api.cli.esco import import_esco_command, print_counts
    from api.cli.plan import print_sample_plan
    from api.services.setup import has_esco, import_defaults, table_counts

    context = runtime()
    with context.transaction() as session:
        esco_there = has_esco(db_session=session)
    if not esco_there:
        console.print("Importing the bundled ESCO v1.1.1 release (first run only) ...")
        import_esco_command(None)
    with context.transaction() as session:
        defaults = import_defaults(
            db_session=session, min_confidence=context.settings.planning_min_confidence
        )
    courses, badges, demo = defaults.courses, defaults.badges, defaults.demo
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
    with context.transaction() as session:
        counts = table_counts(db_session=session)
    print_counts(counts, title=f"upskill database {context.settings.database_url}")
    _ensure_model()
    print_sample_plan()


def _ensure_model() -> None:
    """Train the hybrid ranker on the database's interactions unless the newest usable artefact was trained on
    exactly these (a re-imported catalogue or new interactions make it stale)."""
    from api.cli.model import print_configurations, train_model
    from api.services.model import latest_model, trained_on_other_data

    context = runtime()
    folder = context.settings.artefact_dir
    model, _ = latest_model(folder=folder)
    if model is not None:
        with context.transaction() as session:
            stale = trained_on_other_data(db_session=session, model=model)
        if not stale:
            console.print(f"Model: {model.path.name} (already trained on this data)")
            return
        console.print(f"Model: {model.path.name} was trained on other data than the database holds now.")
    console.print(f"Training the hybrid ranker on the database's interactions into {folder}/ ...")
    trained = train_model()
    print_configurations(trained)
    console.print(f"Model: {trained['artefact']} ({trained['interactions']:,} interactions)", soft_wrap=True)
