"""Learning-path planner: select, order and schedule courses (and badges) that close a skill gap.

Entry point: :func:`plan_paths`. Inputs and outputs are the frozen dataclasses of :mod:`.model`; nothing here
touches the database.
"""

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
