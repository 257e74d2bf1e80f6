"""Sectors: named sets of ESCO occupations used to filter adjacent roles.

``AUTOMOTIVE_MOBILITY`` is the automotive-mobility sector of the first deployment, chosen by hand from ESCO
v1.1.1 (preferred labels below, checked against the release in the tests):

* the whole ISCO unit group 7231 (motor vehicle mechanics and repairers);
* vehicle, engine, parts, battery and wire-harness assemblers (8211, 8212), not aircraft or vessel ones;
* mechanical, automotive, powertrain and mechatronics engineers, engine and automotive designers (2144, 2163);
* mechanical, automotive and mechatronics engineering technicians and motor-vehicle engine testers and
  inspectors (3115), the automotive test driver (7543);
* automotive electricians, automotive battery and battery test technicians, vehicle electronics
  installers (7412, 7543, 7421).

Occupations of other vehicles (aircraft, rolling stock, vessels) are left out on purpose. Extend the list
here; keep URIs (stable across ESCO releases) and labels (for the reader) together.
"""

from __future__ import annotations

from recommender.errors import UpskillError

ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"

# (ESCO occupation id, ISCO unit group, preferred label in ESCO v1.1.1)
AUTOMOTIVE_MOBILITY_OCCUPATIONS: tuple[tuple[str, str, str], ...] = (
    # motor vehicle mechanics and repairers (ISCO 7231, all of it)
    ("4ad4024e-d1d3-4dea-b6d1-2c7948111dce", "7231", "vehicle technician"),
    ("b8db7ef4-4057-4e88-8e2a-105b4b59fb67", "7231", "automotive brake technician"),
    ("24d378d8-1e16-4667-bdb4-1f4a0f2c6379", "7231", "diesel engine mechanic"),
    ("c0749528-ee2a-41bd-a1f6-c13825b5e569", "7231", "roadside vehicle technician"),
    ("98c429ad-128e-467e-803a-9a6dc1ceed72", "7231", "tyre fitter"),
    ("3b4eb248-6b40-42fe-9d10-cba8ccfe6613", "7231", "vehicle maintenance attendant"),
    ("264b00c9-84d0-4dc9-b590-aed2cea2b904", "7231", "vehicle maintenance supervisor"),
    ("5ab842f6-1f75-4d84-bf41-b8a9799347df", "7231", "coachbuilder"),
    ("0ec62c2e-30c9-434e-bf36-5277a0840450", "7231", "refurbishing technician"),
    ("158965f1-bd83-441c-bca8-1975b74dedc5", "7231", "restoration technician"),
    # assemblers of vehicles, engines, parts, batteries and wiring (ISCO 8211, 8212)
    ("ffc292f1-89e2-4406-8eff-39096c94e731", "8211", "motor vehicle assembler"),
    ("fa3fde92-f773-4381-9ae6-8e23d7334cd4", "8211", "motor vehicle body assembler"),
    ("c3cae318-8b15-4339-a617-1a66b9ff6609", "8211", "motor vehicle engine assembler"),
    ("78625dd8-257b-483b-bca0-172dd9b02754", "8211", "motor vehicle parts assembler"),
    ("769159bd-2929-4d40-8aeb-a99a387a0829", "8211", "motorcycle assembler"),
    ("1a6d1acf-5956-4ba0-95bf-b15b05a02013", "8211", "mechatronics assembler"),
    ("718bba63-75b7-4b3a-9912-e201b729fe4c", "8212", "battery assembler"),
    ("cb8be514-9388-4ef0-a58d-cff496747610", "8212", "wire harness assembler"),
    ("d44c5eb0-fc6c-4f4a-9850-f2f29aaac505", "8212", "electromechanical equipment assembler"),
    # mechanical and automotive engineers and designers (ISCO 2144, 2163)
    ("8d410283-865d-4cbb-acae-ac7f69d9cf26", "2144", "automotive engineer"),
    ("5979893a-0a30-447b-8f33-1ea405600583", "2144", "powertrain engineer"),
    ("dbc88790-a8c1-4dc4-9507-8f9dcff9c990", "2144", "engine designer"),
    ("579254cf-6d69-4889-9000-9c79dc568644", "2144", "mechanical engineer"),
    ("ab360abd-32e2-4e03-967d-a10758efffa7", "2144", "mechatronics engineer"),
    ("1d8f8111-79dd-41dc-aa2a-12f3192dde3c", "2163", "automotive designer"),
    # mechanical and automotive engineering technicians, engine testers (ISCO 3115, 7543)
    ("444c9aa9-578d-4a9a-9949-99ef1bacb20e", "3115", "automotive engineering technician"),
    ("8b490c1a-2f8c-4693-bcfa-ecfc88838a8e", "3115", "motor vehicle engine inspector"),
    ("b50ae5f6-3f67-4cc7-92bb-6cec7214bfc4", "3115", "motor vehicle engine tester"),
    ("b31e404e-9af6-457d-a58a-208f612eeba3", "3115", "mechanical engineering technician"),
    ("edf2e989-d7c5-496e-b365-81fc5cb9eb39", "3115", "mechatronics engineering technician"),
    ("295dbed9-0330-42af-8650-f9296c6eb195", "7543", "automotive test driver"),
    # automotive electricians, vehicle electronics and battery roles (ISCO 7412, 7421, 7543)
    ("6656337f-67eb-4f48-b1e4-ecccdfa44dd2", "7412", "automotive electrician"),
    ("06bd6285-13ed-4ea7-90cc-e9638a0600a9", "7412", "automotive battery technician"),
    ("43eb6228-8241-47d6-875e-7ccc214291d5", "7543", "battery test technician"),
    ("ecdc43f5-3b32-4f94-abf8-cd46480c8cb8", "7421", "vehicle electronics installer"),
)

SECTORS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "automotive-mobility": AUTOMOTIVE_MOBILITY_OCCUPATIONS
}


def sector_uris(name: str) -> frozenset[str]:
    """The occupation URIs of a named sector; an unknown name raises an error listing the known ones."""
    if name not in SECTORS:
        raise UpskillError(f"unknown sector {name!r}; known sectors: {', '.join(sorted(SECTORS))}")
    return frozenset(ESCO_OCCUPATION + uid for uid, _, _ in SECTORS[name])


def automotive_mobility() -> frozenset[str]:
    """The occupation URIs of the automotive-mobility sector."""
    return sector_uris("automotive-mobility")
