"""The plans answer's JSON (``api.http.routers.planning.plans_json``): the set-aside list written once per
list and put in place, the bytes those of writing the whole answer."""

from __future__ import annotations

from typing import Any

import pydantic_core
import pytest

from api.http.routers import planning

SET_ASIDE = (
    {"course_id": "c-1", "reason": "taught in fr; accepted: de, en"},
    {"course_id": "c-2", "reason": 'a "quoted" reason, ü, \u2028 and a tab\t'},
)


@pytest.mark.parametrize(
    "answer",
    [
        {"target_uri": "occ:a", "ranking": "x", "set_aside": SET_ASIDE, "plans": [{"kind": "fastest"}]},
        {"set_aside": SET_ASIDE},
        {"set_aside": SET_ASIDE, "plans": []},
        {"target_uri": "occ:a", "set_aside": SET_ASIDE},
        {"target_uri": "occ:a", "set_aside": (), "plans": []},
        {"target_uri": "occ:a", "set_aside": list(SET_ASIDE)},
    ],
)
def test_the_json_is_the_whole_answers(answer: dict[str, Any]) -> None:
    assert planning.plans_json(answer) == pydantic_core.to_json(answer)
    assert planning.plans_json(answer) == pydantic_core.to_json(answer)  # the second from the kept bytes


def test_a_list_is_written_once_and_kept_with_the_list() -> None:
    first = planning._set_aside_json(SET_ASIDE)
    assert planning._set_aside_json(SET_ASIDE) is first
    other = tuple(dict(item) for item in SET_ASIDE)  # equal, another list: its own bytes, equal
    assert planning._set_aside_json(other) == first and planning._set_aside_json(other) is not first
    for n in range(planning.SET_ASIDE_KEPT + 1):  # the oldest go
        planning._set_aside_json(({"course_id": f"c-{n}", "reason": "r"},))
    assert planning._set_aside_json(SET_ASIDE) is not first
    assert len(planning._set_aside_kept) == planning.SET_ASIDE_KEPT
