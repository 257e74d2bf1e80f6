"""The scenario 4 demo input (``../shared/SCENARIOS.md``): the Moravian-Silesian region (NUTS CZ08) plans an
ESF+ envelope of EUR 5 million for training towards battery and electrification jobs.

Story
-----
* **Workforce** (``scenario4_workforce.csv``): the scenario's counts, 12,000 motor vehicle assemblers, 3,000
  vehicle technicians, 1,500 diesel engine mechanics and 900 automotive electricians, plus two small groups
  (40 battery assemblers already at work, 3 mechatronics assemblers) so that the published tables show how
  cells of fewer than five people are suppressed. The counts are the scenario's round figures, not statistics.
* **Demand** (``scenario4_demand.csv``): employers' forecast for 2028, 2,500 battery assemblers (the new cell
  plant), 800 automotive electricians, 400 battery test technicians and 300 automotive
  engineering technicians, all at priority weight 1.
* **Programmes** (``scenario4_programmes.csv``): invented provider offers. Providers are named by letter
  ("Regional Vocational Centre A") because none of them exists; titles, costs per seat, seats, hours and weeks
  are invented, drawn by a seeded generator around an assumed EUR 9-16 per seat-hour (not a market
  survey). Their content is not invented: each programme teaches
  real ESCO v1.1.1 skills at proficiency levels (3 = advanced, what an essential skill needs), chosen from
  the essential gaps between the scenario's occupations, and several bundle real edX catalogue courses (the
  edX courses of ``data/default/catalogue.csv``) for theory, whose inferred skills count at their own levels.
  Two things are deliberate: the modules are offered by several providers at different prices and
  capacities (so the portfolio has real choices), and no provider teaches *CAE software*, *multimedia
  systems* or *ICT software specifications*, which the automotive engineering technician role needs, so the
  plan reports what to commission next.

Rebuild with ``.venv/bin/python -m data.demo.scenario4`` (deterministic: the same files byte for byte).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from recommender.graph import CompetenceGraph

DEMO = Path(__file__).resolve().parent
SEED = 20260408
REGION = "CZ08"

WORKFORCE = (
    ("motor vehicle assembler", 12_000),
    ("vehicle technician", 3_000),
    ("diesel engine mechanic", 1_500),
    ("automotive electrician", 900),
    ("battery assembler", 40),
    ("mechatronics assembler", 3),
)
DEMAND = (
    ("battery assembler", 2_500, 2028, 1.0),
    ("automotive electrician", 800, 2028, 1.0),
    ("battery test technician", 400, 2028, 1.0),
    ("automotive engineering technician", 300, 2028, 1.0),
)


@dataclass(frozen=True)
class Module:
    """A programme theme: what it teaches (ESCO preferred labels at a level) and its size."""

    key: str
    title: str
    skills: tuple[tuple[str, int], ...]
    hours: float
    courses: tuple[str, ...] = ()
    cost_per_hour: float = 12.0  # EUR per seat-hour, before the provider's own factor


def _at(level: int, *labels: str) -> tuple[tuple[str, int], ...]:
    return tuple((label, level) for label in labels)


MODULES = (
    Module(
        "battery-assembly",
        "Battery cell and module assembly",
        _at(
            3,
            "assemble batteries",
            "adjust voltage",
            "battery chemistry",
            "battery fluids",
            "battery components",
            "electrical discharge",
            "install low voltage wiring",
            "operate soldering equipment",
        ),
        160,
        ("edx-batteries-fuel-cells-and-their-role-in-modern-so-2",),
    ),
    Module(
        "production-quality",
        "Quality and conformity in series production",
        _at(
            3,
            "remove defective products",
            "ensure conformity to specifications",
            "report defective manufacturing materials",
            "monitor machine operations",
            "read assembly drawings",
            "quality standards",
            "quality assurance procedures",
            "inspect quality of products",
            "monitor manufacturing quality standards",
        ),
        80,
        ("edx-lean-production",),
    ),
    Module(
        "safety-work",
        "Safe work in high-voltage and battery production",
        _at(
            3,
            "ensure public safety and security",
            "wear appropriate protective gear",
            "apply health and safety standards",
            "meet deadlines",
            "perform manual work autonomously",
        ),
        24,
        cost_per_hour=9.0,
    ),
    Module(
        "assembly-basics",
        "Assembly fundamentals for technicians and mechanics",
        _at(
            3,
            "align components",
            "fasten components",
            "read standard blueprints",
            "use technical documentation",
            "electricity",
            "quality standards",
        ),
        60,
    ),
    Module(
        "electrical-basics",
        "Electrical and electronic fundamentals for vehicles",
        _at(
            3,
            "electricity",
            "electronics",
            "electrical discharge",
            "measure electrical characteristics",
            "electrical wiring plans",
            "fasten components",
            "use technical documentation",
            "read standard blueprints",
            "troubleshoot",
        ),
        90,
        ("edx-circuits-and-electronics-1-basic-circuit-analysi-2",),
    ),
    Module(
        "auto-electrician",
        "Automotive electrician conversion",
        _at(
            3,
            "inspect for faults in the vehicle's electric system",
            "repair vehicle's electrical equipment",
            "install car electronics",
            "install automotive electrical equipment",
            "vehicle electrical systems",
            "use specialised tools in electric repairs",
            "energy storage systems",
            "perform vehicle diagnostic procedures",
            "automotive diagnostic equipment",
            "use automotive diagnostic equipment",
            "car controls",
            "types of vehicles",
            "carry out improvised vehicle repairs",
            "perform test run",
            "mechanics of motor vehicles",
            "apply health and safety standards",
            "wear appropriate protective gear",
            "perform manual work autonomously",
        ),
        220,
        ("edx-electric-cars-technology",),
    ),
    Module(
        "battery-testing",
        "Battery testing and test data",
        _at(
            3,
            "battery testers",
            "instrument performance elements",
            "electrical testing methods",
            "operate battery test equipment",
            "measure electrical characteristics",
            "electrical equipment regulations",
            "perform product testing",
            "analyse test data",
            "battery chemistry",
            "battery fluids",
            "battery components",
            "electrical discharge",
        ),
        140,
        cost_per_hour=16.0,
    ),
    Module(
        "engineering-technician",
        "Automotive engineering technician: engineering foundations",
        _at(
            3,
            "engineering processes",
            "engineering principles",
            "mathematics",
            "physics",
            "execute analytical mathematical calculations",
            "material mechanics",
            "read engineering drawings",
            "adjust engineering designs",
            "liaise with engineers",
            "recommend product improvements",
            "vehicle manufacturing process",
            "mechanics of motor vehicles",
            "read standard blueprints",
            "troubleshoot",
        ),
        300,
        ("edx-hybrid-vehicles", "edx-mechanics-kinematics-and-dynamics"),
        cost_per_hour=14.0,
    ),
)

#: Providers: (name, price factor, capacity factor, delivery mode, language, the modules they offer).
PROVIDERS = (
    (
        "Regional Vocational Centre A",
        0.9,
        1.4,
        "in-person",
        "cs",
        ("battery-assembly", "production-quality", "safety-work", "assembly-basics", "electrical-basics"),
    ),
    (
        "Technical College B",
        1.15,
        0.8,
        "blended",
        "cs",
        ("electrical-basics", "auto-electrician", "battery-testing", "engineering-technician", "safety-work"),
    ),
    (
        "Battery Skills Academy C",
        1.3,
        0.6,
        "in-person",
        "cs",
        ("battery-assembly", "battery-testing", "safety-work"),
    ),
    (
        "Industry Training Consortium D",
        1.0,
        1.0,
        "in-person",
        "cs",
        ("production-quality", "assembly-basics", "auto-electrician", "battery-assembly"),
    ),
    (
        "Cross-border Training Partner E",
        0.85,
        0.5,
        "blended",
        "pl",
        ("battery-assembly", "production-quality", "safety-work"),
    ),
)
#: Base seats per module per year for a capacity factor of 1.
BASE_SEATS = {
    "battery-assembly": 500,
    "production-quality": 600,
    "safety-work": 900,
    "assembly-basics": 300,
    "electrical-basics": 350,
    "auto-electrician": 250,
    "battery-testing": 150,
    "engineering-technician": 120,
}

PROGRAMME_HEADER = (
    "id",
    "title",
    "provider",
    "courses",
    "skills",
    "cost_per_seat",
    "currency",
    "seats",
    "hours",
    "weeks",
    "language",
    "delivery_mode",
    "regions",
)


def programme_rows(graph: CompetenceGraph) -> list[list[str]]:
    """The programmes file's rows (without the header), from the seeded generator."""
    rng = random.Random(SEED)
    modules = {module.key: module for module in MODULES}
    rows: list[list[str]] = []
    for letter, (provider, price, capacity, mode, language, offered) in zip("abcde", PROVIDERS, strict=True):
        for key in offered:
            module = modules[key]
            hours = round(module.hours * rng.uniform(0.9, 1.15))
            cost = round(hours * module.cost_per_hour * price * rng.uniform(0.9, 1.1), -1)
            seats = int(round(BASE_SEATS[key] * capacity * rng.uniform(0.8, 1.2), -1))
            weeks = max(2, round(hours / (30 if mode == "in-person" else 12)))
            skills = ";".join(f"{graph.resolve_skill(label)}@{level}" for label, level in module.skills)
            rows.append(
                [
                    f"cz08-{letter}-{key}",
                    module.title,
                    provider,
                    ";".join(module.courses),
                    skills,
                    f"{cost:.0f}",
                    "EUR",
                    str(seats),
                    str(hours),
                    str(weeks),
                    language,
                    mode,
                    REGION,
                ]
            )
    return rows


def write_demo(graph: CompetenceGraph, folder: Path = DEMO) -> list[Path]:
    """Write the three scenario 4 files into ``folder``; every label must resolve in ``graph``."""
    for label in [o for o, _ in WORKFORCE] + [o for o, *_ in DEMAND]:
        graph.resolve_occupation(label)  # an exact ESCO label, or UnknownOccupation
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "scenario4_workforce.csv": (("occupation", "workers"), [[o, str(n)] for o, n in WORKFORCE]),
        "scenario4_demand.csv": (
            ("occupation", "headcount", "year", "weight"),
            [[o, str(n), str(y), f"{w:g}"] for o, n, y, w in DEMAND],
        ),
        "scenario4_programmes.csv": (PROGRAMME_HEADER, programme_rows(graph)),
    }
    written = []
    for name, (header, rows) in files.items():
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    return written


def main() -> None:
    from data.db import make_engine, transaction
    from data.defaults import environment_database_url
    from data.graph_loader import load_graph_data

    with transaction(make_engine(environment_database_url())) as session:
        graph = CompetenceGraph.from_data(load_graph_data(db_session=session))
    for path in write_demo(graph):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
