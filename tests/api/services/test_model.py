"""`upskill train` says which feature configuration won and why; `upskill run` knows a stale model."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from sqlalchemy.orm import Session

from api.services.model import configuration_summary, trained_on_other_data, why_chosen
from data.models import Course, Interaction, Organisation, Worker
from training.artefacts import data_hash
from training.dataset import from_database
from training.fit import FitReport


def test_the_chosen_configuration_has_the_highest_best_score_even_when_its_last_is_lower() -> None:
    histories = {"identity+metadata": [0.03, 0.045, 0.041, 0.040], "metadata": [0.02, 0.035, 0.038]}
    summary = configuration_summary(histories)
    assert summary["identity+metadata"] == {"best": 0.045, "best_epoch": 2, "epochs_run": 4, "last": 0.04}
    assert summary["metadata"]["last"] == 0.038  # a later-stopping fit can end higher than the winner's last
    report = FitReport(
        configuration="identity+metadata",
        best_epoch=2,
        validation_history=histories,
        weights={"hybrid": 0.7, "popularity": 0.3},
        validation_score=0.0462,
        selection_metric="ndcg@10",
        validation_users=500,
    )
    text = why_chosen(report)
    assert text.startswith(
        "identity+metadata won: the highest best-epoch ndcg@10 on the 500 validation users"
    )
    assert "0.0450 at epoch 2, against metadata 0.0380 (epoch 3)" in text
    assert "refitted on all interactions for 2 epochs" in text and "hybrid 0.7, popularity 0.3" in text


def test_a_model_is_stale_once_the_database_holds_other_data(db_session: Session) -> None:
    """``upskill run`` retrains when the newest artefact was trained on other interactions or features."""
    org = Organisation(name="Test org")
    db_session.add(org)
    db_session.flush()
    worker = Worker(organisation_id=org.id, external_id="w0", region="DE11", languages=["de"])
    courses = [Course(id=f"c{i}", title=f"Course {i}", language="en", hours=3.0) for i in range(2)]
    db_session.add_all([worker, *courses])
    db_session.flush()
    when = datetime(2025, 1, 1, tzinfo=UTC)
    db_session.add(Interaction(worker_id=worker.id, course_id="c0", kind="completed", occurred_at=when))
    db_session.flush()
    model = SimpleNamespace(metadata={"data_hash": data_hash(from_database(db_session=db_session))})
    assert not trained_on_other_data(db_session=db_session, model=model)  # type: ignore[arg-type]
    db_session.add(Interaction(worker_id=worker.id, course_id="c1", kind="enrolled", occurred_at=when))
    db_session.flush()
    assert trained_on_other_data(db_session=db_session, model=model)  # type: ignore[arg-type]
