"""NUTS codes: one check of a code's shape and one of the regions upskill knows, for every entry point."""

from __future__ import annotations

import pytest

from data.nuts import known_region, nuts_code
from recommender.errors import InvalidPlanInput


def test_a_nuts_code_is_read_in_capitals_and_its_shape_checked() -> None:
    assert nuts_code(" cz08 ") == "CZ08"
    with pytest.raises(InvalidPlanInput, match="'Moravia' is not a NUTS code like 'CZ08'") as raised:
        nuts_code("Moravia", field="nuts")
    assert raised.value.field == "nuts"


@pytest.mark.parametrize("value", ["XX99", "Stuttgart", "CZ-08", ""])
def test_a_value_naming_no_known_region_is_refused_saying_which_are_known(value: str) -> None:
    with pytest.raises(InvalidPlanInput, match="is not a NUTS region upskill knows") as raised:
        known_region(value, field="--region")
    assert raised.value.field == "--region"
    message = raised.value.message
    assert message.startswith(f"{value!r} is not")  # as typed, not in capitals
    assert "DE11 (Stuttgart)" in message and "data/default/nuts_regions.csv" in message
    assert known_region(" sk02") == "SK02"
