"""The cohort plan as HR hands it on: a printable HTML report, and CSV / XLSX exports.

Everything is rendered from the JSON document of ``CohortResult.to_dict()`` (what ``upskill cohort plan
--json`` prints), so a stored cohort renders the same report. The readiness chart is inline SVG (one small
panel per role: people ready month by month against the headcount), so the report is one self-contained
file that prints on A4.
"""

from __future__ import annotations

import csv
import html
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from data import files

#: Tables of the exports: file / sheet name -> (columns, rows from the document).
EXPORT_TABLES = (
    "assignments",
    "plans",
    "seats",
    "timeline",
    "unassigned",
    "open_skills",
    "unfilled",
    "to_confirm",
)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _money(amount: float, currency: str) -> str:
    return f"{currency} {amount:,.0f}" if amount >= 100 else f"{currency} {amount:,.2f}"


def _hours(value: float) -> str:
    return f"{value:,.0f} h" if value >= 100 else f"{value:,.1f} h".replace(".0 h", " h")


def instead(skill: Mapping[str, Any]) -> str:
    """What to do instead for the people who need an open skill (an ``on_the_job`` skill of the document),
    in words; where their ways differ, each with how many of them (a cohort kept before the alternatives
    has none: a dash)."""
    ways = skill.get("instead") or []
    if len(ways) == 1:
        return str(ways[0]["text"])
    return "; ".join(f"for {way['people']}: {way['text']}" for way in ways) or "—"


def _explanation(text: str) -> str:
    """A plan's explanation pointing at this report's section, not at the JSON's field ``uncovered_skills``
    (the plans here list no skills of their own: the role's section does, with what to arrange)."""
    where = "'Skills the courses leave open' above"
    return text.replace("see uncovered_skills", f"see {where}").replace(
        "each is listed in uncovered_skills with the reason", f"what to arrange instead is under {where}"
    )


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{_e(c)}</th>" for i, c in enumerate(columns))
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in numeric else ''}>{_e(v)}</td>" for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


#: Characters of a chart panel's title per line (11 px bold in the panel's 296 px) and the line height.
TITLE_CHARS, TITLE_LINE = 44, 13


def _title_lines(title: str) -> list[str]:
    """``title`` wrapped at word boundaries into at most two lines, the second cut with an ellipsis."""
    lines = textwrap.wrap(title, TITLE_CHARS) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), TITLE_CHARS, placeholder=" …")]
    return lines


def readiness_svg(timeline: Sequence[Mapping[str, Any]], targets: Sequence[Mapping[str, Any]]) -> str:
    """One panel per role: assigned people ready by the end of each month (steps) against the headcount."""
    months = sorted({row["month"] for row in timeline})
    width, left, bottom = 330, 34, 28
    finals = []
    for target in targets:
        rows = {r["month"]: r for r in timeline if r["target_uri"] == target["target_uri"]}
        ready = [rows[m]["ready"] if m in rows else 0 for m in months]
        finals.append(
            (
                target,
                ready,
                f"{target['target_label']} — {ready[-1] if ready else 0} of {int(target['headcount'])} ready",
            )
        )
    # long role names wrap onto a second line (cut with an ellipsis beyond it, the whole title in the
    # tooltip); every panel gets the same title height so that the plots line up
    titles = [_title_lines(title) for _, _, title in finals]
    top = 8 + TITLE_LINE * max((len(lines) for lines in titles), default=1)
    height = top + 100 + bottom
    panels = []
    for (target, ready, title), lines in zip(finals, titles, strict=True):
        headcount = int(target["headcount"])
        scale = max(headcount, max(ready, default=0), 1)
        plot_w, plot_h = width - left - 8, height - bottom - top

        def x(i: int, plot_w: int = plot_w) -> float:
            return left + plot_w * i / max(len(months), 1)

        def y(v: float, plot_h: int = plot_h, scale: int = scale) -> float:
            return top + plot_h * (1 - v / scale)

        points = [f"{x(0):.1f},{y(0):.1f}"]
        for i, value in enumerate(ready):
            points.append(f"{x(i):.1f},{y(value):.1f}")
            points.append(f"{x(i + 1):.1f},{y(value):.1f}")
        ticks = "".join(
            f'<text x="{x(i) + 2:.1f}" y="{height - bottom + 12}" class="tick">{_e(m[2:])}</text>'
            for i, m in enumerate(months)
            if i % 3 == 0
        )
        y_ticks = "".join(
            f'<text x="{left - 4}" y="{y(v) + 3:.1f}" class="tick" text-anchor="end">{v}</text>'
            for v in sorted({0, headcount, scale})
        )
        final = ready[-1] if ready else 0
        last = months[-1] if months else ""
        panels.append(
            f'<svg class="panel" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="{_e(target["target_label"])}: {final} of {headcount} ready by {last}">'
            f"<title>{_e(title)}</title>"
            f'<text x="{left}" y="14" class="title">'
            + "".join(
                f'<tspan x="{left}" dy="{0 if i == 0 else TITLE_LINE}">{_e(line)}</tspan>'
                for i, line in enumerate(lines)
            )
            + "</text>"
            f'<line x1="{left}" y1="{y(0):.1f}" x2="{left + plot_w}" y2="{y(0):.1f}" class="axis"/>'
            f'<line x1="{left}" y1="{top}" x2="{left}" y2="{y(0):.1f}" class="axis"/>'
            f'<line x1="{left}" y1="{y(headcount):.1f}" x2="{left + plot_w}" y2="{y(headcount):.1f}" '
            f'class="headcount"/>'
            f'<polyline points="{" ".join(points)}" class="ready"/>{ticks}{y_ticks}</svg>'
        )
    legend = (
        '<p class="legend"><span class="swatch ready"></span> people whose courses are finished '
        '<span class="swatch headcount"></span> headcount asked for</p>'
    )
    return f'<div class="charts">{"".join(panels)}</div>{legend}'


STYLE = """
@page { size: A4; margin: 14mm; }
body { font: 10.5pt/1.4 -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #1a1a1a;
  margin: 24px; }
h1 { font-size: 18pt; margin: 0 0 4px; }
h2 { font-size: 13pt; margin: 22px 0 6px; border-bottom: 1px solid #bbb; }
h3 { font-size: 11pt; margin: 14px 0 4px; }
.sub { color: #555; margin: 0 0 12px; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; }
.kpi { border: 1px solid #ccc; border-radius: 4px; padding: 6px 10px; min-width: 130px; }
.kpi b { display: block; font-size: 14pt; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 4px 0 8px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.num, th.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; }
.panel .title { font-size: 11px; font-weight: 600; } .panel .tick { font-size: 9px; fill: #555; }
.panel .axis { stroke: #888; stroke-width: 1; }
.panel .headcount { stroke: #c0392b; stroke-dasharray: 4 3; stroke-width: 1.2; }
.panel .ready { fill: none; stroke: #1f77b4; stroke-width: 2; }
.legend { font-size: 9pt; color: #444; }
.swatch { display: inline-block; width: 18px; height: 0; vertical-align: middle; margin: 0 4px 0 10px; }
.swatch.ready { border-top: 2px solid #1f77b4; }
.swatch.headcount { border-top: 2px dashed #c0392b; }
.note { color: #444; font-size: 9pt; }
.warn { background: #fff6e5; border-left: 3px solid #e69b00; padding: 4px 8px; }
.page-break { break-before: page; }
"""


def _roles_section(document: Mapping[str, Any]) -> list[str]:
    """Roles: seats filled, hours and fees per target role, and the seats left empty."""
    currency = document["totals"]["currency"]
    targets = document["targets"]
    parts: list[str] = []
    parts.append("<h2>Roles</h2>")
    by_target: dict[str, list[Mapping[str, Any]]] = {}
    for a in document["assignments"]:
        by_target.setdefault(a["target_uri"], []).append(a)
    role_rows = []
    for t in targets:
        chosen = by_target.get(t["target_uri"], [])
        role_rows.append(
            (
                t["target_label"],
                t["headcount"],
                t["filled"],
                t["headcount"] - t["filled"],
                _hours(sum(a["course_hours"] for a in chosen)),
                _hours(sum(a["on_the_job_hours"] for a in chosen)),
                _money(sum(a["cost"] for a in chosen), currency),
                max((a["finish_date"] for a in chosen), default="—"),
                t["deadline"],
            )
        )
    parts.append(
        _table(
            (
                "role",
                "headcount",
                "filled",
                "short",
                "course hours",
                "on-the-job",
                "fees",
                "courses done",
                "deadline",
            ),
            role_rows,
            numeric={1, 2, 3, 4, 5, 6},
        )
    )
    for u in document["unfilled"]:
        parts.append(
            f'<p class="warn">{_e(u["target_label"])}: {u["shortfall"]} of {u["headcount"]} seats stay '
            "empty; "
            f"{_e(u['why'])}.</p>"
        )

    return parts


def _seats_section(document: Mapping[str, Any]) -> list[str]:
    """Seats to buy, skills to train on the job, job titles to confirm."""
    currency = document["totals"]["currency"]
    totals = document["totals"]
    parts: list[str] = []
    parts.append("<h2>Seats to buy</h2>")
    parts.append(
        _table(
            (
                "course",
                "seats",
                "price a seat",
                "total",
                "hours",
                "start months (seats)",
                "for roles",
                "teaches",
            ),
            [
                (
                    c["title"],
                    c["seats"],
                    _money(c["price_per_seat"], currency),
                    _money(c["total_price"], currency),
                    _hours(c["hours"]),
                    ", ".join(f"{w['month']} ({w['seats']})" for w in c["when"]),
                    ", ".join(f"{k} {v}" for k, v in c["for_targets"].items()),
                    "; ".join(c.get("teaches", [])) or "prerequisite of a later course",
                )
                for c in document["seats"]
            ],
            numeric={1, 2, 3, 4},
        )
    )
    parts.append(
        f'<p class="note">{sum(c["seats"] for c in document["seats"])} seats in '
        f"{len(document['seats'])} courses, {_money(totals['cost'], currency)} in all.</p>"
    )

    if document["on_the_job"]:
        parts.append("<h2>Skills the courses leave open, and what to do instead</h2>")
        parts.append(
            '<p class="note">Essential skills of each role that the courses leave below the needed level, '
            "with how many of the people moving into it need them and what to arrange instead: have them "
            "assessed for a badge, train them on the job (plan it with the line supervisors), ask a "
            "provider to run a course, or buy seats beyond their limits; where the people's ways differ, "
            "how many take each.</p>"
        )
        for block in document["on_the_job"]:
            parts.append(f"<h3>{_e(block['target_label'])}</h3>")
            parts.append(
                _table(
                    ("skill", "people", "what to do instead"),
                    [(k["skill"], k["people"], instead(k)) for k in block["skills"]],
                    numeric={1},
                )
            )

    if document["to_confirm"]:
        parts.append("<h2>Job titles to confirm</h2>")
        parts.append(
            _table(
                ("person", "job title", "line", "why", "closest ESCO occupations"),
                [
                    (
                        c["person_id"],
                        c["job_title"],
                        c["line"],
                        c["why"],
                        "; ".join(f"{k['label']} ({k['score']:.2f})" for k in c["candidates"]) or "—",
                    )
                    for c in document["to_confirm"]
                ],
            )
        )

    return parts


def _what_if_section(document: Mapping[str, Any]) -> list[str]:
    """The plan next to the what-if asked for with it (``--what-if``, the HR page's "compare with")."""
    from recommender.cohort import WHAT_IF_FIGURES

    compared = document.get("what_if")
    if not compared:
        return []
    currency = document["totals"]["currency"]
    base, changed = compared["plan"], compared["what_if"]

    def shown(key: str, kind: str, value: Any) -> str:
        if value is None:
            return "not limited" if key == "budget" else "—"
        if kind == "money":
            return _money(value, currency)
        return f"{value:,.0f}" if kind == "count" else str(value)

    rows = [
        [label, shown(key, kind, base[key]), shown(key, kind, changed[key])]
        for key, label, kind in WHAT_IF_FIGURES
    ]
    rows += [
        [f"seats filled: {role}", n, changed["filled_per_target"][role]]
        for role, n in base["filled_per_target"].items()
    ]
    return [
        f"<h2>What if {_e(', '.join(compared['changes']))}</h2>",
        f"<p>The plan re-solved with {'this change' if len(compared['changes']) == 1 else 'these changes'}, "
        "next to the plan of this report.</p>",
        _table(["", "plan", "what if"], rows, numeric={1, 2}),
    ]


def _stayers_section(document: Mapping[str, Any]) -> list[str]:
    """People who stay: those who fit no role, and those not needed for the seats."""
    parts: list[str] = []
    no_fit = [u for u in document["unassigned"] if not u["fits_a_target"]]
    spare = [u for u in document["unassigned"] if u["fits_a_target"]]
    parts.append("<h2>People who stay</h2>")
    if no_fit:
        parts.append("<h3>Fit no role well</h3>")
        parts.append(
            _table(
                ("person", "job title", "closest role", "ready after courses", "why"),
                [
                    (
                        u["person_id"],
                        u["job_title"],
                        u["best_option"]["target_label"],
                        f"{u['best_option']['readiness_after']:.0%}",
                        u["why"],
                    )
                    for u in no_fit
                ],
            )
        )
    if spare:
        parts.append(
            f"<h3>Fit a role, not needed for the seats ({len(spare)})</h3>"
            '<p class="note">They could move if a role needs more people; their best option:</p>'
        )
        parts.append(
            _table(
                ("person", "job title", "best role", "training hours", "courses done"),
                [
                    (
                        u["person_id"],
                        u["job_title"],
                        u["best_option"]["target_label"],
                        _hours(u["best_option"]["hours"]),
                        u["best_option"]["finish_date"],
                    )
                    for u in spare
                ],
                numeric={3},
            )
        )

    return parts


def _assignment_section(document: Mapping[str, Any]) -> list[str]:
    """Who moves where, and each distinct plan with its reasons."""
    currency = document["totals"]["currency"]
    targets = document["targets"]
    parts: list[str] = []
    parts.append('<h2 class="page-break">Assignment</h2>')
    parts.append(
        _table(
            (
                "person",
                "job title",
                "now",
                "moves to",
                "courses",
                "course h",
                "on-the-job h",
                "fees",
                "courses done",
                "readiness",
            ),
            [
                (
                    a["person_id"],
                    a["job_title"],
                    a.get("current_occupation_label", ""),
                    a["target_label"],
                    a["courses"],
                    f"{a['course_hours']:g}",
                    f"{a['on_the_job_hours']:g}",
                    _money(a["cost"], currency),
                    a["finish_date"],
                    f"{a['readiness_before']:.0%} → {a['readiness_after']:.0%}",
                )
                for a in sorted(document["assignments"], key=lambda a: (a["target_label"], a["person_id"]))
            ],
            numeric={4, 5, 6, 7},
        )
    )

    if document.get("plans"):
        parts.append('<h2 class="page-break">Plans</h2>')
        parts.append(
            '<p class="note">People with the same starting point and constraints share one plan. Each course '
            "says why it is there.</p>"
        )
        labels = {t["target_uri"]: t["target_label"] for t in targets}
        for plan in sorted(document["plans"], key=lambda p: (labels[p["target_uri"]], -len(p["people"]))):
            people = plan["people"]
            shown = ", ".join(people[:12]) + (f" and {len(people) - 12} more" if len(people) > 12 else "")
            parts.append(
                f"<h3>{_e(labels[plan['target_uri']])}: {len(people)} "
                f"{'person' if len(people) == 1 else 'people'} ({_e(plan['plan_id'])})</h3>"
                f'<p class="note">{_e(shown)}. {_e(_explanation(plan["explanation"]))}</p>'
            )
            if plan["steps"]:
                parts.append(
                    _table(
                        ("weeks", "course", "hours", "why"),
                        [
                            (
                                f"{st['start_week']}-{st['end_week']}",
                                st["title"],
                                f"{st['hours']:g}",
                                st["reason"],
                            )
                            for st in plan["steps"]
                        ],
                        numeric={2},
                    )
                )
    parts.append("</body></html>")
    return parts


def render_html(document: Mapping[str, Any], *, title: str = "Workforce transition plan") -> str:
    """The printable HTML report of a cohort plan document (``CohortResult.to_dict()``)."""
    s, totals, cert = document["settings"], document["totals"], document["certificate"]
    currency = totals["currency"]
    targets = document["targets"]
    parts: list[str] = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title>"
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">Training from {_e(s["start"])} over {s["months"]} months '
        f"(to {_e(s['horizon_end'])}), "
        f"{s['hours_per_week']:g} h a week on paid time, budget "
        f"{_e(_money(s['budget'], currency) if s['budget'] is not None else 'not limited')}; "
        f"assignment minimises {'training hours' if s['objective'] == 'hours' else 'course fees'}. "
        f"Generated {date.today().isoformat()}.</p>",
    ]
    budget_line = f"of {_money(s['budget'], currency)}" if s["budget"] is not None else "no budget limit"
    kpis = [
        (f"{totals['filled']} of {totals['headcount']}", "seats filled"),
        (f"{totals['assigned']} of {totals['people']}", "people moving"),
        (_money(totals["cost"], currency), f"course fees ({budget_line})"),
        (_hours(totals["course_hours"]), "course hours"),
        (_hours(totals["on_the_job_hours"]), "on-the-job hours (estimate)"),
        (totals.get("last_finish") or "—", "last course finishes"),
    ]
    parts.append(
        '<div class="kpis">'
        + "".join(f'<div class="kpi"><b>{_e(v)}</b>{_e(k)}</div>' for v, k in kpis)
        + "</div>"
    )
    status = (
        "proven optimal"
        if cert["status"] == "optimal"
        else f"within {cert['gap']:.2%} of optimal (best bound {cert['bound']:,.1f})"
    )
    parts.append(
        f'<p class="note">Assignment {status} by an exact solver (mixed-integer programme, HiGHS): first as '
        "many seats filled as the people and the budget allow (priority 1 first), "
        + (
            f"then as few people as possible on free courses only ({totals['on_free_courses']}: the budget "
            "does not pay their plans' fees), "
            if totals.get("on_free_courses")
            else ""
        )
        + "then the fewest "
        f"{'training hours' if s['objective'] == 'hours' else 'course fees'}. Training hours = course hours "
        "+ "
        f"on-the-job hours, estimated at {s['on_the_job_hours_per_level_step']:g} h per proficiency level of "
        "each essential skill the courses leave open "
        f"({_e(s.get('on_the_job_hours_from', 'given'))}; adjust with --on-the-job-hours). A person "
        f"fits a role when, after the courses, they hold at least {s['min_readiness']:.0%} of its essential "
        "skills (ESCO) and finish by its deadline.</p>"
    )
    for warning in document.get("warnings", []):
        parts.append(f'<p class="warn">{_e(warning)}</p>')
    if document["to_confirm"]:
        parts.append(
            f'<p class="warn">{len(document["to_confirm"])} people are not in this plan because their job '
            "title does not match an ESCO occupation with confidence: confirm their occupation (section "
            "<i>Job titles to confirm</i>) and run the plan again.</p>"
        )

    parts.append("<h2>Readiness by role</h2>")
    parts.append(readiness_svg(document["timeline"], targets))

    parts += _roles_section(document)
    parts += _what_if_section(document)
    parts += _seats_section(document)
    parts += _stayers_section(document)
    parts += _assignment_section(document)
    return "\n".join(parts)


def export_rows(document: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The export tables (columns and rows) of a cohort plan document."""
    people_plan: list[list[Any]] = []
    plan_people = {p["plan_id"]: p for p in document.get("plans", [])}
    for a in document["assignments"]:
        plan = plan_people.get(a["plan_id"])
        for order, st in enumerate(plan["steps"] if plan else [], start=1):
            people_plan.append(
                [
                    a["person_id"],
                    a["target_label"],
                    order,
                    st["course_id"],
                    st["title"],
                    st["hours"],
                    st["price"],
                    st["currency"],
                    st["start_date"],
                    st["end_date"],
                    st["reason"],
                ]
            )
    open_skills = [
        [
            block["target_uri"],
            block["target_label"],
            k["skill"],
            k["people"],
            way.get("kind"),
            way.get("people"),
            way.get("text"),
            way.get("badge_id"),
        ]
        for block in document.get("on_the_job", [])
        for k in block["skills"]
        for way in k.get("instead") or [{}]  # a cohort kept before the ways: one row, no way
    ]
    return {
        "assignments": (
            [
                "person_id",
                "job_title",
                "current_occupation",
                "target_uri",
                "target_label",
                "hours",
                "course_hours",
                "on_the_job_hours",
                "cost",
                "finish_date",
                "readiness_before",
                "readiness_after",
                "plan_id",
            ],
            [
                [
                    a["person_id"],
                    a["job_title"],
                    a.get("current_occupation_label", ""),
                    a["target_uri"],
                    a["target_label"],
                    a["hours"],
                    a["course_hours"],
                    a["on_the_job_hours"],
                    a["cost"],
                    a["finish_date"],
                    a["readiness_before"],
                    a["readiness_after"],
                    a["plan_id"],
                ]
                for a in document["assignments"]
            ],
        ),
        "plans": (
            [
                "person_id",
                "target_label",
                "order",
                "course_id",
                "title",
                "hours",
                "price",
                "currency",
                "start_date",
                "end_date",
                "why",
            ],
            people_plan,
        ),
        "seats": (
            [
                "course_id",
                "title",
                "seats",
                "price_per_seat",
                "total_price",
                "currency",
                "hours",
                "first_month",
                "seats_by_month",
            ],
            [
                [
                    c["course_id"],
                    c["title"],
                    c["seats"],
                    c["price_per_seat"],
                    c["total_price"],
                    c["currency"],
                    c["hours"],
                    c["first_month"],
                    "; ".join(f"{w['month']}: {w['seats']}" for w in c["when"]),
                ]
                for c in document["seats"]
            ],
        ),
        "timeline": (
            ["month", "target_uri", "target_label", "ready", "assigned", "headcount"],
            [
                [r["month"], r["target_uri"], r["target_label"], r["ready"], r["assigned"], r["headcount"]]
                for r in document["timeline"]
            ],
        ),
        "unassigned": (
            [
                "person_id",
                "job_title",
                "fits_a_target",
                "best_target",
                "best_hours",
                "best_readiness_after",
                "why",
            ],
            [
                [
                    u["person_id"],
                    u["job_title"],
                    u["fits_a_target"],
                    u["best_option"]["target_label"],
                    u["best_option"]["hours"],
                    u["best_option"]["readiness_after"],
                    u["why"],
                ]
                for u in document["unassigned"]
            ],
        ),
        "open_skills": (
            ["target_uri", "target_label", "skill", "people", "way", "way_people", "what_to_do", "badge_id"],
            open_skills,
        ),
        "unfilled": (
            ["target_uri", "target_label", "headcount", "filled", "shortfall", "why"],
            [
                [u["target_uri"], u["target_label"], u["headcount"], u["filled"], u["shortfall"], u["why"]]
                for u in document["unfilled"]
            ],
        ),
        "to_confirm": (
            ["person_id", "job_title", "file", "line", "why", "candidates"],
            [
                [
                    c["person_id"],
                    c["job_title"],
                    c["file"],
                    c["line"],
                    c["why"],
                    "; ".join(f"{k['label']} <{k['uri']}> {k['score']:.2f}" for k in c["candidates"]),
                ]
                for c in document["to_confirm"]
            ],
        ),
    }


def write_html(document: Mapping[str, Any], path: Path) -> Path:
    """Write the printable report (:func:`render_html`) to ``path`` atomically; return the path."""
    return files.write_text(path, render_html(document))


def write_csv(document: Mapping[str, Any], folder: Path) -> list[Path]:
    """Write one CSV per export table into ``folder`` (created), each atomically; return the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (columns, rows) in export_rows(document).items():
        path = folder / f"{name}.csv"
        with files.atomic_text(path, newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(rows)
        written.append(path)
    return written


def write_xlsx(document: Mapping[str, Any], path: Path) -> Path:
    """Write the export tables as the sheets of one XLSX workbook, atomically."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (columns, rows) in export_rows(document).items():
        sheet = workbook.create_sheet(name)
        sheet.append(columns)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    with files.atomic_binary(path) as handle:
        workbook.save(handle)
    return path
