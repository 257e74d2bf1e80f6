"""Job titles resolve only with confidence; everything else goes to HR to confirm, never guessed."""

from __future__ import annotations

import pytest

from recommender.errors import ImportFormatError
from recommender.graph import CompetenceGraph
from recommender.workforce import (
    PersonRecord,
    TargetRecord,
    resolve_targets,
    resolve_title,
    resolve_workforce,
)


def test_exact_labels_resolve(tiny_graph: CompetenceGraph) -> None:
    for title in ("welder", "Metal Welder", "EV battery tech"):
        match = resolve_title(tiny_graph, title)
        assert match.status == "resolved" and match.uri is not None
    assert resolve_title(tiny_graph, "metal welder").uri == "occ:welder"


def test_unclear_titles_are_listed_with_candidates(tiny_graph: CompetenceGraph) -> None:
    match = resolve_title(tiny_graph, "welder for pipes and metal")
    assert match.status == "confirm" and match.uri is None
    assert {c.uri for c in match.candidates} & {"occ:welder", "occ:welder2"}
    assert "below" in match.reason or "too close" in match.reason
    nothing = resolve_title(tiny_graph, "Jolly di linea")
    assert nothing.status == "confirm" and nothing.uri is None


def test_real_italian_titles_are_not_guessed(esco_graph: CompetenceGraph) -> None:
    for title in ("Montatore", "Operatore CNC reparto motori", "Collaudatore motori"):
        assert resolve_title(esco_graph, title).status == "confirm"
    assert resolve_title(esco_graph, "Motor Vehicle Engine Assembler").status == "resolved"


def test_resolve_workforce_splits_people_and_titles_to_confirm(tiny_graph: CompetenceGraph) -> None:
    records = [
        PersonRecord(
            "w.csv", 2, "a", job_title="Saldatore", occupation="welder", skills={"battery chemistry": 2}
        ),
        PersonRecord("w.csv", 3, "b", job_title="pipe welder", past_occupations=("vehicle painter",)),
        PersonRecord("w.csv", 4, "c", job_title="Saldatore"),
    ]
    workforce = resolve_workforce(tiny_graph, records)
    assert [p.person_id for p in workforce.people] == ["a", "b"]
    assert workforce.people[0].occupations == ("occ:welder",)
    assert workforce.people[0].skills == {"skill:battery": 2}
    assert workforce.people[1].occupations == ("occ:welder2", "occ:painter")
    assert [(c.person_id, c.line) for c in workforce.to_confirm] == [("c", 4)]


@pytest.mark.parametrize(
    ("record", "column"),
    [
        (PersonRecord("w.csv", 5, "a", occupation="astronaut"), "occupation"),
        (
            PersonRecord("w.csv", 5, "a", occupation="welder", past_occupations=("astronaut",)),
            "past_occupations",
        ),
        (PersonRecord("w.csv", 5, "a", occupation="welder", skills={"juggling": 2}), "skills"),
    ],
)
def test_unknown_references_are_located(
    tiny_graph: CompetenceGraph, record: PersonRecord, column: str
) -> None:
    with pytest.raises(ImportFormatError) as error:
        resolve_workforce(tiny_graph, [record])
    assert (error.value.file, error.value.line, error.value.column) == ("w.csv", 5, column)


def test_targets_resolve_once_each(tiny_graph: CompetenceGraph) -> None:
    targets = resolve_targets(tiny_graph, [TargetRecord("t.csv", 2, "battery technician", 3)])
    assert targets[0].uri == "occ:battery" and targets[0].label == "battery technician"
    with pytest.raises(ImportFormatError, match="already a target") as error:
        resolve_targets(
            tiny_graph, [TargetRecord("t.csv", 2, "welder", 1), TargetRecord("t.csv", 3, "metal welder", 2)]
        )
    assert error.value.line == 3


def test_the_scenario3_demo_resolves_on_esco(esco_graph: CompetenceGraph) -> None:
    from data.demo import scenario3
    from data.formats.workforce import read_targets, read_workforce

    folder = scenario3.HERE
    workforce = resolve_workforce(esco_graph, read_workforce(folder / "scenario3_workforce.csv"))
    targets = resolve_targets(esco_graph, read_targets(folder / "scenario3_targets.csv"))
    assert [t.label for t in targets] == [label for label, _ in scenario3.TARGETS]
    # the four English ESCO labels resolve; the six Italian titles without an occupation go to HR
    assert len(workforce.to_confirm) == 6 and len(workforce.people) == 174
    assert all(c.match.candidates or "no ESCO" in c.match.reason for c in workforce.to_confirm)


class _FakeMatcher:
    """Resolves 'Saldatore' to the welder at 0.9; anything else has only a weak candidate."""

    def resolve_many(self, titles):  # type: ignore[no-untyped-def]
        from recommender.text.titles import Resolution
        from recommender.text.titles import TitleMatch as Ranked

        welder = Ranked("occ:welder", "welder", 0.9, "saldatore", "it", ("saldatore",))
        weak = Ranked("occ:painter", "vehicle painter", 0.2, "verniciatore", "it", ())
        return [
            Resolution(t, welder, (welder,), 0.7) if t == "Saldatore" else Resolution(t, None, (weak,), 0.7)
            for t in titles
        ]


def test_a_title_matcher_resolves_only_above_its_threshold(tiny_graph: CompetenceGraph) -> None:
    records = [
        PersonRecord("w.csv", 2, "a", job_title="Saldatore"),
        PersonRecord("w.csv", 3, "b", job_title="Jolly di linea"),
        PersonRecord("w.csv", 4, "c", job_title="Jolly di linea", occupation="vehicle painter"),
        PersonRecord("w.csv", 5, "d", job_title="Pipe Welder"),  # an exact label: no matcher needed
    ]
    workforce = resolve_workforce(tiny_graph, records, matcher=_FakeMatcher())
    assert [(p.person_id, p.occupations) for p in workforce.people] == [
        ("a", ("occ:welder",)),
        ("c", ("occ:painter",)),
        ("d", ("occ:welder2",)),
    ]
    (confirm,) = workforce.to_confirm
    assert confirm.person_id == "b" and confirm.match.candidates[0].uri == "occ:painter"
    assert "below 0.7" in confirm.match.reason
