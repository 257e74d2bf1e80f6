"""ESCO import: the full bundled release, idempotence, and every kind of bad input (nothing written)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from data import stats as stats_store
from data.esco_import import BUNDLED, import_esco
from data.models import OccupationSkill, Provenance, Skill
from recommender.errors import ImportFormatError

ESCO_TABLES = (
    "isco_groups",
    "skill_groups",
    "skills",
    "occupations",
    "occupation_broader",
    "skill_broader",
    "skill_relations",
    "occupation_skills",
)

S1 = "http://data.europa.eu/esco/skill/s1"
S2 = "http://data.europa.eu/esco/skill/s2"
G1 = "http://data.europa.eu/esco/skill/g1"
O1 = "http://data.europa.eu/esco/occupation/o1"
I1 = "http://data.europa.eu/esco/isco/C7231"

# A tiny but complete release: one row (or two) per file, with the real files' headers.
MINI = {
    "ISCOGroups_en.csv": (
        "conceptType,conceptUri,code,preferredLabel,status,altLabels,inScheme,description\n"
        f"ISCOGroup,{I1},7231,Motor vehicle mechanics and repairers,released,,,Repair cars.\n"
    ),
    "skillGroups_en.csv": (
        "conceptType,conceptUri,preferredLabel,altLabels,hiddenLabels,status,modifiedDate,scopeNote,"
        "inScheme,description,code\n"
        f"SkillGroup,{G1},vehicles,,,released,,,,,S1\n"
    ),
    "skillsHierarchy_en.csv": (
        "Level 0 URI,Level 0 preferred term,Level 1 URI,Level 1 preferred term,Level 2 URI,"
        "Level 2 preferred term,Level 3 URI,Level 3 preferred term,Description,Scope note,Level 0 code,"
        "Level 1 code,Level 2 code,Level 3 code\n"
        f"{G1},vehicles,,,,,,,,,S1\n"
    ),
    "skills_en.csv": (
        "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,hiddenLabels,status,"
        "modifiedDate,scopeNote,definition,inScheme,description\n"
        f'KnowledgeSkillCompetence,{S1},skill/competence,sector-specific,repair engines,"fix engines\n'
        f'mend motors",,released,,,,,Repair engines.\n'
        f"KnowledgeSkillCompetence,{S2},knowledge,sector-specific,electric drives,,,released,,,,,Drives.\n"
    ),
    "occupations_en.csv": (
        "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels,status,modifiedDate,"
        "regulatedProfessionNote,scopeNote,definition,inScheme,description,code\n"
        f"Occupation,{O1},7231,vehicle technician,car mechanic,,released,,,,,,Fixes cars.,7231.10\n"
    ),
    "broaderRelationsSkillPillar.csv": (
        f"conceptType,conceptUri,broaderType,broaderUri\nKnowledgeSkillCompetence,{S1},SkillGroup,{G1}\n"
    ),
    "skillSkillRelations.csv": (
        "originalSkillUri,originalSkillType,relationType,relatedSkillType,relatedSkillUri\n"
        f"{S1},skill/competence,optional,knowledge,{S2}\n"
    ),
    "broaderRelationsOccPillar.csv": (
        f"conceptType,conceptUri,broaderType,broaderUri\nOccupation,{O1},ISCOGroup,{I1}\n"
    ),
    "occupationSkillRelations.csv": (
        "occupationUri,relationType,skillType,skillUri\n"
        f"{O1},essential,skill/competence,{S1}\n"
        f"{O1},optional,knowledge,{S2}\n"
    ),
}


def write_release(folder: Path, **replace: str | bytes | None) -> Path:
    """Write the mini release into ``folder``; ``replace`` swaps a file's content (None removes the file)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in {**MINI, **{k.replace("__", "."): v for k, v in replace.items()}}.items():
        if content is None:
            continue
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def esco_counts(session: Session) -> dict[str, int]:
    counts = stats_store.table_counts(db_session=session)
    return {name: counts[name] for name in (*ESCO_TABLES, "provenance")}


def test_mini_release_imports_every_table(db_session: Session, tmp_path: Path) -> None:
    report = import_esco(db_session=db_session, source=write_release(tmp_path))
    assert report.changed
    counts = esco_counts(db_session)
    assert counts == {
        "isco_groups": 1,
        "skill_groups": 1,
        "skills": 2,
        "occupations": 1,
        "occupation_broader": 1,
        "skill_broader": 1,
        "skill_relations": 1,
        "occupation_skills": 2,
        "provenance": 1,
    }
    skill = db_session.get(Skill, S1)
    assert skill is not None and skill.alt_labels == ["fix engines", "mend motors"]


def test_reimport_changes_nothing_and_says_so(db_session: Session, tmp_path: Path) -> None:
    source = write_release(tmp_path)
    import_esco(db_session=db_session, source=source)
    before = esco_counts(db_session)
    again = import_esco(db_session=db_session, source=source)
    assert not again.changed
    assert all(c.inserted == 0 and c.updated == 0 for c in again.changes.values())
    assert esco_counts(db_session) == before  # no second provenance row either


def test_changed_label_is_updated_in_place(db_session: Session, tmp_path: Path) -> None:
    import_esco(db_session=db_session, source=write_release(tmp_path / "a"))
    changed = MINI["occupations_en.csv"].replace("vehicle technician", "automotive technician")
    report = import_esco(
        db_session=db_session, source=write_release(tmp_path / "b", occupations_en__csv=changed)
    )
    assert report.changes["occupations"].updated == 1
    assert report.changes["skills"].updated == 0


BAD_INPUTS: dict[str, tuple[dict[str, str | bytes | None], str, int | None, str | None, str]] = {
    "missing file": ({"skills_en__csv": None}, "skills_en.csv", None, None, "missing"),
    "empty file": ({"skills_en__csv": ""}, "skills_en.csv", 1, None, "empty"),
    "missing header column": (
        {"skills_en__csv": MINI["skills_en.csv"].replace("preferredLabel", "label")},
        "skills_en.csv",
        1,
        "preferredLabel",
        "header lacks",
    ),
    "unknown relation type": (
        {
            "occupationSkillRelations__csv": MINI["occupationSkillRelations.csv"].replace(
                "optional,knowledge", "sometimes,knowledge"
            )
        },
        "occupationSkillRelations.csv",
        3,
        "relationType",
        "sometimes",
    ),
    "relation names an unknown skill": (
        {"skillSkillRelations__csv": MINI["skillSkillRelations.csv"].replace(S2, S2 + "-nowhere")},
        "skillSkillRelations.csv",
        2,
        "relatedSkillUri",
        "not a skill of this release",
    ),
    "relation names an unknown occupation": (
        {
            "occupationSkillRelations__csv": MINI["occupationSkillRelations.csv"]
            + f"{O1}-gone,essential,skill/competence,{S1}\n"
        },
        "occupationSkillRelations.csv",
        4,
        "occupationUri",
        "not a occupation of this release",
    ),
    "malformed row (too few fields)": (
        {"broaderRelationsSkillPillar__csv": MINI["broaderRelationsSkillPillar.csv"] + f"SkillGroup,{G1}\n"},
        "broaderRelationsSkillPillar.csv",
        3,
        None,
        "2 fields where the header has 4",
    ),
    "malformed row (not a URI)": (
        {"skills_en__csv": MINI["skills_en.csv"].replace(S2, "electric-drives")},
        "skills_en.csv",
        4,
        "conceptUri",
        "expected an ESCO URI",
    ),
    "malformed row (unterminated quote)": (
        {"occupationSkillRelations__csv": MINI["occupationSkillRelations.csv"] + f'{O1},"essential\n'},
        "occupationSkillRelations.csv",
        4,
        None,
        "malformed CSV",
    ),
    "invalid UTF-8": (
        {
            "skills_en__csv": MINI["skills_en.csv"]
            .encode("utf-8")
            .replace(b"electric drives", b"electric \xff")
        },
        "skills_en.csv",
        4,
        None,
        "invalid UTF-8",
    ),
    "duplicate relation": (
        {
            "occupationSkillRelations__csv": MINI["occupationSkillRelations.csv"]
            + f"{O1},essential,skill/competence,{S1}\n"
        },
        "occupationSkillRelations.csv",
        4,
        None,
        "duplicate of the row on line 2",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_names_file_line_column_and_writes_nothing(
    db_session: Session, tmp_path: Path, case: str
) -> None:
    replace, file, line, column, words = BAD_INPUTS[case]
    before = esco_counts(db_session)
    with pytest.raises(ImportFormatError) as caught:
        import_esco(db_session=db_session, source=write_release(tmp_path, **replace))
    error = caught.value
    assert file in str(error)
    assert error.line == line
    assert error.column == column
    assert words in str(error)
    assert esco_counts(db_session) == before


def test_failure_in_the_last_file_rolls_back_the_earlier_ones(db_session: Session, tmp_path: Path) -> None:
    bad = MINI["occupationSkillRelations.csv"] + f"{O1},essential,skill/competence,{S1}-missing\n"
    with pytest.raises(ImportFormatError, match="line 4"):
        import_esco(db_session=db_session, source=write_release(tmp_path, occupationSkillRelations__csv=bad))
    assert all(count == 0 for count in esco_counts(db_session).values())


def test_missing_path_is_a_clear_error(db_session: Session, tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="no such file or folder"):
        import_esco(db_session=db_session, source=tmp_path / "nowhere")


@pytest.mark.slow
def test_full_bundled_release_counts_and_provenance(db_session: Session) -> None:
    report = import_esco(db_session=db_session)
    assert report.release == "v1.1.1"
    counts = esco_counts(db_session)
    assert counts["skills"] == 13_896
    assert counts["occupations"] == 3_007
    assert counts["occupation_skills"] == 123_855
    assert counts["skill_relations"] == 5_899
    assert counts["skill_broader"] == 20_656
    assert counts["occupation_broader"] == 3_617
    essential = db_session.scalar(
        select(func.count()).select_from(OccupationSkill).where(OccupationSkill.relation_type == "essential")
    )
    assert essential == 64_946
    provenance = db_session.scalars(select(Provenance)).one()
    assert provenance.files == {
        "esco_v1.1.1_classification_en_csv.zip": (
            "d86de115d120e9266fa7d86f104466fd72a63f8233110028b10e430372bc58a7"
        ),
        "esco_v1.1.1_relations_csv.zip": "1612e3e01fbcbb4f37f69e0fe58d441db233142f1e9488280f041b2726977996",
    }
    assert provenance.counts["occupation_skills"] == 123_855
    again = import_esco(db_session=db_session)
    assert not again.changed


def test_the_two_zips_in_a_folder_are_a_release(tmp_path: Path, db_session: Session) -> None:
    folder = tmp_path / "portal"
    folder.mkdir()
    for zpath in BUNDLED.glob("*.zip"):
        shutil.copy(zpath, folder / zpath.name)
    (folder / "skills_en.csv").write_text("not,the,right,header\n", encoding="utf-8")
    # a loose CSV next to the zips takes precedence, so its bad header is reported
    with pytest.raises(ImportFormatError, match="header lacks"):
        import_esco(db_session=db_session, source=folder)


def test_cli_reports_bad_input_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import app
    from api.settings import get_settings

    monkeypatch.setenv("UPSKILL_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        bad = write_release(
            tmp_path / "rel", skills_en__csv=MINI["skills_en.csv"].replace("skillType", "kind")
        )
        result = runner.invoke(app, ["import", "esco", str(bad)])
        assert result.exit_code == 2
        assert "skills_en.csv, line 1, column 'skillType'" in result.output
        assert "Traceback" not in result.output
        ok = runner.invoke(app, ["import", "esco", str(write_release(tmp_path / "good"))])
        assert ok.exit_code == 0, ok.output
        stats = runner.invoke(app, ["stats", "--json"])
        assert stats.exit_code == 0
        assert '"skills": 2' in stats.output
    finally:
        get_settings.cache_clear()
