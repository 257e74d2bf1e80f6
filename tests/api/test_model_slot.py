"""The hot swap of one process: a newer valid artefact replaces the model; an unusable one is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from api.model_slot import ModelSlot
from tests.api.models import other_version_copy, save_model, truncated_copy


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("artefacts")


def test_a_newer_artefact_is_swapped_in_after_the_check_interval(tmp_path: Path) -> None:
    first = save_model(tmp_path, "ev-adv")
    clock = Clock()
    slot = ModelSlot(tmp_path, check_seconds=10, clock=clock)
    model = slot.current()
    assert model is not None and model.path == first and slot.problem == ""
    second = save_model(tmp_path, "battery-adv", seed=1)
    clock.now = 5
    assert not slot.due(), "a request then takes the model as it is (on the event loop)"
    assert slot.current() is model, "not looked at before check_seconds have passed"
    clock.now = 10
    assert slot.due(), "now a request looks at the folder (in the thread pool: it may load a model)"
    swapped = slot.current()
    assert swapped is not None and swapped.path == second and swapped is not model
    assert model.path == first, "the old object is left whole for the requests holding it"
    assert slot.rejected == []


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [(truncated_copy, "checksum does not match"), (other_version_copy, "format 99")],
    ids=["truncated", "incompatible version"],
)
def test_an_unusable_newer_artefact_is_refused_and_the_model_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, spoil, reason: str
) -> None:
    good = save_model(tmp_path, "ev-adv")
    slot = ModelSlot(tmp_path, check_seconds=0)
    model = slot.current()
    assert model is not None
    bad = spoil(good)
    with caplog.at_level(logging.WARNING, logger="upskill.model"):
        assert slot.current() is model
    (rejection,) = slot.rejected
    assert rejection.artefact == bad.stem and reason in rejection.reason
    assert bad.name in caplog.text and reason in caplog.text
    slot.current()
    assert len(slot.rejected) == 1, "a refused file is not tried again"
    newest = save_model(tmp_path, "battery-adv", seed=1)
    swapped = slot.current()
    assert swapped is not None and swapped.path == newest
    assert slot.rejected == [], "a refusal older than the served model no longer counts"


def test_at_start_newer_unusable_artefacts_are_refused_and_an_older_one_served(tmp_path: Path) -> None:
    good = save_model(tmp_path, "ev-adv")
    bad = truncated_copy(good)
    slot = ModelSlot(tmp_path)
    model = slot.load()
    assert model is not None and model.path == good
    assert [r.artefact for r in slot.rejected] == [bad.stem]


def test_without_a_usable_artefact_there_is_no_model_and_the_reason(tmp_path: Path) -> None:
    slot = ModelSlot(tmp_path / "none", check_seconds=0)
    assert slot.current() is None and "no usable model artefact" in slot.problem
    good = save_model(tmp_path / "none", "ev-adv")
    bad = other_version_copy(good)
    good.unlink()
    slot = ModelSlot(tmp_path / "none", check_seconds=0)
    assert slot.current() is None
    assert "format 99" in slot.problem and bad.stem in slot.rejected[0].artefact
