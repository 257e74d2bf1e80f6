"""Learning-path planner: select, order and schedule courses (and badges) that close a skill gap.

Entry point: :func:`plan_paths`. Inputs and outputs are the frozen dataclasses of :mod:`.model`; nothing here
touches the database (``data.plan_inputs`` loads courses and badges, ``recommender.planner.from_gap`` turns a
``recommender.gap.SkillGap`` into gap items)::

    constraints = Constraints(budget=1500, currency="USD", start=day, hours_per_week=6)
    result = plan_paths(gap_items(gap), courses, constraints, badges=badges)
    result.best.steps          # ordered, scheduled, explained courses
    result.best.certificate    # ratio to the MILP optimum (or the LP bound)
    result.to_dict()           # the JSON of ``upskill plan --json``

Modules: ``model`` (dataclasses), ``filters`` (constraints -> available courses, with reasons),
``relevance`` (which courses are evidence enough for a target), ``build`` (the cover problem, requirements
from catalogue prerequisites and level order), ``selection`` (the problem on indices, a selection's value,
the prune), ``cover`` (the solver the planner calls: the exact MILP within a time limit, the greedy alone
above a size, and the certificate), ``greedy`` (the lazy greedy, its fallback), ``catalogue`` (a
catalogue checked and indexed once for many plans), ``order``, ``schedule``, ``badges``, ``alternatives``
(what to do where no course closes a skill), ``from_gap`` (a skill gap as gap items), ``plan``
(orchestration and explanations).
"""

from recommender.planner.catalogue import PlanCatalogue
from recommender.planner.model import (
    ADVANCED_LEVEL,
    BadgeEvent,
    BadgeNearMiss,
    BadgeOption,
    Certificate,
    Constraints,
    CourseOption,
    DeadlineCheck,
    Exclusion,
    GapItem,
    Plan,
    PlanResult,
    Prerequisite,
    Step,
    UncoveredSkill,
)
from recommender.planner.order import check_prerequisites, find_cycle, topological_order
from recommender.planner.plan import content_scores, plan_paths

__all__ = [
    "ADVANCED_LEVEL",
    "BadgeEvent",
    "BadgeNearMiss",
    "BadgeOption",
    "Certificate",
    "Constraints",
    "CourseOption",
    "DeadlineCheck",
    "Exclusion",
    "GapItem",
    "Plan",
    "PlanCatalogue",
    "PlanResult",
    "Prerequisite",
    "Step",
    "UncoveredSkill",
    "check_prerequisites",
    "content_scores",
    "find_cycle",
    "plan_paths",
    "topological_order",
]
