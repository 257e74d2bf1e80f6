"""Microbadges, JSON (``data/default/FORMATS.md``): ``{"issuer": ..., "badges": [badge, ...]}`` read into
the core's :class:`recommender.badges.Badge`, each with the line it starts on.

The earning rule is checked here (:meth:`recommender.badges.Badge.check`); references to skills, courses and
other badges, and requirement cycles, are checked against the database by :mod:`data.badges`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, StrictInt

from data.formats.fields import FileModel, Level, RecordId, SkillUri, validated
from data.formats.reading import item_lines, read_json
from recommender import badges as core
from recommender.errors import ImportFormatError


def _no_repeats(values: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(values)) != len(values):
        raise ValueError("an id is listed twice")
    return values


def _skills_once(skills: tuple[BadgeSkillEntry, ...]) -> tuple[BadgeSkillEntry, ...]:
    if len({skill.uri for skill in skills}) != len(skills):
        raise ValueError("a skill is listed twice")
    return skills


class BadgeSkillEntry(FileModel):
    uri: SkillUri
    level: Level = 2


Ids = Annotated[tuple[str, ...], AfterValidator(_no_repeats)]


class BadgeEntry(FileModel):
    """One badge object of the file."""

    id: RecordId
    name: str
    description: str
    earned_by: str
    skills: Annotated[tuple[BadgeSkillEntry, ...], AfterValidator(_skills_once)]
    k: StrictInt | None = None
    courses: Ids = ()
    requires: Ids = ()
    criteria: str = ""
    issuer: str | None = None

    def badge(self, default_issuer: str) -> core.Badge:
        return core.Badge(
            id=self.id,
            name=self.name,
            description=self.description,
            criteria=self.criteria,
            earned_by=self.earned_by,
            skills=tuple(core.BadgeSkill(skill.uri, skill.level) for skill in self.skills),
            courses=self.courses,
            k=self.k,
            requires=self.requires,
            issuer=default_issuer if self.issuer is None else self.issuer,
        )


def _badge(item: Any, *, index: int, issuer: str, file: str, line: int | None) -> core.Badge:
    if not isinstance(item, dict):
        raise ImportFormatError(f"badge #{index + 1} is not an object", file=file, line=line)
    badge = validated(BadgeEntry, item, file=file, line=line).badge(issuer)
    try:
        badge.check()
    except core.BadgeRuleError as error:
        raise ImportFormatError(str(error), file=file, line=line, column=error.field) from None
    return badge


def read(path: Path) -> list[tuple[core.Badge, int | None]]:
    """Read and check a badge file on its own: each badge with its line; ids unique."""
    file = str(path)
    document, text = read_json(path)
    if not isinstance(document, dict) or not isinstance(document.get("badges"), list):
        raise ImportFormatError('expected {"issuer": ..., "badges": [...]}', file=file, line=1)
    issuer = document.get("issuer", "")
    if not isinstance(issuer, str):
        raise ImportFormatError("must be a string", file=file, line=1, column="issuer")
    result = []
    seen: dict[str, int | None] = {}
    lines = item_lines(text, document["badges"])
    for index, (item, line) in enumerate(zip(document["badges"], lines, strict=True)):
        badge = _badge(item, index=index, issuer=issuer.strip(), file=file, line=line)
        if badge.id in seen:
            raise ImportFormatError(
                f"duplicate id {badge.id!r} (first at line {seen[badge.id]})",
                file=file,
                line=line,
                column="id",
            )
        seen[badge.id] = line
        result.append((badge, line))
    if not result:
        raise ImportFormatError("no badges in the file", file=file)
    return result
