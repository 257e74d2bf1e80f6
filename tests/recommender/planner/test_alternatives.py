"""One choice of what to do where no course closes a skill, worded for each reader (issue 12): the
worker's sentences are those plans have always printed; HR's and the region's speak to their reader."""

from __future__ import annotations

import pytest

from recommender.planner import BadgeOption
from recommender.planner.alternatives import alternative, choose, for_group, for_hr, for_region, for_worker
from recommender.planner.model import UncoveredSkill, Way

RPL = BadgeOption("rpl", "Battery basics", {"s": 2}, earned_by="assessment")


def _skill(*, needed: int = 3, held: int = 0, reached: int = 0, catalogue: int = 0) -> UncoveredSkill:
    return UncoveredSkill("s", "battery chemistry", "essential", "", needed, held, reached, catalogue)


#: (the skill, badges, ruled out, ESCO type) -> the way chosen, and what the worker reads.
CASES = [
    (
        (_skill(), [RPL], False, ""),
        Way("assessment", "battery chemistry", 3, badge_id="rpl", badge_name="Battery basics", badge_level=2),
        "earn the badge 'Battery basics' by assessment (recognition of prior learning): it recognises "
        "battery chemistry at intermediate (level 2)",
    ),
    (
        (_skill(catalogue=3), [], True, ""),
        Way("funding", "battery chemistry", 3, taught_level=3),
        "courses teach battery chemistry further, but your limits rule them out: ask your employer to fund "
        "one (see the reason)",
    ),
    (
        (_skill(catalogue=3, reached=1), [], False, ""),
        Way("on-the-job", "battery chemistry", 3, case="prerequisites", taught_level=3),
        "the courses that teach battery chemistry to advanced (level 3) need more of it first than any "
        "course you can take brings: practise it on the job, then take one of them",
    ),
    (
        (_skill(catalogue=2, reached=2), [], False, ""),
        Way("on-the-job", "battery chemistry", 3, case="partial", taught_level=2),
        "courses teach it up to intermediate (level 2); reach advanced (level 3) by supervised practice on "
        "the job",
    ),
    (
        (_skill(), [], False, "knowledge"),
        Way("provider", "battery chemistry", 3),
        "no course in the catalogue teaches battery chemistry: ask a training provider or your employer's "
        "training centre",
    ),
    (
        (_skill(), [], False, "skill/competence"),
        Way("on-the-job", "battery chemistry", 3, case="untaught"),
        "no course in the catalogue teaches battery chemistry: learn it on the job, with a mentor or the "
        "employer's training centre",
    ),
    (  # they hold what the courses teach: never "no course teaches it" (HR's sentence below)
        (_skill(held=2, reached=2, catalogue=2), [], False, ""),
        Way("on-the-job", "battery chemistry", 3, case="untaught", taught_level=2, held_level=2),
        "courses teach battery chemistry only up to intermediate (level 2), which you hold: learn it on the "
        "job, with a mentor or the employer's training centre",
    ),
    (  # knowledge taught only up to what they hold
        (_skill(held=1, reached=1, catalogue=1), [], False, "knowledge"),
        Way("provider", "battery chemistry", 3, taught_level=1, held_level=1),
        "courses teach battery chemistry only up to basic (level 1), which you hold: ask a training provider "
        "or your employer's training centre",
    ),
]


@pytest.mark.parametrize(("given", "way", "worker"), CASES)
def test_one_choice_each_reader_its_own_sentence(
    given: tuple[UncoveredSkill, list[BadgeOption], bool, str], way: Way, worker: str
) -> None:
    skill, badges, ruled_out, skill_type = given
    assert choose(skill, badges=badges, ruled_out=ruled_out, skill_type=skill_type) == way
    assert for_worker(way) == worker
    said = alternative(skill, badges=badges, ruled_out=ruled_out, skill_type=skill_type)
    assert (said.kind, said.text, said.badge_id, said.way) == (way.kind, worker, way.badge_id, way)
    hr, region = for_hr(way), for_region(way)
    assert len({worker, hr, region}) == 3
    for text in (hr, region):  # never to a worker, never "your"
        assert "your" not in text and "you " not in text
    assert "programme" in region and ("commission" in region or "fund" in region)
    assert "course" in hr or "badge" in hr


def test_hr_and_region_sentences() -> None:
    ways = {(w.kind, w.case, w.held_level): w for _, w, _ in CASES}
    assert for_hr(ways["provider", "", 0]) == (
        "no course in the catalogue teaches it: ask a training provider to run one for them"
    )
    assert for_hr(ways["on-the-job", "untaught", 0]) == (
        "no course in the catalogue teaches it: train them on the job, with a mentor on the line"
    )
    assert for_hr(ways["on-the-job", "untaught", 2]) == (
        "courses teach it only up to intermediate (level 2), which they hold: train them on the job to "
        "advanced (level 3)"
    )
    assert for_hr(ways["assessment", "", 0]).startswith("have them assessed for the badge 'Battery basics'")
    assert (
        for_region(ways["provider", "", 0]) == "no programme teaches it: commission a provider to develop one"
    )


def test_for_group_chooses_for_someone_who_holds_none_of_it() -> None:
    way = for_group("s", "battery chemistry", needed_level=3, catalogue_level=2, badges=[])
    assert way == Way("on-the-job", "battery chemistry", 3, case="partial", taught_level=2)
    assert for_group("s", "battery chemistry", needed_level=3, catalogue_level=0, badges=[RPL]).kind == (
        "assessment"
    )
