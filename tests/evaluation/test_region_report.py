"""The evidence report: HTML and PDF from a published plan, with charts; a PDF page rendered to PNG."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evaluation.region_report import SUPPRESSED, render_html, write_report
from recommender.region.outcome import outcome
from recommender.region.portfolio import solve
from recommender.region.publish import publish
from recommender.region.sweep import sensitivity
from tests.recommender.region.builders import random_problem, scaled

META: dict[str, Any] = {
    "title": "Training portfolio for a test region",
    "subtitle": "Budget EUR 1,000",
    "year": 2028,
    "settings": {"max_programmes": 3, "min_seats": 1},
    "sources": [("ESCO", "v1.1.1"), ("programmes", "p.csv, sha256 abc")],
    "generated": "2026-12-01",
    "version": "0.1.0",
}


def _plan(seed: int = 7, factor: int = 1) -> dict[str, Any]:
    problem = scaled(random_problem(seed), factor)
    result = replace(outcome(problem, solve(problem)), sensitivity=sensitivity(problem))
    return publish(problem, result)


def test_html_has_charts_tables_methods() -> None:
    page = render_html(_plan(factor=50), META)
    assert page.count('<img src="data:image/png;base64,') == 4
    for heading in ("Portfolio: seats to fund", "Demand and workers made ready per role", "Methods and data"):
        assert heading in page
    assert "ESCO (v1.1.1)" in page
    assert 'supp">' not in page  # no figure suppressed at these sizes


def test_small_groups_read_suppressed() -> None:
    plan = _plan(factor=1)  # counts of 0..4 people
    assert any(row["suppressed"] for row in plan["supply"])
    page = render_html(plan, META)
    assert SUPPRESSED in page
    for row in plan["supply"]:
        if row["workforce"] is None:
            assert f'<td>{row["origin"]}</td><td class="n supp">' in page


def test_pdf_opens_and_page_one_shows_text_and_a_chart(tmp_path: Path) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    path = write_report(tmp_path / "report.pdf", _plan(factor=50), META)
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left over
    document = pdfium.PdfDocument(str(path))
    assert len(document) >= 2
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Training portfolio for a test region" in text and "Methods and data" in text
    image = document[0].render(scale=1.0).to_pil().convert("RGB")
    image.save(tmp_path / "page1.png")
    pixels = np.asarray(image)
    # a chart is on page 1: the report's blue (31, 90, 150) fills a visible area, not only text in black
    blue = np.all(np.abs(pixels.astype(int) - [31, 90, 150]) < 30, axis=-1)
    assert blue.sum() > 2_000


def test_bad_suffix_is_refused_and_nothing_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.html or \.pdf"):
        write_report(tmp_path / "report.docx", _plan(), META)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["report.html", "report.pdf"])
def test_a_writer_killed_midway_leaves_the_previous_report(tmp_path: Path, name: str) -> None:
    from tests.interrupt import kill_at_fsync

    path = write_report(tmp_path / name, _plan(factor=50), META)
    before = path.read_bytes()
    code = (
        "from pathlib import Path; from evaluation.region_report import write_report; "
        "from tests.evaluation.test_region_report import META, _plan; "
        f"write_report(Path({str(path)!r}), _plan(seed=8, factor=50), META)"
    )
    kill_at_fsync(code, n=1)  # the new report is in its temporary file, not yet renamed
    assert path.read_bytes() == before
    (temporary,) = tmp_path.glob(f".{name}.*.tmp")
    assert temporary.read_bytes() != before  # the new version was written, only never renamed


def test_the_summary_says_what_its_numbers_count() -> None:
    """Programmes per move are said to be programmes (a bare '(4)' beside an origin reads as 4 people), and
    a plan that makes no one ready has no cost per worker rather than a suppressed one."""
    from evaluation.region_report import summary_lines

    plan = _plan(factor=50)
    plan["partial_readiness"] = [
        {
            "origin": "diesel engine mechanic",
            "target": "battery assembler",
            "missing": [],
            "programmes_to_close": 4,
        }
    ]
    text = " ".join(summary_lines(plan, META))
    assert "diesel engine mechanic to battery assembler (4 programmes)" in text
    nobody = {
        **plan,
        "portfolio": [],
        "totals": {**plan["totals"], "workers_made_ready": 0, "cost_per_worker": None},
    }
    first = summary_lines(nobody, META)[0]
    assert first.endswith("by 2028): no one, so no cost per worker made ready.") and SUPPRESSED not in first


def test_pdf_number_columns_have_their_heading_over_the_numbers(tmp_path: Path) -> None:
    """A number column's heading ends where its numbers end (was at the column's left, far from them)."""
    pdfium = pytest.importorskip("pypdfium2")
    plan = _plan(factor=50)
    row = plan["supply"][0]
    document = pdfium.PdfDocument(str(write_report(tmp_path / "report.pdf", plan, META)))

    def right_edges(page: Any, word: str) -> list[float]:
        text = page.get_textpage()
        search, edges = text.search(word, match_case=True, match_whole_word=True), []
        while (found := search.get_next()) is not None:
            start, length = found
            edges.append(text.get_charbox(start + length - 1)[2])
        return edges

    (page,) = [p for p in document if "Workforce by origin occupation" in p.get_textpage().get_text_range()]
    (heading,) = right_edges(page, "workforce")
    assert any(abs(edge - heading) < 2 for edge in right_edges(page, f"{row['workforce']:,}"))
