"""``upskill region plan`` end to end: the tiny graph as a snapshot, programme files, SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import get_settings
from data.db import make_engine, migrate, transaction
from data.region_store import get_portfolio, list_portfolios
from recommender.graph import CompetenceGraph
from tests.recommender.conftest import tiny_data

HEADER = "id,title,provider,skills,cost_per_seat,seats,hours,weeks,language,delivery_mode,regions\n"
PROGRAMMES = HEADER + (
    'battery,Battery module,Centre A,"skill:battery@3",300,60,40,4,cs,in-person,CZ08\n'
    'ev,EV systems,Centre A,"skill:ev@3",200,60,30,3,cs,in-person,CZ08\n'
    'bundle,Battery and EV,College B,"skill:battery@3;skill:ev@4",450,30,60,6,cs,blended,CZ08\n'
    'far,Battery and EV elsewhere,College C,"skill:battery@3;skill:ev@3",10,99,60,6,sk,in-person,SK02\n'
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "workforce": tmp_path / "workforce.csv",
        "demand": tmp_path / "demand.csv",
        "programmes": tmp_path / "programmes.csv",
    }
    paths["workforce"].write_text("occupation,workers\nwelder,120\nvehicle painter,3\n")
    paths["demand"].write_text("occupation,headcount,year\nbattery technician,50,2028\n")
    paths["programmes"].write_text(PROGRAMMES)
    return paths


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    url = f"sqlite:///{tmp_path / 'region.db'}"
    migrate(make_engine(url))
    monkeypatch.setenv("UPSKILL_DATABASE_URL", url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    return CompetenceGraph.from_data(tiny_data()).save(tmp_path / "snapshot")


def _args(files: dict[str, Path], snapshot: Path, *more: str) -> list[str]:
    return [
        "region",
        "plan",
        "--workforce",
        str(files["workforce"]),
        "--demand",
        str(files["demand"]),
        "--programmes",
        str(files["programmes"]),
        "--budget",
        "12000",
        "--currency",
        "EUR",
        "--region",
        "CZ08",
        "--snapshot",
        str(snapshot),
        *more,
    ]


def test_region_plan_json(runner: CliRunner, files: dict[str, Path], snapshot: Path) -> None:
    result = runner.invoke(app, _args(files, snapshot, "--json"))
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    for key in (
        "portfolio",
        "made_ready",
        "unmet_demand",
        "supply_gap",
        "sensitivity",
        "totals",
        "certificate",
    ):
        assert key in plan
    assert plan["certificate"]["status"] == "optimal"
    # EUR 12,000: 26 workers on the EUR 450 bundle (30 seats) beat 24 on battery + ev (EUR 500 each)
    assert plan["totals"]["workers_made_ready"] == 26
    assert {(r["programme"], r["seats"]) for r in plan["portfolio"]} == {("bundle", 26)}
    assert plan["totals"]["cost"] == 26 * 450 and plan["totals"]["cost_per_worker"] == 450
    assert [r["programme"] for r in plan["excluded_programmes"]] == ["far"]
    assert len(plan["sensitivity"]) == 20
    # the 3 vehicle painters are a group of fewer than five: suppressed, and not recoverable
    (painters,) = [r for r in plan["supply"] if r["origin"] == "vehicle painter"]
    assert painters["suppressed"] and painters["workforce"] is None


def test_an_organisations_levels_change_what_makes_a_worker_ready(
    runner: CliRunner, files: dict[str, Path], snapshot: Path, tmp_path: Path
) -> None:
    # a cheap programme teaching both skills at intermediate (2): no use at the default level 3
    files["programmes"].write_text(
        PROGRAMMES
        + 'intro,Battery and EV basics,Centre D,"skill:battery@2;skill:ev@2",100,60,20,2,cs,online,\n'
    )
    default = json.loads(runner.invoke(app, _args(files, snapshot, "--json")).output)
    assert {r["programme"] for r in default["portfolio"]} == {"bundle"}
    assert any("held at the level it needs: advanced (level 3)" in a for a in default["assumptions"])
    table = tmp_path / "levels.csv"
    table.write_text("occupation,skill,level\nbattery technician,essential,2\n")
    result = runner.invoke(app, _args(files, snapshot, "--json", "--required-levels", str(table)))
    assert result.exit_code == 0, result.output
    lowered = json.loads(result.output)
    assert {(r["programme"], r["seats"]) for r in lowered["portfolio"]} == {("intro", 50)}
    assert lowered["totals"]["workers_made_ready"] == 50
    assert any("battery technician: levels.csv: essential skills at 2" in a for a in lowered["assumptions"])
    table.write_text("occupation,skill,level\nbattery technician,essential,9\n")
    bad = runner.invoke(app, _args(files, snapshot, "--required-levels", str(table)))
    assert bad.exit_code != 0 and "levels.csv" in bad.output and "line 2" in bad.output


def test_region_plan_table_report_and_save(
    runner: CliRunner, files: dict[str, Path], snapshot: Path, tmp_path: Path
) -> None:
    report = tmp_path / "out" / "report.html"
    result = runner.invoke(app, _args(files, snapshot, "--report", str(report), "--save"))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "26 workers made ready for 50 demanded" in text
    # how good the choice is, in the region's words; the solver's account stays in --json's certificate
    assert (
        "EUR 450 per worker made ready. No other choice of programmes within the budget makes more workers "
        "ready (proven by the solver)." in text
    )
    assert "Certificate" not in text and "optimal" not in text
    assert f"report written to {report}" in text and "portfolio 1 kept for region CZ08" in text
    assert "Methods and data" in report.read_text()
    engine = make_engine(get_settings().database_url)
    with transaction(engine) as session:
        assert [p["id"] for p in list_portfolios(db_session=session, nuts="CZ08")] == [1]
        assert get_portfolio(db_session=session, nuts="SK02", portfolio_id=1) is None


def test_unknown_codes_are_one_clear_line(runner: CliRunner, files: dict[str, Path], snapshot: Path) -> None:
    """As a single plan's: 'german' or 'XYZ' is refused, not a filter that matches no programme."""
    for extra, words in (
        (("--language", "german"), "languages: unknown language 'german'"),
        (("--rate", "XYZ=2"), "unknown currency 'XYZ'"),
    ):
        result = runner.invoke(app, _args(files, snapshot, *extra))
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert words in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("workforce", "occupation,workers\nwelder,many\n"), "workforce.csv, line 2, column 'workers'"),
        (("programmes", HEADER + "x,T,A,skill:ev@3,100,5,10,2,cs,in-person,\n"), "needs the regions"),
    ],
)
def test_bad_files_give_one_located_error(
    runner: CliRunner, files: dict[str, Path], snapshot: Path, change: tuple[str, str], words: str
) -> None:
    files[change[0]].write_text(change[1])
    result = runner.invoke(app, _args(files, snapshot))
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())


def test_save_needs_a_region(runner: CliRunner, files: dict[str, Path], snapshot: Path) -> None:
    args = [a for a in _args(files, snapshot, "--save") if a not in ("--region", "CZ08")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "give the NUTS code" in result.output


def test_a_kept_portfolio_is_shown_to_its_region_only(
    runner: CliRunner, files: dict[str, Path], snapshot: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, _args(files, snapshot, "--save")).exit_code == 0
    shown = runner.invoke(app, ["region", "show", "1", "--region", "cz08", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["totals"]["workers_made_ready"] == 26
    report = tmp_path / "kept.pdf"
    assert (
        runner.invoke(app, ["region", "show", "1", "--region", "CZ08", "--report", str(report)]).exit_code
        == 0
    )
    assert report.read_bytes().startswith(b"%PDF")
    other = runner.invoke(app, ["region", "show", "1", "--region", "SK02"])
    assert other.exit_code == 2 and "region SK02 has no portfolio 1" in other.output


def test_the_supply_gap_says_what_to_commission_or_fund_instead(
    runner: CliRunner, files: dict[str, Path], snapshot: Path, tmp_path: Path
) -> None:
    # no programme teaches the metal fabricator's essential skills (the database has no badge to earn)
    files["demand"].write_text(
        "occupation,headcount,year\nbattery technician,50,2028\nmetal fabricator,10,2028\n"
    )
    plan = json.loads(runner.invoke(app, _args(files, snapshot, "--json")).output)
    gap = {r["skill"]: r for r in plan["supply_gap"]}
    comm = gap["communicate with customers"]
    assert comm["taught_level"] == 0 and comm["instead"] == {
        "kind": "on-the-job",
        "text": "no programme teaches it, a practical skill: fund work-based learning with employers "
        "(placements, apprenticeships), or commission a programme",
        "badge_id": None,
    }
    assert comm["needed_level"] == 3 and comm["needed_levels"] == {"metal fabricator": 3}
    report = tmp_path / "report.html"
    table = runner.invoke(app, _args(files, snapshot, "--report", str(report)))
    assert table.exit_code == 0, table.output
    assert "What to commission or fund meanwhile:" in table.output
    assert f"communicate with customers: {comm['instead']['text']}" in table.output
    assert "<th>what to commission or fund meanwhile</th>" in report.read_text()
    # the table's counts are explained where they are shown, in words
    output = " ".join(table.output.split())
    assert (
        "moves blocked: how many moves from a current occupation to a demanded role need the skill" in output
    )
    assert "demand out of reach: the demand for the roles that no current occupation can reach" in output
    assert "Moves blocked: how many moves" in report.read_text()
    assert f"<td>{comm['instead']['text']}</td>".replace("'", "&#x27;") in report.read_text()


def test_costs_in_another_currency_use_the_rate_table_unless_a_rate_is_given(
    runner: CliRunner, files: dict[str, Path], snapshot: Path
) -> None:
    """As a single plan does: a programme priced in CZK is converted at the bundled ECB rates, and the
    assumptions say so; a rate given with the request comes first."""
    from data.plan_inputs import rate_table

    table = rate_table(None)
    czk = table.units_per_eur["EUR"] / table.units_per_eur["CZK"]
    files["programmes"].write_text(
        HEADER.replace(",language", ",currency,language")
        + 'bundle,Battery and EV,College B,"skill:battery@3;skill:ev@4",11250,30,60,6,CZK,cs,blended,CZ08\n'
    )
    result = runner.invoke(app, _args(files, snapshot, "--json"))
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    (row,) = plan["portfolio"]
    assert row["programme"] == "bundle" and plan["excluded_programmes"] == []
    assert plan["totals"]["cost"] == pytest.approx(row["seats"] * round(11250 * czk, 2))
    assert f"Prices in EUR at {table.describe()}" in " ".join(plan["assumptions"])
    given = json.loads(runner.invoke(app, _args(files, snapshot, "--json", "--rate", "CZK=0.04")).output)
    assert given["totals"]["cost"] == pytest.approx(given["portfolio"][0]["seats"] * 450)
    assert "Prices in EUR at the given rates (1 CZK = 0.04 EUR), else at " in " ".join(given["assumptions"])


def test_no_one_made_ready_is_said_so_not_suppressed(
    runner: CliRunner, files: dict[str, Path], snapshot: Path
) -> None:
    # EUR 100 buys no programme's five seats: no one is made ready, and no figure is suppressed for it
    args = _args(files, snapshot)
    args[args.index("12000")] = "100"
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "0 workers made ready for 50 demanded" in text
    assert "no cost per worker: no one is made ready" in text
    assert "Nothing can be funded with EUR 100: the cheapest pathway makes a worker ready for EUR" in text
    assert "<5" not in text.split("Privacy,")[0], text


def test_the_privacy_line_says_what_is_suppressed_among_what_is_shown(
    runner: CliRunner, files: dict[str, Path], snapshot: Path, tmp_path: Path
) -> None:
    """Three vehicle painters: their workforce figures are suppressed, with complementary figures no output
    prints (the total workforce). The command line, which prints no workforce per occupation, says nothing
    it shows is suppressed; the report, which does, names them; neither counts the figures never printed."""
    plan = json.loads(runner.invoke(app, _args(files, snapshot, "--json")).output)
    assert plan["privacy"]["suppressed_figures"] > 3  # the painters' and the complementary ones
    report = tmp_path / "report.html"
    result = runner.invoke(app, _args(files, snapshot, "--report", str(report)))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert (
        "Privacy, so that no one can be picked out of a small group: a figure that describes 1 to 4 people "
        "is not shown, nor any figure from which it could be "
        "worked out (from the totals or the seats funded); each reads 'suppressed'. Nothing shown here is "
        "suppressed." in text
    )
    assert f"{plan['privacy']['suppressed_figures']} suppressed" not in text
    html = " ".join(report.read_text().split())
    assert "Suppressed here: the workforce figures of vehicle painter." in html
    assert "figures are suppressed in this report" not in html


@pytest.mark.parametrize("region", ["XX99", "Moravia", "CZ-08"])
def test_a_region_upskill_does_not_know_is_refused(
    runner: CliRunner, files: dict[str, Path], snapshot: Path, region: str
) -> None:
    """A NUTS-shaped code of no region upskill knows (XX99, a typo of CZ08) or a name is refused naming the
    known regions; nothing is kept under it."""
    args = _args(files, snapshot, "--save")
    args[args.index("CZ08")] = region
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"region: {region!r} is not a NUTS region upskill knows" in said and "CZ08 (" in said
    assert "kept for region" not in said


def test_a_hidden_figure_never_claims_fewer_than_five() -> None:
    """Figures hidden so that a small one cannot be recovered from the totals describe five people or more:
    the command line, the region page and the report say 'suppressed', never '<5' or 'fewer than 5'."""
    from api.cli.common import console
    from api.cli.region import print_region_plan
    from api.http.staff.pages import templates
    from evaluation.region_report import render_html
    from recommender.region.outcome import outcome
    from recommender.region.portfolio import solve
    from recommender.region.publish import people_figures, publish, suppression_of
    from tests.recommender.region.builders import random_problem, scaled

    problem = scaled(random_problem(0), 2)
    result = outcome(problem, solve(problem))
    values, forms, _ = people_figures(problem, result.workers)
    hidden = suppression_of(problem, result).hidden
    assert any(float(forms[figure] @ values) >= 5 for figure in hidden), "the case needs one of five or more"
    plan = publish(problem, result)
    assert plan["totals"]["workers_made_ready"] is None  # the total of 12 is one of them
    with console.capture() as captured:
        print_region_plan(plan)
    meta = {"title": "T", "subtitle": "S", "year": 2028, "sources": [], "generated": "-"}
    meta["settings"] = {"max_programmes": 3, "min_seats": 5}
    page = templates.env.get_template("_portfolio.html").render(
        p=plan, nuts="CZ08", id=1, images=[], summary=["-"]
    )
    for text in (captured.get(), page, render_html(plan, {**meta, "version": "0"})):
        assert "<5" not in text and "&lt;5" not in text and "fewer than 5" not in text, text
        assert "suppressed" in text
    assert "Workers made ready: suppressed (privacy, below)" in " ".join(captured.get().split())


def test_region_plan_says_how_good_the_choice_is_when_not_proven_or_weighted() -> None:
    from api.cli.region import _how_sure

    def plan(status: str, weights: tuple[float, ...], complete: bool = True) -> dict[str, object]:
        certificate = {"status": status, "gap": 0.0125, "bound": 41.5, "pathways_complete": complete}
        return {"certificate": certificate, "unmet_demand": [{"weight": w} for w in weights]}

    assert _how_sure(plan("optimal", (2.0, 1.0))) == (
        "No other choice of programmes within the budget makes more workers ready, each role counted by its "
        "weight in the demand file (proven by the solver)."
    )
    assert _how_sure(plan("gap", (1.0, 1.0), complete=False)) == (
        "The best choice of programmes found in the time allowed: at most 1.2% from the best possible among "
        "the pathways found; the search for pathways was cut for some moves, so one it did not reach could "
        "do better."
    )
    assert "solver" in _how_sure(plan("infeasible", ())) and "--json" in _how_sure(plan("infeasible", ()))
