"""Commands of the free-text job: skills found in text, curation of course skills, extraction evaluation.

``upskill skills extract [TEXT | --file F --column C] [--k 20] [--json]``, ``upskill courses curate FILE``,
``upskill evaluate extraction [--reference FILE ...] [--json]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import JsonFlag, app, console, evaluate_app, print_json, reports_errors, runtime
from api.cli.courses import courses_app, prerequisites_sentence
from recommender.errors import UpskillError

skills_app = typer.Typer(
    help="Find ESCO skills in free text (CVs, job ads, course texts).", no_args_is_help=True
)
app.add_typer(skills_app, name="skills")


def _inputs(text: str | None, file: Path | None, column: str | None) -> list[str]:
    if (text is None) == (file is None):
        raise UpskillError("give either a TEXT argument or --file FILE --column COLUMN, not both or neither")
    if file is None:
        assert text is not None
        if not text.strip():
            raise UpskillError("the text is empty: give the sentence, CV or job ad to read")
        return [text]
    if not column:
        raise UpskillError(f"--file {file} needs --column: the CSV column that holds the texts")
    from data.formats.reading import csv_rows

    texts = [row[column] for _line, row in csv_rows(file, (column,))]
    if not texts:
        raise UpskillError(f"{file}: no rows under the header; nothing to read")
    return texts


@skills_app.command("extract")
@reports_errors
def extract_command(
    text: Annotated[str | None, typer.Argument(help="The text to read (or use --file).")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="A UTF-8 CSV with one text per row.")] = None,
    column: Annotated[str | None, typer.Option("--column", help="The CSV column holding the texts.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=200, help="Skills per text.")] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per input, one per line, in input order.")
    ] = False,
) -> None:
    """The ESCO skills a text names, best first, each with its score and the words that name it."""
    import dataclasses
    import json

    from api.services.text import extract_skills

    texts = _inputs(text, file, column)
    found = extract_skills(extractor=runtime().skill_extractor, texts=texts, k=k)
    if as_json:
        for given, skills in zip(texts, found, strict=True):
            objects = [dataclasses.asdict(skill) for skill in skills]
            typer.echo(json.dumps({"input": given, "skills": objects}, ensure_ascii=False))
        return
    from rich.table import Table

    for number, (given, skills) in enumerate(zip(texts, found, strict=True), start=1):
        shown = given if len(given) <= 80 else given[:77] + "..."
        table = Table(title=f"{number}. {shown}" if len(texts) > 1 else shown, title_justify="left")
        for name in ("skill", "score", "evidence"):
            table.add_column(name, justify="right" if name == "score" else "left")
        for skill in skills:
            table.add_row(skill.label, f"{skill.score:.3f}", skill.evidence)
        console.print(table)
        if not skills:
            console.print("  no ESCO skill label found in this text")


@courses_app.command("curate")
@reports_errors
def curate_command(
    path: Annotated[
        Path, typer.Argument(help="curated_skills.csv format: course_id,skill_uri,action,level,note.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Confirm, remove or add course skills in the database from a curation file (one transaction)."""
    from api.services.catalogue import curate_courses

    context = runtime()
    with context.transaction() as session:
        report = curate_courses(
            db_session=session, path=path, min_confidence=context.settings.planning_min_confidence
        )
    if as_json:
        print_json(report.as_dict())
        return
    console.print(
        f"[bold]Curated {report.courses_changed} course(s) from {report.rows} row(s)[/bold]: "
        f"{report.added} added, {report.confirmed} confirmed or re-levelled, {report.removed} removed"
    )
    console.print("  " + prerequisites_sentence(report.prerequisites), markup=False, highlight=False)


@evaluate_app.command("extraction")
@reports_errors
def evaluate_extraction_command(
    reference: Annotated[
        list[Path] | None,
        typer.Option(
            "--reference",
            help="CSV sentence,span,sub_span,label (repeatable); default: the SkillSpan validation files.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """MRR and R-Precision@5 of the skill extractor and the TF-IDF label baseline, all skills ranked."""
    from api.services.text import evaluate_extraction

    report = evaluate_extraction(references=reference or ())
    if as_json:
        print_json(report)
        return
    from rich.table import Table

    table = Table(title=f"Skill extraction: every sentence ranks all {report['skills']} ESCO skills")
    for name in ("ranker", "reference", "sentences", "MRR", "RP@5"):
        table.add_column(name, justify="left" if name in ("ranker", "reference") else "right")
    for name, figures in report["rankers"].items():
        for ref, result in zip(report["references"], figures["files"], strict=True):
            table.add_row(
                name,
                Path(ref["file"]).name,
                str(ref["sentences_scored"]),
                f"{result['mrr']:.3f}",
                f"{result['rp_at_5']:.3f}",
            )
        table.add_row(
            name, "mean of the files", "", f"{figures['mean_mrr']:.3f}", f"{figures['mean_rp_at_5']:.3f}"
        )
    console.print(table)
