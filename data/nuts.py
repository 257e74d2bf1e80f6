"""The NUTS regions upskill knows: a key or a kept portfolio names one of them.

No official NUTS code list (Eurostat's) is bundled yet, so the regions known are those of the project's own
data: the NUTS-2 regions of the automotive skills partnerships its scenarios and demo population are set in
(``default/nuts_regions.csv``, NUTS 2021 codes and names). A syntactically valid code that is none of them
(``XX99``, a typo of ``CZ08``) is refused, saying which are known and how to add one.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from recommender.errors import InvalidPlanInput

REGIONS_FILE = Path(__file__).parent / "default" / "nuts_regions.csv"
#: A NUTS code's shape: the country's two letters and up to three more letters or digits (``CZ08``).
NUTS_CODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")


@cache
def known_regions() -> dict[str, str]:
    """NUTS code -> the region's name, for every region upskill knows (:data:`REGIONS_FILE`), in code order
    (as the pages' region selects and the error messages list them)."""
    with REGIONS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        return dict(sorted((row["code"].strip().upper(), row["name"].strip()) for row in rows))


def unknown_region(code: str, typed: str | None = None) -> str | None:
    """Why ``code`` (a NUTS code in capitals) names no region upskill knows, or None when it names one;
    the message quotes ``typed`` (what the user wrote, ``Stuttgart``) when given, else ``code``."""
    known = known_regions()
    if code in known:
        return None
    listed = ", ".join(f"{c} ({name})" for c, name in known.items())
    shown = code if typed is None else typed
    return (
        f"{shown!r} is not a NUTS region upskill knows. It knows only the regions of its own data, as no "
        f"official NUTS code list is bundled yet: {listed}. To add a real region, add its NUTS code and "
        "name to data/default/nuts_regions.csv"
    )


def nuts_code(value: str, *, field: str = "region") -> str:
    """``value`` as a NUTS code in capitals (`` cz08 `` -> ``CZ08``), or :class:`InvalidPlanInput` naming
    ``field`` when it does not have a code's shape (``Moravia``)."""
    code = value.strip().upper()
    if not NUTS_CODE.match(code):
        raise InvalidPlanInput(f"{value!r} is not a NUTS code like 'CZ08'", field=field)
    return code


def known_region(value: str, *, field: str = "region") -> str:
    """``value`` as the NUTS code (in capitals) of a region upskill knows, or :class:`InvalidPlanInput` naming
    ``field``: a worker placed in a code that names no region (``XX99``, ``Stuttgart``) would silently match
    no in-person course's region and give the ranker a region feature it never saw."""
    code = value.strip().upper()  # no shape check needed: every known code has a NUTS code's shape
    why = unknown_region(code, value.strip())
    if why is not None:
        raise InvalidPlanInput(why, field=field)
    return code
