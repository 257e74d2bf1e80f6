"""The harness and `upskill evaluate model` on tiny synthetic data: every model, one JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from evaluation.datasets import write_generic
from evaluation.harness import run
from tests.evaluation.synthetic import two_communities
from training.params import ModelParams

MODELS = {
    "popularity",
    "item-knn",
    "last-item-transitions",
    "lightfm-cf",
    "lightfm-features",
    "hybrid",
    "hybrid-lightfm-only",
}
METRICS = {"hr@10", "ndcg@10", "precision@10", "recall@10", "map@10", "auc", "coverage", "novelty"}


def fast_params() -> ModelParams:
    return ModelParams(components=8, max_epochs=4, patience=2)


def test_every_model_on_the_same_split() -> None:
    data = two_communities()
    result, details = run(data, "leave-last-out", fast_params(), bootstrap=50)
    assert set(result) == {"models", "protocol", "n_users", "n_items"}
    assert set(result["models"]) == MODELS
    for name, values in result["models"].items():
        assert set(values) == METRICS, name
        assert 0.0 <= values["hr@10"] <= 1.0 and 0.0 <= values["auc"] <= 1.0
    # The community structure is easy: the sequence signal finds the next item for everyone.
    assert result["models"]["last-item-transitions"]["hr@10"] >= 0.9
    assert result["models"]["hybrid"]["hr@10"] >= result["models"]["popularity"]["hr@10"]
    validation = details["models"]["hybrid"]["validation"]
    assert sum(validation["blend_weights"].values()) == pytest.approx(1.0)
    assert details["evaluated_users"] == data.n_users and not details["sampled_users"]
    assert "ci95" in details["models"]["hybrid"]["bootstrap"]["all"]["ndcg@10"]
    # The LightFM baselines are early-stopped on the same validation split as the hybrid's LightFM part.
    for name, configuration in (("lightfm-cf", "identity"), ("lightfm-features", "metadata")):
        chosen = details["models"][name]["validation"]
        assert chosen["configuration"] == configuration and 1 <= chosen["best_epoch"] <= 4
        assert chosen["selection_metric"] == validation["selection_metric"] == "ndcg@10"
        assert chosen["validation_users"] == validation["validation_users"]
    ablation = details["models"]["hybrid-lightfm-only"]["validation"]
    assert ablation["configuration"] == validation["configuration"]
    assert (
        details["models"]["hybrid-lightfm-only"]["fit_seconds"] < details["models"]["hybrid"]["fit_seconds"]
    )


@pytest.mark.parametrize("protocol", ["item-cold-start", "user-cold-start", "chronological"])
def test_other_protocols_run(protocol: str) -> None:
    result, _ = run(two_communities(n_users=80), protocol, fast_params())
    assert result["protocol"] == protocol
    # Cold-start items/users are described by the group feature: the feature models rank them well.
    assert result["models"]["lightfm-features"]["auc"] > 0.6


def test_cli_generic_form_prints_the_json_shape_and_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = two_communities(n_users=30, n_items=20, per_user=4)
    write_generic(data, tmp_path)
    monkeypatch.setenv("UPSKILL_MODEL_COMPONENTS", "8")
    monkeypatch.setenv("UPSKILL_MODEL_MAX_EPOCHS", "3")
    from api.settings import get_settings

    arguments = [
        "evaluate",
        "model",
        "--interactions",
        str(tmp_path / "interactions.csv"),
        "--item-features",
        str(tmp_path / "item_features.csv"),
        "--protocol",
        "leave-last-out",
        "--models",
    ]
    get_settings.cache_clear()
    try:
        outcome = CliRunner().invoke(app, [*arguments, "popularity,hybrid", "--json"])
        # without --json: a table titled with the data set
        table = CliRunner().invoke(app, [*arguments, "popularity"])
    finally:
        get_settings.cache_clear()
    assert outcome.exit_code == 0, outcome.output
    result = json.loads(outcome.stdout)
    assert set(result) == {"models", "protocol", "n_users", "n_items"}
    assert set(result["models"]) == {"popularity", "hybrid"}
    assert (result["n_users"], result["n_items"]) == (data.n_users, data.n_items)
    assert table.exit_code == 0, table.output
    title = f"interactions, leave-last-out: {data.n_users} users x {data.n_items} items"
    assert title in table.stdout
    popularity = result["models"]["popularity"]
    assert f"{popularity['hr@10']:.4f}" in table.stdout, table.stdout


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(app, ["evaluate", "model", "--dataset", "mars", "--interactions", "x.csv"])
    assert both.exit_code == 2 and "exactly one" in both.output
    bad = runner.invoke(app, ["evaluate", "model", "--dataset", "mars", "--protocol", "random"])
    assert bad.exit_code == 2 and "leave-last-out" in bad.output
    missing = runner.invoke(app, ["evaluate", "model", "--interactions", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "file not found" in " ".join(missing.output.split())
