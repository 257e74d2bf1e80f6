"""What to do where no course closes a skill, and the unmet training demand these skills add up to.

For each gap skill a plan leaves open, :func:`choose` picks, in this order (:func:`for_group` for a skill a
group's courses leave open, a region's or a workforce's):

1. ``assessment``: a microbadge earned by assessment recognises the skill at the level needed (or the level
   the worker can reach): recognition of prior learning, no course needed;
2. ``funding``: courses teach it further, but the worker's limits (budget, free courses only, language,
   dates) rule them out: ask the employer to fund one of them;
3. ``on-the-job``: the catalogue teaches it part of the way, or it is a practical skill (ESCO type
   ``skill/competence``): the rest is learnt by supervised practice at work;
4. ``provider``: knowledge no course teaches: ask a training provider or the employer's training centre.

The choice is a :class:`~recommender.planner.model.Way` (its kind and facts: levels, the badge); each reader
words it in one function: :func:`for_worker` (a worker's plan: :func:`alternative`), :func:`for_hr` (a
workforce's, to its HR department) and :func:`for_region` (a region's portfolio, to its funders).

:func:`unmet_demand` adds these skills up over many plans (a workforce, a region): per skill, how many
people need it, how many of them as an essential skill, and what is missing (no course at all, or none
teaching the level needed). The regional planner reads it as the training nobody offers yet."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.planner.model import Alternative, BadgeOption, Plan, UncoveredSkill, Way

#: In words, what someone can do at each level of the proficiency scale (``recommender.gap``).
CAN_DO = {
    1: "know the basics",
    2: "apply {it} on routine tasks, with occasional guidance",
    3: "do {it} independently, as a practising professional",
    4: "handle hard cases and teach others",
}
LEVEL_NAMES = {0: "none", 1: "basic", 2: "intermediate", 3: "advanced", 4: "expert"}


def level_name(level: int) -> str:
    return f"{LEVEL_NAMES.get(level, str(level))} (level {level})"


def choose(
    skill: UncoveredSkill,
    *,
    badges: Sequence[BadgeOption],
    ruled_out: bool,
    skill_type: str = "",
    set_aside: str = "",
) -> Way:
    """What can be done for ``skill`` instead of a course, as facts (see the module docstring for the order);
    :func:`for_worker`, :func:`for_hr` and :func:`for_region` word it for their reader.

    ``ruled_out``: a course teaching it above the level reached exists but the worker's limits exclude it;
    ``set_aside``: how courses that name it are set aside (:attr:`Way.set_aside`), where none teaches it.
    """
    # what every way says of the skill, made once (no dataclasses.replace: plans leave up to ~300 skills open)
    facts: dict[str, Any] = {
        "skill": skill.label,
        "needed_level": skill.needed_level,
        "taught_level": skill.catalogue_level,
        "held_level": skill.held_level,
        "set_aside": set_aside,
    }
    for badge in sorted(badges, key=lambda b: b.id):
        level = badge.skills.get(skill.skill_uri)
        if badge.earned_by == "assessment" and level is not None and level > skill.reached_level:
            return Way("assessment", badge_id=badge.id, badge_name=badge.name, badge_level=level, **facts)
    if ruled_out:
        return Way("funding", **facts)
    if skill.catalogue_level >= skill.needed_level:
        return Way("on-the-job", case="prerequisites", **facts)
    if skill.catalogue_level > skill.held_level or skill.reached_level > skill.held_level:
        facts["taught_level"] = max(skill.catalogue_level, skill.reached_level)
        return Way("on-the-job", case="partial", **facts)
    if skill_type == "knowledge":
        return Way("provider", **facts)
    return Way("on-the-job", case="untaught", **facts)  # the last resort


def alternative(
    skill: UncoveredSkill,
    *,
    badges: Sequence[BadgeOption],
    ruled_out: bool,
    skill_type: str = "",
    set_aside: str = "",
) -> Alternative:
    """What the worker can do for ``skill`` instead of a course, said to the worker (:func:`choose`,
    :func:`for_worker`); the facts stay in ``way`` for another reader's wording."""
    way = choose(skill, badges=badges, ruled_out=ruled_out, skill_type=skill_type, set_aside=set_aside)
    return Alternative(way.kind, for_worker(way), way.badge_id, way=way)


def for_group(
    skill_uri: str,
    label: str,
    *,
    needed_level: int,
    catalogue_level: int,
    badges: Sequence[BadgeOption],
    skill_type: str = "",
) -> Way:
    """:func:`choose` for a skill the courses leave open for a group (a region's moves into a role, a
    workforce's people moving into one), where no one worker's plan is at hand: for a worker who holds none
    of it and takes the courses as far as they teach it (``catalogue_level``: the highest level any course
    or programme open to the group teaches it at, 0 for none)."""
    skill = UncoveredSkill(
        skill_uri,
        label,
        "essential",
        "",
        needed_level=needed_level,
        reached_level=min(catalogue_level, needed_level),
        catalogue_level=catalogue_level,
    )
    return choose(skill, badges=badges, ruled_out=False, skill_type=skill_type)


# --- wording: one function per reader, each a sentence per kind of way ----------------------------------


def for_worker(way: Way) -> str:
    """To the worker whose plan leaves the skill open (``upskill plan``, the worker page)."""
    skill, needed = way.skill, level_name(way.needed_level)
    if way.kind == "assessment":
        return (
            f"earn the badge {way.badge_name!r} by assessment (recognition of prior learning): it recognises "
            f"{skill} at {level_name(way.badge_level)}"
        )
    if way.kind == "funding":
        return (
            f"courses teach {skill} further, but your limits rule them out: ask your employer to fund one "
            "(see the reason)"
        )
    if way.kind == "provider":
        return f"{_untaught(way, skill, 'you')}: ask a training provider or your employer's training centre"
    if way.case == "prerequisites":
        return (
            f"the courses that teach {skill} to {needed} need more of it first than any course you can take "
            "brings: practise it on the job, then take one of them"
        )
    if way.case == "partial":
        return (
            f"courses teach it up to {level_name(way.taught_level)}; reach {needed} by supervised practice "
            "on the job"
        )
    untaught = _untaught(way, skill, "you")
    return f"{untaught}: learn it on the job, with a mentor or the employer's training centre"


def _untaught(way: Way, skill: str, holder: str) -> str:
    """Why no course takes ``holder`` further in ``skill`` (its name, or "it"): none teaches it, or none
    beyond the level they hold."""
    if way.taught_level > 0:
        return f"courses teach {skill} only up to {level_name(way.taught_level)}, which {holder} hold"
    return f"no course in the catalogue teaches {skill}" + (f" {way.set_aside}" if way.set_aside else "")


def for_hr(way: Way) -> str:
    """To the HR department moving its people into a role (the cohort's report, page and command): what to
    arrange for them. Shown beside the skill, so it says "it"."""
    needed = level_name(way.needed_level)
    if way.kind == "assessment":
        return (
            f"have them assessed for the badge {way.badge_name!r} (recognition of prior learning, no course "
            f"needed): it recognises it at {level_name(way.badge_level)}"
        )
    if way.kind == "funding":
        return (
            "courses teach it further, but not within these people's limits (language, dates or budget): "
            "buy seats beyond them, or ask a provider for one that fits"
        )
    if way.kind == "provider":
        return f"{_untaught(way, 'it', 'they')}: ask a training provider to run one for them"
    if way.case == "prerequisites":
        return (
            f"the courses that teach it to {needed} need more of it first than the planned courses bring: "
            "train it on the job first, then enrol them"
        )
    if way.case == "partial":
        return f"courses teach it up to {level_name(way.taught_level)}; train them on the job to {needed}"
    if way.taught_level > 0:  # they hold what the courses teach
        return f"{_untaught(way, 'it', 'they')}: train them on the job to {needed}"
    return f"{_untaught(way, 'it', 'they')}: train them on the job, with a mentor on the line"


def for_region(way: Way) -> str:
    """To the region funding programmes (the portfolio's report, page and command): what to commission or
    fund. Shown beside the skill, so it says "it"."""
    needed = level_name(way.needed_level)
    if way.kind == "assessment":
        return (
            f"fund assessments for the badge {way.badge_name!r} (recognition of prior learning): it "
            f"recognises it at {level_name(way.badge_level)}, no programme needed"
        )
    if way.kind == "funding":
        return "programmes teach it further, but none is eligible: commission an eligible one"
    if way.kind == "provider":
        return "no programme teaches it: commission a provider to develop one"
    if way.case == "prerequisites":
        return (
            f"the programmes that teach it to {needed} need more of it first than the others bring: fund "
            "work-based learning with employers to bridge it, or commission a programme that starts lower"
        )
    if way.case == "partial":
        return (
            f"programmes teach it up to {level_name(way.taught_level)}: commission one to {needed}, or fund "
            "work-based learning with employers for the rest"
        )
    return (
        "no programme teaches it, a practical skill: fund work-based learning with employers (placements, "
        "apprenticeships), or commission a programme"
    )


def as_dict(way: Way, text: str) -> dict[str, Any]:
    """A way as the reports' JSON has it (``kind``, ``text``, ``badge_id``), in the reader's ``text``."""
    return {"kind": way.kind, "text": text, "badge_id": way.badge_id}


@dataclass(frozen=True)
class UnmetSkill:
    """A skill plans leave open, over many people: the training nobody offers (at the level needed)."""

    skill_uri: str
    label: str
    people: int  # people whose plan leaves it open
    essential: int  # of whom need it as an essential skill
    catalogue_level: int  # highest level any course teaches it (0: none)
    needed_level: int  # highest level needed by any of them
    alternatives: Mapping[str, int]  # alternative kind -> people

    @property
    def taught(self) -> bool:
        return self.catalogue_level > 0

    def to_dict(self) -> dict[str, object]:
        return {
            "uri": self.skill_uri,
            "label": self.label,
            "people": self.people,
            "essential": self.essential,
            "catalogue_level": self.catalogue_level,
            "needed_level": self.needed_level,
            "alternatives": dict(sorted(self.alternatives.items())),
        }


def unmet_demand(plans: Iterable[tuple[Plan, int]]) -> list[UnmetSkill]:
    """Aggregate the skills ``plans`` leave open, each plan counted for ``people`` workers.

    Returns
    -------
    list of UnmetSkill
        Most people first (essential demand, then skill URI on ties).
    """
    people: dict[str, int] = {}
    essential: dict[str, int] = {}
    label: dict[str, str] = {}
    top: dict[str, int] = {}
    needed: dict[str, int] = {}
    kinds: dict[str, dict[str, int]] = {}
    for plan, count in plans:
        if count < 0:
            raise ValueError(f"a plan counts for at least 0 people, got {count}")
        for skill in plan.uncovered_skills:
            uri = skill.skill_uri
            people[uri] = people.get(uri, 0) + count
            essential[uri] = essential.get(uri, 0) + (count if skill.essential else 0)
            label[uri] = skill.label
            top[uri] = max(top.get(uri, 0), skill.catalogue_level)
            needed[uri] = max(needed.get(uri, 0), skill.needed_level)
            kind = skill.alternative.kind if skill.alternative else "none"
            kinds.setdefault(uri, {})[kind] = kinds.get(uri, {}).get(kind, 0) + count
    return sorted(
        (
            UnmetSkill(uri, label[uri], people[uri], essential[uri], top[uri], needed[uri], kinds[uri])
            for uri in people
            if people[uri] > 0
        ),
        key=lambda u: (-u.essential, -u.people, u.skill_uri),
    )


def outcomes(
    reached: Mapping[str, int], held: Mapping[str, int], label: Mapping[str, str]
) -> tuple[str, ...]:
    """In words, what the worker can do when done: the skills the plan raises, by the level reached."""
    by_level: dict[int, list[str]] = {}
    for uri, level in reached.items():
        if level > held.get(uri, 0):
            by_level.setdefault(level, []).append(label[uri])
    return tuple(
        f"{', '.join(sorted(names))}: {CAN_DO[level].format(it='them' if len(names) > 1 else 'it')} "
        f"({LEVEL_NAMES[level]})"
        for level, names in sorted(by_level.items(), reverse=True)
        if level in CAN_DO
    )
