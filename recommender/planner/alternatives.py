"""What to do where no course closes a skill, and the unmet training demand these skills add up to.

For each gap skill a plan leaves open, :func:`alternative` picks, in this order (:func:`for_group` for a
skill a group's courses leave open, a region's or a workforce's):

1. ``assessment``: a microbadge earned by assessment recognises the skill at the level needed (or the level
   the worker can reach): recognition of prior learning, no course needed;
2. ``funding``: courses teach it further, but the worker's limits (budget, free courses only, language,
   dates) rule them out: ask the employer to fund one of them;
3. ``on-the-job``: the catalogue teaches it part of the way, or it is a practical skill (ESCO type
   ``skill/competence``): the rest is learnt by supervised practice at work;
4. ``provider``: knowledge no course teaches: ask a training provider or the employer's training centre.

:func:`unmet_demand` adds these skills up over many plans (a workforce, a region): per skill, how many
people need it, how many of them as an essential skill, and what is missing (no course at all, or none
teaching the level needed). The regional planner reads it as the training nobody offers yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from recommender.planner.model import Alternative, BadgeOption, Plan, UncoveredSkill

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


def alternative(
    skill: UncoveredSkill,
    *,
    badges: Sequence[BadgeOption],
    ruled_out: bool,
    skill_type: str = "",
) -> Alternative:
    """What the worker can do for ``skill`` instead of a course (see the module docstring for the order).

    ``ruled_out``: a course teaching it above the level reached exists but the worker's limits exclude it.
    """
    for badge in sorted(badges, key=lambda b: b.id):
        level = badge.skills.get(skill.skill_uri)
        if badge.earned_by == "assessment" and level is not None and level > skill.reached_level:
            return Alternative(
                "assessment",
                f"earn the badge {badge.name!r} by assessment (recognition of prior learning): it recognises "
                f"{skill.label} at {level_name(level)}",
                badge.id,
            )
    if ruled_out:
        return Alternative(
            "funding",
            f"courses teach {skill.label} further, but your limits rule them out: ask your employer to fund "
            "one (see the reason)",
        )
    if skill.catalogue_level >= skill.needed_level:
        return Alternative(
            "on-the-job",
            f"the courses that teach {skill.label} to {level_name(skill.needed_level)} need more of it first "
            "than any course you can take brings: practise it on the job, then take one of them",
        )
    if skill.catalogue_level > skill.held_level or skill.reached_level > skill.held_level:
        top = max(skill.catalogue_level, skill.reached_level)
        return Alternative(
            "on-the-job",
            f"courses teach it up to {level_name(top)}; reach {level_name(skill.needed_level)} by supervised "
            "practice on the job",
        )
    if skill_type == "knowledge":
        return Alternative(
            "provider",
            f"no course in the catalogue teaches {skill.label}: ask a training provider or your employer's "
            "training centre",
        )
    return Alternative(
        "on-the-job",
        f"no course in the catalogue teaches {skill.label}: learn it on the job, with a mentor or the "
        "employer's training centre",
    )


def for_group(
    skill_uri: str,
    label: str,
    *,
    needed_level: int,
    catalogue_level: int,
    badges: Sequence[BadgeOption],
    skill_type: str = "",
) -> Alternative:
    """:func:`alternative` for a skill the courses leave open for a group (a region's moves into a role, a
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
    return alternative(skill, badges=badges, ruled_out=False, skill_type=skill_type)


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
