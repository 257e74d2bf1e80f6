"""The evidence report of a regional portfolio: printable HTML and PDF with charts and a methods section.

It is drawn from the *published* plan only (:func:`recommender.region.publish.publish`), so it never shows a
figure the region may not see; a suppressed figure reads "suppressed", never "fewer than 5": a figure hidden
so that a small one cannot be recovered from the totals describes five people or more. Charts are drawn with
matplotlib (Agg, no display), the PDF is laid out with reportlab. Writing is atomic: a temporary file in the
same folder is renamed over the target, so a failed run leaves no half-written report.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from data import files  # noqa: E402
from recommender.region.outcome import SUPPLY_GAP_COUNTS, roles_blocked  # noqa: E402
from recommender.region.publish import SHOWN_PARTS, nothing_funded, privacy_note  # noqa: E402

SUPPRESSED = "suppressed"
#: A table value that is suppressed (``None`` in a table means "does not apply" and shows as a dash).
HIDDEN = object()
_BLUE, _GREY, _ORANGE = "#1f5a96", "#b8c4d0", "#d9822b"


# --- numbers in words --------------------------------------------------------------------------------------


def money(value: float | None, currency: str) -> str:
    return SUPPRESSED if value is None else f"{currency} {value:,.0f}"


def _or_hidden(value: Any, suppressed: bool) -> Any:
    return HIDDEN if suppressed else value


def _n(value: int, noun: str) -> str:
    return f"{value:,} {noun}{'' if value == 1 else 's'}"


def count(value: int | None) -> str:
    return SUPPRESSED if value is None else f"{value:,}"


# --- charts ----------------------------------------------------------------------------------------------


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _short(label: str, width: int = 22) -> str:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def _label_bars(axes: Any, bars: Any, texts: Sequence[str]) -> None:
    """Write ``texts`` at the end of horizontal ``bars``."""
    for bar, text in zip(bars, texts, strict=True):
        axes.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2), va="center", fontsize=8)


def chart_made_ready(plan: Mapping[str, Any]) -> bytes:
    """Demand and workers made ready per target role."""
    rows = plan["unmet_demand"]
    labels = [_short(r["target"]) for r in rows]
    demand = [r["demand"] for r in rows]
    ready = [r["workers_made_ready"] or 0 for r in rows]
    figure, axes = plt.subplots(figsize=(7.2, 3.0))
    positions = range(len(rows))
    axes.bar([p - 0.2 for p in positions], demand, width=0.4, color=_GREY, label="demand")
    bars = axes.bar([p + 0.2 for p in positions], ready, width=0.4, color=_BLUE, label="made ready")
    for bar, row in zip(bars, rows, strict=True):
        text = "suppressed" if row["suppressed"] else f"{row['workers_made_ready']:,}"
        axes.annotate(
            text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=8
        )
    axes.set_xticks(list(positions), labels, fontsize=8)
    axes.set_ylabel("workers")
    axes.set_title("Workers made ready per target role, against demand")
    axes.legend(frameon=False, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def chart_cost_per_worker(plan: Mapping[str, Any]) -> bytes:
    """Cost per worker made ready, per target role (roles with none made ready are left out)."""
    rows = [r for r in plan["unmet_demand"] if r["cost_per_worker"]]
    currency = plan["totals"]["currency"]
    figure, axes = plt.subplots(figsize=(7.2, 2.2))
    if rows:
        labels = [_short(r["target"], 40) for r in rows]
        values = [r["cost_per_worker"] for r in rows]
        bars = axes.barh(labels, values, color=_BLUE)
        _label_bars(axes, bars, [f" {currency} {value:,.0f}" for value in values])
        average = plan["totals"]["cost_per_worker"]
        if average:
            axes.axvline(average, color=_ORANGE, linestyle="--", linewidth=1)
            axes.text(
                average, -0.6, f"average {currency} {average:,.0f}", color=_ORANGE, fontsize=8, ha="center"
            )
        axes.invert_yaxis()
    else:
        axes.text(0.5, 0.5, "no worker made ready", ha="center", va="center", transform=axes.transAxes)
    axes.set_xlabel(f"{currency} per worker made ready")
    axes.set_title("Cost per worker made ready")
    axes.tick_params(axis="y", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def chart_sensitivity(plan: Mapping[str, Any]) -> bytes:
    """Workers made ready against the budget, 10 % to 200 % of the plan's."""
    points = [p for p in plan["sensitivity"] if p["workers_made_ready"] is not None]
    currency = plan["totals"]["currency"]
    figure, axes = plt.subplots(figsize=(7.2, 2.8))
    if points:
        budgets = [p["budget"] / 1e6 for p in points]
        axes.plot(budgets, [p["workers_made_ready"] for p in points], marker="o", markersize=3, color=_BLUE)
        axes.axvline(plan["totals"]["budget"] / 1e6, color=_ORANGE, linestyle="--", linewidth=1)
        axes.annotate(
            " this plan's budget",
            (plan["totals"]["budget"] / 1e6, 0.5 * plan["totals"]["demand"]),
            color=_ORANGE,
            fontsize=8,
        )
        axes.axhline(plan["totals"]["demand"], color=_GREY, linewidth=1)
        axes.annotate(
            "total demand", (budgets[0], plan["totals"]["demand"]), va="bottom", fontsize=8, color="#555"
        )
    axes.set_xlabel(f"budget, million {currency}")
    axes.set_ylabel("workers made ready")
    axes.set_ylim(bottom=0)
    axes.set_title("Budget sensitivity: workers made ready at 10 % to 200 % of the budget")
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def chart_supply_gap(plan: Mapping[str, Any], top: int = 10) -> bytes:
    """Skills no programme teaches at the level needed, by the demand they put out of reach."""
    rows = [r for r in plan["supply_gap"] if r["demand_out_of_reach"] > 0][:top]
    figure, axes = plt.subplots(figsize=(7.2, 0.9 + 0.32 * max(1, len(rows))))
    if rows:
        labels = [r["skill"] for r in rows]
        values = [r["demand_out_of_reach"] for r in rows]
        moves = [r["moves_blocked"] for r in rows]
        bars = axes.barh(labels, values, color=_ORANGE)
        _label_bars(axes, bars, [f" blocks {n} move{'s' if n != 1 else ''}" for n in moves])
        axes.invert_yaxis()
        axes.set_xlabel("demand out of reach without it (workers)")
    else:
        axes.text(
            0.5,
            0.5,
            "every demanded role can be reached",
            ha="center",
            va="center",
            transform=axes.transAxes,
        )
        axes.set_yticks([])
    axes.set_title("Supply gap: essential skills no programme in the region teaches")
    axes.tick_params(axis="y", labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def charts(plan: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """The four charts, each with its caption."""
    return [
        ("Workers made ready per target role", chart_made_ready(plan)),
        ("Cost per worker made ready", chart_cost_per_worker(plan)),
        ("Budget sensitivity", chart_sensitivity(plan)),
        ("Supply gap: what to commission next", chart_supply_gap(plan)),
    ]


#: The title of the report's table of what to commission next (its notes explain its counts).
COMMISSION_TITLE = "What to commission next"

# --- the text -----------------------------------------------------------------------------------------------


def summary_lines(plan: Mapping[str, Any], meta: Mapping[str, Any]) -> list[str]:
    """The headline sentences of the report."""
    t = plan["totals"]
    c = plan["certificate"]
    currency = t["currency"]
    # no one made ready has no cost per worker: nothing is suppressed then
    per_worker = (
        ": no one, so no cost per worker made ready"
        if t["workers_made_ready"] == 0
        else ", the cost per worker made ready suppressed"
        if t["cost_per_worker"] is None
        else f", at {money(t['cost_per_worker'], currency)} per worker made ready"
    )
    ready = (
        "a suppressed number of workers ready"
        if t["workers_made_ready"] is None
        else f"{count(t['workers_made_ready'])} workers ready"
    )
    lines = [
        f"Funding {_n(sum(r['seats'] for r in plan['portfolio']), 'seat')} in "
        f"{_n(len(plan['portfolio']), 'programme')} for {money(t['cost'], currency)} makes "
        f"{ready} for the roles "
        f"employers demand ({count(t['demand'])} by {meta.get('year') or 'the horizon'}){per_worker}.",
        f"{money(t['from_budget'], currency)} of the {money(t['budget'], currency)} budget is used"
        + (
            f"; co-financing at {t['cofinancing_rate']:.0%} adds {money(t['cofinanced'], currency)}."
            if t["cofinancing_rate"]
            else "."
        ),
    ]
    none = nothing_funded(plan)
    if none is not None:
        lines.append(none)
    if c["status"] == "optimal":
        lines.append(
            "No other choice of seats within the budget, the seats offered, the workforce and the demand "
            "makes "
            "more demand-weighted workers ready (proven optimal by the HiGHS solver)."
        )
    else:
        lines.append(
            f"The solver stopped before proving the optimum: at most {c['gap']:.2%} more could be made ready "
            f"(bound {c['bound']})."
        )
    for row in plan["unmet_demand"]:
        if row["workers_made_ready"] == 0 and row["cheapest_pathway"] is not None:
            lines.append(
                f"No {row['target']} is made ready at this budget, although pathways exist (the cheapest "
                f"costs {money(row['cheapest_pathway'], currency)} per worker): the budget, the seats or the "
                "workforce they share go further in the roles funded. A higher weight for the role in the "
                "demand file gives it priority."
            )
    full = sorted({r["title"] for r in plan["portfolio"] if r["seats"] >= r["seats_available"]})
    if full:
        lines.append("Every seat offered is funded in: " + "; ".join(full) + ". More seats there would help.")
    plateau = _plateau(plan)
    if plateau is not None:
        budget, workers = plateau
        lines.append(
            f"From {money(budget, currency)} on, more money makes no one else ready ({workers:,} at most): "
            "the "
            "seats offered and the roles the programmes can reach are the limit."
        )
    longer = [r for r in plan["partial_readiness"] if not r["missing"] and r["programmes_to_close"]]
    if longer:
        moves = "; ".join(
            f"{r['origin']} to {r['target']} ({r['programmes_to_close']} programmes)" for r in longer[:4]
        )
        lines.append(
            f"Every skill is taught for {len(longer)} more moves, but each takes more programmes than a "
            "worker "
            f"may follow: {moves}{' and more' if len(longer) > 4 else ''}. Allowing more programmes per "
            "worker, or a provider bundling them, would open these moves."
        )
    blocking = [r for r in plan["supply_gap"] if r["demand_out_of_reach"] > 0]
    if blocking:
        roles = sorted({target for r in blocking for target in r["targets"]})
        lines.append(
            "No programme in the region teaches "
            + ", ".join(r["skill"] for r in blocking[:5])
            + (" and more" if len(blocking) > 5 else "")
            + f" at the level needed, so no occupation can reach {' or '.join(roles)}: commission them next."
        )
    return lines


def _plateau(plan: Mapping[str, Any]) -> tuple[float, int] | None:
    """The smallest budget of the curve from which made-ready no longer grows, if the curve flattens."""
    points = plan["sensitivity"]
    if len(points) < 3 or any(p["workers_made_ready"] is None for p in points[-2:]):
        return None
    top = points[-1]["workers_made_ready"]
    if top == 0 or points[-2]["workers_made_ready"] != top:
        return None
    first = len(points) - 1
    while first > 0 and points[first - 1]["workers_made_ready"] == top:
        first -= 1
    return float(points[first]["budget"]), int(top)


def notes_after(title: str) -> list[str]:
    """What the columns of the table titled ``title`` mean, where a heading alone does not say it."""
    if title.startswith(COMMISSION_TITLE):
        return [f"{heading.capitalize()}: {meaning}." for heading, meaning in SUPPLY_GAP_COUNTS]
    return []


def methods_text(plan: Mapping[str, Any], meta: Mapping[str, Any]) -> list[str]:
    """The methods paragraphs: model, data sources and versions, privacy, assumptions."""
    settings = meta["settings"]
    sources = "; ".join(f"{name} ({detail})" for name, detail in meta["sources"])
    return [
        "A worker is counted as made ready for a target role when the programmes on their pathway teach "
        "every "
        "essential skill of that role (ESCO) which their current occupation does not already give them, at "
        "level 3 of 4 (advanced) or above; what an occupation gives is the project's skill-gap computation "
        "(essential skills of the occupation at level 3, optional at 2, partial credit through broader and "
        "related skills). A pathway is a smallest set of at most "
        f"{settings['max_programmes']} programmes doing so. The portfolio maximises the demand-weighted "
        "number of workers made ready, within the budget (plus co-financing), the seats each programme "
        f"offers, a minimum of {settings['min_seats']} funded seats per programme, the workforce of each "
        "occupation and the demand for each role; among equally good portfolios it takes the cheapest. It "
        f"is solved exactly as an integer program by {plan['certificate']['solver']}. Moves that no pathway "
        "completes are reported as partial readiness, with the share of the essential gap the region's "
        "programmes can close.",
        f"Data: {sources}. Generated {meta['generated']} by upskill {meta.get('version', '')}.",
        f"{privacy_note(plan, SHOWN_PARTS)} The region provides aggregates only; no person's record is used.",
        *meta.get("assumptions", []),
    ]


# --- HTML ---------------------------------------------------------------------------------------------------

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #1b1b1b; max-width: 190mm; margin: 0 auto;
       font-size: 10.5pt; line-height: 1.4; }
h1 { font-size: 17pt; margin-bottom: 2pt; }
h2 { font-size: 13pt; margin-top: 16pt; border-bottom: 1px solid #ccc; }
.sub { color: #555; margin-top: 0; }
.summary { background: #f2f6fa; border-left: 4px solid #1f5a96; padding: 6pt 10pt; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 6pt 0; }
th, td { border-bottom: 1px solid #ddd; padding: 3pt 5pt; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; } .supp { color: #888; font-style: italic; }
figure { margin: 8pt 0; page-break-inside: avoid; } figure img { width: 100%; }
figcaption { font-size: 9pt; color: #555; }
@media print { body { max-width: none; } h2 { page-break-after: avoid; } table { page-break-inside: auto; }
               tr { page-break-inside: avoid; } }
"""


def _cell(value: Any, *, number: bool = False) -> str:
    cls = ' class="n"' if number else ""
    if value is HIDDEN:
        return f'<td class="{"n " if number else ""}supp">{SUPPRESSED}</td>'
    if value is None:
        return f"<td{cls}>&ndash;</td>"
    text = f"{value:,.0f}" if number and isinstance(value, int | float) else html.escape(str(value))
    return f"<td{cls}>{text}</td>"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool]) -> str:
    head = "".join(
        f'<th class="n">{html.escape(h)}</th>' if n else f"<th>{html.escape(h)}</th>"
        for h, n in zip(header, numeric, strict=True)
    )
    body = "".join(
        "<tr>" + "".join(_cell(v, number=n) for v, n in zip(row, numeric, strict=True)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def tables(plan: Mapping[str, Any]) -> list[tuple[str, list[str], list[list[Any]], list[bool]]]:
    """The report's tables: title, header, rows (``HIDDEN`` where suppressed), which columns are numbers."""
    currency = plan["totals"]["currency"]
    portfolio = [
        [
            f"{r['title']} [{r['programme']}]",
            r["provider"],
            r["seats"],
            r["seats_available"],
            r["cost_per_seat"],
            r["cost"],
        ]
        for r in plan["portfolio"]
    ]
    providers = [[r["provider"], r["programmes"], r["seats"], r["cost"]] for r in plan["providers"]]
    demand = [
        [
            r["target"],
            r["year"],
            r["demand"],
            _or_hidden(r["workers_made_ready"], r["suppressed"]),
            _or_hidden(r["unmet_demand"], r["suppressed"]),
            _or_hidden(r["cost_per_worker"], r["suppressed"]),
            r["cheapest_pathway"],
        ]
        for r in plan["unmet_demand"]
    ]
    moves = [
        [
            r["origin"],
            r["target"],
            _or_hidden(r["workers"], r["suppressed"]),
            _or_hidden(", ".join(r["programmes"] or []), r["suppressed"]),
        ]
        for r in plan["made_ready"]
        if r["workers"] != 0
    ]
    supply = [
        [
            r["origin"],
            _or_hidden(r["workforce"], r["workforce"] is None),
            _or_hidden(r["workers_made_ready"], r["workers_made_ready"] is None),
            _or_hidden(r["not_trained"], r["not_trained"] is None),
        ]
        for r in plan["supply"]
    ]
    commission = [
        [
            r["skill"],
            r["needed_level"],
            roles_blocked(r),
            r["moves_blocked"],
            r["demand_out_of_reach"],
            (r.get("instead") or {}).get("text"),  # None (a dash) in a plan kept before the alternatives
        ]
        for r in plan["supply_gap"]
    ]
    partial = [
        [
            r["origin"],
            r["target"],
            r["essential_gap_skills"],
            f"{r['closable_share']:.0%}",
            ", ".join(r["missing"]) if r["missing"] else r["reason"],
        ]
        for r in plan["partial_readiness"]
    ]
    result: list[tuple[str, list[str], list[list[Any]], list[bool]]] = [
        (
            "Portfolio: seats to fund",
            ["programme", "provider", "seats", "available", f"per seat ({currency})", f"cost ({currency})"],
            portfolio,
            [False, False, True, True, True, True],
        ),
        (
            "Seats by provider",
            ["provider", "programmes", "seats", f"cost ({currency})"],
            providers,
            [False, True, True, True],
        ),
        (
            "Demand and workers made ready per role",
            [
                "target role",
                "by",
                "demand",
                "made ready",
                "unmet",
                f"per worker ({currency})",
                f"cheapest pathway ({currency})",
            ],
            demand,
            [False, False, True, True, True, True, True],
        ),
        (
            "Workers made ready by origin occupation and target role",
            ["from", "to", "workers", "programmes"],
            moves,
            [False, False, True, False],
        ),
        (
            "Workforce by origin occupation",
            ["occupation", "workforce", "made ready", "not trained"],
            supply,
            [False, True, True, True],
        ),
        (
            f"{COMMISSION_TITLE}: essential skills no programme teaches at the level needed",
            [
                "skill",
                "level",
                "roles it blocks",
                "moves blocked",
                "demand out of reach",
                "what to commission or fund meanwhile",
            ],
            commission,
            [False, True, False, True, True, False],
        ),
        (
            "Partial readiness: moves no pathway completes",
            ["from", "to", "essential gap skills", "closable", "missing"],
            partial,
            [False, False, True, False, False],
        ),
    ]
    if plan["excluded_programmes"]:
        excluded = [[r["programme"], r["reason"]] for r in plan["excluded_programmes"]]
        result.append(("Programmes left out", ["programme", "why"], excluded, [False, False]))
    return result


def render_html(
    plan: Mapping[str, Any], meta: Mapping[str, Any], images: Sequence[tuple[str, bytes]] | None = None
) -> str:
    """The report as one self-contained HTML page (charts embedded as PNG), printable."""
    images = charts(plan) if images is None else images
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(meta['title'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(meta['title'])}</h1>",
        f'<p class="sub">{html.escape(meta["subtitle"])}</p>',
        '<div class="summary">'
        + "".join(f"<p>{html.escape(line)}</p>" for line in summary_lines(plan, meta))
        + "</div>",
    ]
    for caption, png in images:
        data = base64.b64encode(png).decode("ascii")
        parts.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    for title, header, rows, numeric in tables(plan):
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(_table(header, rows, numeric) if rows else "<p>None.</p>")
        parts.extend(f'<p class="note">{html.escape(note)}</p>' for note in notes_after(title) if rows)
    parts.append("<h2>Methods and data</h2>")
    parts.extend(f"<p>{html.escape(text)}</p>" for text in methods_text(plan, meta))
    parts.append("</body></html>")
    return "\n".join(parts)


# --- PDF ----------------------------------------------------------------------------------------------------


def render_pdf(
    plan: Mapping[str, Any], meta: Mapping[str, Any], images: Sequence[tuple[str, bytes]] | None = None
) -> bytes:
    """The report as an A4 PDF (reportlab), with the same charts, tables and methods as the HTML."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    images = charts(plan) if images is None else images
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9)
    # a number column's heading and its 'suppressed' stand over the numbers' right edge (the ALIGN of a
    # table style moves plain strings only, not paragraphs)
    small_right = ParagraphStyle("small_right", parent=small, alignment=TA_RIGHT)
    heading = ParagraphStyle("heading", parent=styles["Heading3"], keepWithNext=1)  # never last on a page
    buffer = io.BytesIO()
    width = A4[0] - 30 * mm
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=meta["title"],
        author="upskill",
    )
    story: list[Any] = [
        Paragraph(html.escape(meta["title"]), styles["Title"]),
        Paragraph(html.escape(meta["subtitle"]), body),
    ]
    story.append(Spacer(1, 4 * mm))
    story.extend(Paragraph(html.escape(line), body) for line in summary_lines(plan, meta))
    for caption, png in images:
        image = Image(io.BytesIO(png))
        scale = 0.8 * width / image.drawWidth
        image.drawWidth, image.drawHeight = 0.8 * width, image.drawHeight * scale
        story.append(KeepTogether([Spacer(1, 3 * mm), image, Paragraph(html.escape(caption), small)]))
    for title, header, rows, numeric in tables(plan):
        story.append(Paragraph(html.escape(title), heading))
        if not rows:
            story.append(Paragraph("None.", body))
            continue

        def fmt(value: Any, number: bool) -> Any:
            if value is HIDDEN:
                return Paragraph(f"<i>{SUPPRESSED}</i>", small_right if number else small)
            if value is None:
                return "-"
            if number and isinstance(value, int | float):
                return f"{value:,.0f}"
            return Paragraph(html.escape(str(value)), small)

        data = [
            [
                Paragraph(f"<b>{html.escape(h)}</b>", small_right if n else small)
                for h, n in zip(header, numeric, strict=True)
            ]
        ]
        data += [[fmt(v, n) for v, n in zip(row, numeric, strict=True)] for row in rows]
        table = Table(data, repeatRows=1, hAlign="LEFT")
        style = [
            ("FONTSIZE", (0, 0), (-1, -1), 7.5),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i, n in enumerate(numeric) if n]
        table.setStyle(TableStyle(style))
        story.append(table)
        story.extend(Paragraph(html.escape(note), small) for note in notes_after(title))
    story.append(Paragraph("Methods and data", heading))
    story.extend(Paragraph(html.escape(text), body) for text in methods_text(plan, meta))
    doc.build(story)
    return buffer.getvalue()


def write_report(path: Path, plan: Mapping[str, Any], meta: Mapping[str, Any]) -> Path:
    """Write the report as HTML (``.html``/``.htm``) or PDF (``.pdf``) atomically; return the path."""
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise ValueError(f"{path}: the report is written as .html or .pdf")
    images = charts(plan)
    content = (
        render_pdf(plan, meta, images)
        if suffix == ".pdf"
        else render_html(plan, meta, images).encode("utf-8")
    )
    return files.write_bytes(path, content)


def today() -> str:
    return dt.date.today().isoformat()
