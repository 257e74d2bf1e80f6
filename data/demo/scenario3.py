"""Generate the demo inputs of scenario 3 (``../shared/SCENARIOS.md``): a Lombardy workforce in transition.

Run ``python -m data.demo.scenario3`` to rewrite ``data/demo/scenario3_workforce.csv`` and
``data/demo/scenario3_targets.csv`` (deterministic: seed 2026).

The story (every number is a choice of this generator, not a measurement):

* A tier-1 supplier in Lombardy (NUTS ITC4) closes its combustion-powertrain line in 18 months. 180 people
  work there: 100 motor vehicle engine assemblers, 62 motor vehicle parts assemblers and 18 mechatronics
  assemblers. Person ids are the plant's badge numbers (``LMB-0001`` ...).
* HR exports them from its personnel system: a job title as the plant writes it (Italian mostly, some
  English, with line numbers and abbreviations, drawn from ``TITLES``) and the ESCO occupation HR mapped the
  job family to. Ten recent hires are not mapped yet (empty ``occupation``): four have a title that is an
  ESCO label in English, six only an Italian title, which HR has to confirm.
* One in five has a past occupation from an earlier job (``PAST``), written as HR wrote it (ESCO label).
* The plant's skills matrix records 0 to 3 skills per person (probabilities 0.35, 0.3, 0.2, 0.15) from
  ``SKILLS`` at levels 1 to 4 (probabilities 0.2, 0.4, 0.3, 0.1): soldering, reading drawings, quality
  checks, electrical measurement ... the skills the new battery and mechatronics lines ask for.
* Training is on paid time, 8 hours a week (the default, left empty); 12 % work part time and can give 4 or
  6 hours. 60 % read English as well as Italian (``it;en``), the others Italian only. Twenty people stay on
  the old line until it winds down and can start training only on 2027-07-01 (``earliest_start``).

The targets file asks for the scenario's 60 battery assemblers, 25 automotive electricians, 15 mechatronics
engineering technicians and 10 battery test technicians by the end of the 18 months (no deadline of their
own), all priority 1.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from recommender.sectors import ESCO_OCCUPATION

HERE = Path(__file__).resolve().parent
SEED = 2026
#: (ESCO occupation id, label, how many people, job titles as the plant writes them)
ROLES: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    (
        "c3cae318-8b15-4339-a617-1a66b9ff6609",
        "motor vehicle engine assembler",
        100,
        (
            "Montatore motori",
            "Addetto montaggio motori",
            "Operaio montaggio motore - Linea 2",
            "Assemblatore motori endotermici",
            "Engine assembly operator",
            "Montatore meccanico motori diesel",
            "Op. montaggio testate",
            "Addetto linea motori - turno notte",
            "Capoturno montaggio motori",
            "Assembly line operator (engines)",
        ),
    ),
    (
        "78625dd8-257b-483b-bca0-172dd9b02754",
        "motor vehicle parts assembler",
        62,
        (
            "Addetto montaggio componenti",
            "Assemblatore componenti auto",
            "Montatore particolari meccanici",
            "Operatore di linea - componentistica",
            "Parts assembler",
            "Addetto assemblaggio pompe iniezione",
            "Op. montaggio cambi",
            "Addetto sottogruppi trasmissione",
        ),
    ),
    (
        "1a6d1acf-5956-4ba0-95bf-b15b05a02013",
        "mechatronics assembler",
        18,
        (
            "Montatore meccatronico",
            "Assemblatore meccatronico",
            "Mechatronics assembler",
            "Tecnico montaggio attuatori",
            "Addetto montaggio centraline",
        ),
    ),
)
#: Titles of the unmapped recent hires: ESCO labels in English resolve; Italian ones go to HR to confirm.
UNMAPPED_TITLES = (
    "motor vehicle engine assembler",
    "motor vehicle parts assembler",
    "Motor Vehicle Engine Assembler",
    "mechatronics assembler",
    "Operaio specializzato linea 3",
    "Addetto montaggio",
    "Montatore",
    "Operatore CNC reparto motori",
    "Jolly di linea",
    "Collaudatore motori",
)
PAST = (
    "motor vehicle assembler",
    "wire harness assembler",
    "electromechanical equipment assembler",
    "vehicle technician",
    "automotive electrician",
)
SKILLS = (
    "operate soldering equipment",
    "electricity",
    "read assembly drawings",
    "quality standards",
    "inspect quality of products",
    "align components",
    "electrical wiring plans",
    "measure electrical characteristics",
    "perform product testing",
    "record test data",
    "circuit diagrams",
    "electronics",
    "use technical documentation",
    "install low voltage wiring",
    "monitor machine operations",
    "automation technology",
)
TARGETS = (
    ("battery assembler", 60),
    ("automotive electrician", 25),
    ("mechatronics engineering technician", 15),
    ("battery test technician", 10),
)
WORKFORCE_COLUMNS = (
    "person_id",
    "job_title",
    "occupation",
    "past_occupations",
    "skills",
    "hours_per_week",
    "languages",
    "region",
    "earliest_start",
)


def workforce_rows(seed: int = SEED) -> list[dict[str, str]]:
    """The 180 people of the story, as rows of the workforce CSV format."""
    rng = np.random.default_rng(seed)
    people = [(uri, label, titles) for uri, label, count, titles in ROLES for _ in range(count)]
    order = rng.permutation(len(people))
    unmapped = set(rng.choice(len(people), size=len(UNMAPPED_TITLES), replace=False).tolist())
    late = set(rng.choice(len(people), size=20, replace=False).tolist())
    rows = []
    unmapped_titles = iter(UNMAPPED_TITLES)
    for number, index in enumerate(order.tolist(), start=1):
        uri, _, titles = people[index]
        row = dict.fromkeys(WORKFORCE_COLUMNS, "")
        row["person_id"] = f"LMB-{number:04d}"
        if number - 1 in unmapped:
            row["job_title"] = next(unmapped_titles)
        else:
            row["job_title"] = str(rng.choice(titles))
            row["occupation"] = ESCO_OCCUPATION + uri
        if rng.random() < 0.2:
            row["past_occupations"] = str(rng.choice(PAST))
        n_skills = int(rng.choice(4, p=[0.35, 0.3, 0.2, 0.15]))
        picked = rng.choice(len(SKILLS), size=n_skills, replace=False)
        levels = [int(rng.choice([1, 2, 3, 4], p=[0.2, 0.4, 0.3, 0.1])) for _ in picked]
        row["skills"] = ";".join(
            f"{SKILLS[int(s)]}@{lv}" for s, lv in zip(sorted(picked), levels, strict=True)
        )
        if rng.random() < 0.12:
            row["hours_per_week"] = str(int(rng.choice([4, 6])))
        row["languages"] = "it;en" if rng.random() < 0.6 else "it"
        row["region"] = "ITC4"
        if number - 1 in late:
            row["earliest_start"] = "2027-07-01"
        rows.append(row)
    return rows


def write(directory: Path = HERE) -> tuple[Path, Path]:
    """Write the workforce and targets CSVs of the story into ``directory``."""
    workforce = directory / "scenario3_workforce.csv"
    with workforce.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=WORKFORCE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(workforce_rows())
    targets = directory / "scenario3_targets.csv"
    with targets.open("w", newline="", encoding="utf-8") as handle:
        rows = csv.writer(handle, lineterminator="\n")
        rows.writerow(["occupation", "headcount", "deadline", "priority"])
        for label, headcount in TARGETS:
            rows.writerow([label, headcount, "", 1])
    return workforce, targets


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path}")
