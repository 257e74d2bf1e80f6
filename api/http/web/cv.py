"""The worker page's "paste your CV" panel: a CV or a job ad read into ESCO skills for the worker to confirm.

The text is posted (``POST /cv``: never in an address, never stored) and read sentence by sentence (a CV
line is a sentence) by the same service as ``POST /v1/skills/extract``, so that each skill found is shown
with the sentence that names it (read whole, a CV would let a skill's words be gathered from several
sentences). A skill named in several sentences counts its best one. The worker adds the ones that are
theirs to their skills, with a level, one click each: nothing is added on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from api.http.schemas.text import MAX_TEXT_CHARS
from api.http.web.form import DEFAULT_LEVEL, LEVELS, MAX_SKILLS, WorkerForm
from api.services import text as text_service
from recommender.errors import UpskillError
from recommender.text.skills import ExtractedSkill, SkillExtractor

#: Characters of CV text read at most: the limit of ``POST /v1/skills/extract``.
MAX_CV_CHARS = MAX_TEXT_CHARS
#: Skills suggested at most, and kept per sentence before the best of all sentences are taken.
SUGGESTIONS = 10
PER_SENTENCE = 5
#: Characters of a sentence shown around the evidence, at most (a CV line without full stops is long).
CONTEXT_CHARS = 240
_SENTENCE_END = re.compile(r"[.!?;•\n]")


@dataclass(frozen=True)
class Suggestion:
    """One skill the text names: ``before``, ``evidence`` and ``after`` make the sentence it is named in."""

    uri: str
    label: str
    score: float
    before: str
    evidence: str
    after: str
    added: bool = False  # already in the worker's skills


@dataclass
class CvAnswer:
    """What the panel shows: the text as pasted, the skills found, or what is wrong with the text."""

    text: str = ""
    error: str = ""
    suggestions: list[Suggestion] = field(default_factory=list)
    read: bool = False  # the text was read (an empty list then means no skill was found)
    added: str = ""  # the label just added to the worker's skills, for the message


def check_text(text: str) -> str:
    """What is wrong with the pasted text, in words, or "" when it can be read."""
    if not text.strip():
        return "The box is empty: paste your CV, or a job ad, then press “Find my skills”."
    if len(text) > MAX_CV_CHARS:
        return (
            f"Your text has {len(text):,} characters; at most {MAX_CV_CHARS:,} are read. "
            "Paste the part about your work: your jobs and what you did in them."
        )
    return ""


def sentence_around(text: str, evidence: str) -> tuple[str, str, str]:
    """The sentence (or CV line) of ``text`` holding ``evidence``, cut into before / evidence / after.

    >>> sentence_around("I drive. I repaired hybrid drivetrains for 8 years. Then more.", "repaired hybrid")
    ('I ', 'repaired hybrid', ' drivetrains for 8 years.')
    """
    at = text.find(evidence) if evidence else -1
    if at < 0:
        return "", evidence, ""
    end = at + len(evidence)
    ends_before = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    sentence_start = ends_before[-1] if ends_before else 0
    start = max(sentence_start, at - CONTEXT_CHARS // 2)
    following = _SENTENCE_END.search(text, end)
    sentence_stop = following.end() if following else len(text)
    stop = min(sentence_stop, end + CONTEXT_CHARS // 2)
    before = ("…" if start > sentence_start else "") + text[start:at].lstrip()
    after = text[end:stop].rstrip("\n •;") + ("…" if stop < sentence_stop else "")
    return before, evidence, after


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (ended by ``.``, ``!``, ``?``, ``;``, a bullet or a line end), with words.

    >>> sentences("Mechanic.\\n- repaired engines; drove trucks\\n\\n")
    ['Mechanic.', '- repaired engines;', 'drove trucks']
    """
    found, start = [], 0
    for end in [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        piece = text[start:end].strip()
        if any(ch.isalnum() for ch in piece):
            found.append(piece)
        start = end
    return found


def read_cv(
    text: str, *, extractor: SkillExtractor, form: WorkerForm, add_uri: str = "", add_level: int | None = None
) -> CvAnswer:
    """Read ``text`` into suggested skills; with ``add_uri``, first add that suggestion to ``form``'s skills.

    A skill already in the form (by label) is marked ``added``. Errors are in :attr:`CvAnswer.error`.
    """
    answer = CvAnswer(text=text)
    answer.error = check_text(text)
    if answer.error:
        return answer
    parts = sentences(text)
    try:
        per_sentence = text_service.extract_skills(extractor=extractor, texts=parts, k=PER_SENTENCE)
    except UpskillError as error:
        answer.error = f"The text could not be read: {error}."
        return answer
    answer.read = True
    best: dict[str, tuple[ExtractedSkill, str]] = {}  # skill -> its best finding and that sentence
    for sentence, skills in zip(parts, per_sentence, strict=True):
        for skill in skills:
            if skill.uri not in best or skill.score > best[skill.uri][0].score:
                best[skill.uri] = (skill, sentence)
    ranked = sorted(best.values(), key=lambda found: -found[0].score)[:SUGGESTIONS]
    found = [skill for skill, _ in ranked]
    chosen = next((skill for skill in found if skill.uri == add_uri), None)
    held = {label.casefold() for label, _ in form.skills}
    if chosen is not None and chosen.label.casefold() not in held:
        if len(form.skills) >= MAX_SKILLS:
            answer.error = f"You have {MAX_SKILLS} skills already: remove one to add another."
        else:
            level = add_level if add_level is not None and 0 <= add_level < len(LEVELS) else DEFAULT_LEVEL
            form.skills.append((chosen.label, level))
            answer.added = chosen.label
    held = {label.casefold() for label, _ in form.skills}
    for skill, sentence in ranked:
        before, evidence, after = sentence_around(sentence, skill.evidence)
        answer.suggestions.append(
            Suggestion(
                skill.uri, skill.label, skill.score, before, evidence, after, skill.label.casefold() in held
            )
        )
    return answer
