"""Ranking a worker's courses on arrays (``CourseIndex``): the planner's content score to the last bit, and
one index per served (options, model) pair, so a swapped model or new options are never ranked on stale
positions."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from api.services import plans as plan_service
from api.services import worker_learning
from data.plan_inputs import rate_table
from recommender.planner import CourseOption, GapItem
from recommender.planner.plan import content_scores
from tests.api.models import COURSES, save_model
from training.artefacts import load

SKILLS = [f"skill:{n:02d}" for n in range(12)]


def _catalogue(rng: random.Random, n: int) -> tuple[CourseOption, ...]:
    return tuple(
        CourseOption(
            f"c{i:03d}",
            f"Course {i}",
            1.0 + i,
            skills={uri: rng.randint(0, 4) for uri in rng.sample(SKILLS, rng.randint(0, 6))},
        )
        for i in rng.sample(range(n), n)  # not in id order: the index must not rely on it
    )


def _gap(rng: random.Random) -> list[GapItem]:
    items = []
    for uri in rng.sample(SKILLS + ["skill:taught-by-none"], 7):
        needed = rng.randint(1, 4)
        items.append(
            GapItem(
                uri,
                uri,
                rng.choice(["essential", "optional"]),
                needed_level=needed,
                held_level=rng.randint(0, needed),  # held in full sometimes: every course teaching it counts
                weight=rng.uniform(0.1, 2.0),
            )
        )
    return items


@pytest.mark.parametrize("seed", range(20))
def test_content_scores_on_arrays_are_the_planners_to_the_last_bit(seed: int) -> None:
    rng = random.Random(seed)
    courses = _catalogue(rng, 60)
    options = plan_service.PlanOptions(courses=courses, terms={}, badges=(), rates=rate_table())
    index = worker_learning.CourseIndex.build(options, None)
    gap = _gap(rng)
    reference = content_scores(gap, courses)
    assert index.content_scores(gap).tolist() == [reference[c.id] for c in courses]
    assert index.content_scores([]).tolist() == [0.0] * len(courses)


def test_one_index_per_served_options_and_model(tmp_path: Path) -> None:
    courses = tuple(CourseOption(course, course, 2.0) for course in (*COURSES, "not-in-the-model"))
    options = plan_service.PlanOptions(courses=courses, terms={}, badges=(), rates=rate_table())
    first = load(save_model(tmp_path, "ev-adv"))
    index = worker_learning.course_index(options, first)
    assert worker_learning.course_index(options, first) is index  # built once for the pair
    ids = [c.id for c in courses]
    assert [first.items.id(p) for p in index.positions[:-1]] == ids[:-1] and index.positions[-1] == -1

    swapped = load(save_model(tmp_path, "battery-adv", seed=1))  # the hot swap: a new model object
    after = worker_learning.course_index(options, swapped)
    assert after is not index and [swapped.items.id(p) for p in after.positions[:-1]] == ids[:-1]
    renewed = plan_service.PlanOptions(courses=courses[:2], terms={}, badges=(), rates=rate_table())
    assert len(worker_learning.course_index(renewed, swapped).courses) == 2  # new options: a new index
    assert worker_learning.course_index(options, None).positions.tolist() == [-1] * len(courses)
    assert len(worker_learning._indexes) == worker_learning.INDEXES_KEPT  # the oldest pairs let go
    assert np.array_equal(worker_learning.course_index(options, first).positions, index.positions)
