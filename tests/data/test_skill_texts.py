"""The tagger's view of ESCO skills is the same read from the imported database or from the release zips."""

from __future__ import annotations

from sqlalchemy.orm import Session

from data import skill_texts


def test_database_and_release_give_the_same_skill_hierarchy(esco_session: Session) -> None:
    stored = {skill.uri: skill for skill in skill_texts.from_database(db_session=esco_session)}
    released = {skill.uri: skill for skill in skill_texts.from_release()}
    assert stored.keys() == released.keys()
    assert {uri: s.broader for uri, s in stored.items()} == {uri: s.broader for uri, s in released.items()}
    # nearly every skill sits under a broader skill or skill group of the hierarchy
    assert sum(bool(skill.broader) for skill in stored.values()) > 0.9 * len(stored)
