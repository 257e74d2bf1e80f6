"""The levels a target needs: the default (``recommender.gap``) and an organisation's table overriding it.

The table is a CSV file (``upskill plan --required-levels FILE``) or a list in the request
(``POST /v1/plans``: ``required_levels``), with the columns

* ``occupation``: the target occupation the row applies to (ESCO URI or exact label), empty for every target;
* ``skill``: an ESCO skill (URI or exact label), or ``essential`` / ``optional`` for all the target's skills
  of that relation;
* ``level``: 1 (basic) .. 4 (expert).

For each skill of the target the most specific row wins: this occupation and this skill, this occupation and
the skill's relation, any occupation and this skill, any occupation and the relation, then the default.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from recommender.errors import ImportFormatError, UpskillError
from recommender.gap import DEFAULT_LEVELS, MAX_LEVEL, RequiredLevels
from recommender.graph import ESSENTIAL, CompetenceGraph

RELATIONS = ("essential", "optional")
COLUMNS = ("occupation", "skill", "level")


@dataclass(frozen=True)
class LevelRule:
    """One row of an organisation's table: ``skill`` is a skill reference or a relation."""

    occupation: str | None
    skill: str
    level: int
    where: str = "required_levels"  # file and line, or the request field, for errors


def read_level_table(path: Path) -> list[LevelRule]:
    """Read the CSV table; a bad row raises :class:`ImportFormatError` with file, line and column."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFormatError("no such file", file=name) from None
    except UnicodeDecodeError as error:
        raise ImportFormatError(f"not UTF-8 text ({error.reason} at byte {error.start})", file=name) from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportFormatError(
            f"missing column(s) {', '.join(missing)}; the header must name {', '.join(COLUMNS)}",
            file=name,
            line=1,
        )
    rules = []
    for number, row in enumerate(reader, start=2):
        rules.append(
            _rule(
                row.get("occupation"),
                row.get("skill"),
                row.get("level"),
                f"{name}, line {number}",
                name,
                number,
            )
        )
    return rules


def rules_from_request(rows: Sequence[tuple[str | None, str, int]]) -> list[LevelRule]:
    """The request's ``required_levels`` (occupation or None, skill or relation, level) as rules."""
    return [
        _rule(occ, skill, str(level), f"required_levels[{i}]", "request", None)
        for i, (occ, skill, level) in enumerate(rows)
    ]


def _rule(
    occupation: str | None, skill: str | None, level: str | None, where: str, file: str, line: int | None
) -> LevelRule:
    skill = (skill or "").strip()
    if not skill:
        raise ImportFormatError(
            "empty: give an ESCO skill, or essential / optional", file=file, line=line, column="skill"
        )
    try:
        value = int((level or "").strip())
    except ValueError:
        value = -1
    if not 1 <= value <= MAX_LEVEL:
        raise ImportFormatError(
            f"{level!r} is not a level from 1 (basic) to {MAX_LEVEL} (expert)",
            file=file,
            line=line,
            column="level",
        )
    return LevelRule((occupation or "").strip() or None, skill, value, where)


def required_levels(  # noqa: C901 - one pass over the rules, four specificities (see the comment)
    *, graph: CompetenceGraph, target: str, rules: Sequence[LevelRule], name: str = "the organisation's table"
) -> RequiredLevels:
    """The levels ``target`` needs under ``rules`` (the default when no rule applies); unknown references in
    the rules raise the graph's errors (with close matches), naming the row."""
    if not rules:
        return DEFAULT_LEVELS
    target_uri = graph.resolve_occupation(target)
    idx, rel = graph.requirements_of(target_uri)
    relation = {
        graph.skill_uris[s]: ("essential" if r == ESSENTIAL else "optional")
        for s, r in zip(idx.tolist(), rel.tolist(), strict=True)
    }
    # specificity: 3 this occupation + skill, 2 this occupation + relation, 1 any + skill, 0 any + relation
    best: dict[str, tuple[int, int]] = {}
    by_relation: dict[str, tuple[int, int]] = {}
    for rule in rules:
        try:
            if rule.occupation is not None and graph.resolve_occupation(rule.occupation) != target_uri:
                continue
            mine = rule.occupation is not None
            if rule.skill.lower() in RELATIONS:
                rank = 2 if mine else 0
                old = by_relation.get(rule.skill.lower())
                if old is None or rank >= old[0]:
                    by_relation[rule.skill.lower()] = (rank, rule.level)
                continue
            uri = graph.resolve_skill(rule.skill)
        except UpskillError as error:
            raise UpskillError(f"{rule.where}: {error}") from None
        rank = 3 if mine else 1
        if uri in relation and (uri not in best or rank >= best[uri][0]):
            best[uri] = (rank, rule.level)
    essential = by_relation.get("essential", (-1, DEFAULT_LEVELS.essential))
    optional = by_relation.get("optional", (-1, DEFAULT_LEVELS.optional))
    skills = {
        uri: level
        for uri, (rank, level) in best.items()
        if rank > (essential if relation[uri] == "essential" else optional)[0]
    }
    parts = []
    if essential[0] >= 0 or optional[0] >= 0:
        parts.append(f"essential skills at {essential[1]}, optional at {optional[1]}")
    if skills:
        parts.append(f"{len(skills)} skill(s) set one by one")
    if not parts:
        return DEFAULT_LEVELS
    return RequiredLevels(essential[1], optional[1], skills, f"{name}: {'; '.join(parts)}")


def levels_from_file(*, graph: CompetenceGraph, target: str, path: Path | None) -> RequiredLevels:
    """The levels ``target`` needs under the table in ``path`` (the default without one)."""
    if path is None:
        return DEFAULT_LEVELS
    return required_levels(graph=graph, target=target, rules=read_level_table(path), name=str(path))


def levels_per_target(
    *, graph: CompetenceGraph, targets: Sequence[str], path: Path | None
) -> dict[str, RequiredLevels]:
    """The levels each of ``targets`` (occupation URIs) needs under the table in ``path`` (none: {}, the
    default for every target); the cohort and region planners take them."""
    if path is None:
        return {}
    rules = read_level_table(path)
    return {
        target: required_levels(graph=graph, target=target, rules=rules, name=path.name) for target in targets
    }
