"""The tagger's view of ESCO skills is the same read from the imported database or from the release zips:
the same objects in the same order (``skill_texts.canonical``), so a catalogue is tagged the same whichever
documented way ESCO was loaded (issue 12)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from sqlalchemy.orm import Session

from data import skill_texts
from data.catalogue import make_tagger
from data.esco_import import import_esco
from tests.data.test_esco_import import G1, MINI, O1, write_release

ESCO = "http://data.europa.eu/esco/skill/"
# URIs a text collation orders otherwise than code points (PostgreSQL's en_US: "s-b" after "sa", "S3" after
# "s2"; by code point "S3" < "s-b" < "s2" < "sa"), listed out of order in the file
SA, SB, S2, S3 = (ESCO + name for name in ("sa", "s-b", "s2", "S3"))
G2 = ESCO + "g2"
# labels and descriptions with the spaces, no-break spaces and line ends of the real release; alternative
# labels one a line or " | "-separated; a skill under two groups listed in reverse order
RELEASE = {
    "skillGroups_en.csv": MINI["skillGroups_en.csv"] + f"SkillGroup,{G2},engines,,,released,,,,,S2\n",
    "skillsHierarchy_en.csv": MINI["skillsHierarchy_en.csv"] + f"{G2},engines,,,,,,,,,S2\n",
    "skills_en.csv": (
        "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,hiddenLabels,status,"
        "modifiedDate,scopeNote,definition,inScheme,description\n"
        f'KnowledgeSkillCompetence,{SA},skill/competence,sector-specific,repair engines ,"fix engines \n'
        f' mend motors",,released,,,,,"Repair engines.\n"\n'
        f"KnowledgeSkillCompetence,{SB},knowledge,sector-specific,electric drives\u00a0,,,released,,,,,"
        "Drives.\n"
        f"KnowledgeSkillCompetence,{S3},knowledge,,battery chemistry,cell chemistry | chemistry of cells,,"
        "released,,,,,Cells.\n"
        f"KnowledgeSkillCompetence,{S2},skill/competence,cross-sector,wire harnesses,,,released,,,,, \n"
    ),
    "broaderRelationsSkillPillar.csv": (
        "conceptType,conceptUri,broaderType,broaderUri\n"
        f"KnowledgeSkillCompetence,{SA},SkillGroup,{G2}\n"
        f"KnowledgeSkillCompetence,{SA},SkillGroup,{G1}\n"
        f"KnowledgeSkillCompetence,{S3},SkillGroup,{G1}\n"
    ),
    "skillSkillRelations.csv": (
        "originalSkillUri,originalSkillType,relationType,relatedSkillType,relatedSkillUri\n"
        f"{SA},skill/competence,optional,knowledge,{SB}\n"
    ),
    "occupationSkillRelations.csv": (
        "occupationUri,relationType,skillType,skillUri\n"
        f"{O1},essential,skill/competence,{SA}\n{O1},optional,knowledge,{SB}\n{O1},essential,knowledge,{S3}\n"
    ),
}


def _zips(folder: Path) -> tuple[Path, Path]:
    """The release in ``folder`` as ESCO ships it: a classification zip and a relations zip."""
    classification, relations = folder / "classification.zip", folder / "relations.zip"
    with zipfile.ZipFile(classification, "w") as one, zipfile.ZipFile(relations, "w") as other:
        for path in sorted(folder.glob("*.csv")):
            (other if "Relations" in path.name else one).write(path, path.name)
    return classification, relations


def test_both_loaders_give_the_same_skills_in_the_same_order(db_session: Session, tmp_path: Path) -> None:
    folder = write_release(tmp_path / "release", **{k.replace(".", "__"): v for k, v in RELEASE.items()})
    import_esco(db_session=db_session, source=folder)
    stored = skill_texts.from_database(db_session=db_session)
    released = skill_texts.from_release(*_zips(folder))
    assert released == stored  # the same objects, in the same order
    assert [s.uri for s in stored] == [S3, SB, S2, SA]  # by code point, whatever the database's collation
    repair = stored[-1]
    assert repair.preferred_label == "repair engines" and repair.alt_labels == ("fix engines", "mend motors")
    assert repair.description == "Repair engines." and repair.broader == (G1, G2) and repair.occupations == 1
    assert stored[1].preferred_label == "electric drives" and stored[0].alt_labels == (
        "cell chemistry",
        "chemistry of cells",
    )
    assert stored[2].description == "" and stored[2].occupations == 0

    # so course tagging does not depend on the loader
    texts = [
        "Repair engines and mend motors of trucks; the chemistry of cells in a battery.",
        "Electric drives and wire harnesses for electric vehicles.",
    ]
    assert make_tagger().fit(stored).tag(texts) == make_tagger().fit(released).tag(texts)


def test_database_and_release_give_the_same_skill_hierarchy(esco_session: Session) -> None:
    stored = skill_texts.from_database(db_session=esco_session)
    released = skill_texts.from_release()
    assert released == stored  # all 13,896 skills, field by field, in the same order
    # nearly every skill sits under a broader skill or skill group of the hierarchy
    assert sum(bool(skill.broader) for skill in stored) > 0.9 * len(stored)
