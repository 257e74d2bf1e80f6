"""`upskill train` says which feature configuration won and why: the highest best-epoch score."""

from __future__ import annotations

from api.services.model import configuration_summary, why_chosen
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
