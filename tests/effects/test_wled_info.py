"""What a WLED's /json/info means: phy for virtual_diag, and the device's own description."""

import pytest

from effects.wled import device_fields_from_info, phy_from_info
from tests.effects.standins import FIXTURE_VERSIONS, fixture


@pytest.mark.parametrize("version", FIXTURE_VERSIONS)
def test_phy_maps_each_capture(version):
    info = fixture(version)
    assert phy_from_info(info) == {
        "fps": info["leds"]["fps"],
        "ver": version,
        "n": 30,
        "name": "WLED",
        "rssi": info["wifi"]["rssi"],
        "qual": info["wifi"]["signal"],
    }


def test_phy_is_null_where_the_device_says_nothing():
    assert phy_from_info({"leds": {}}) == {"fps": None, "ver": None, "n": None, "name": None, "rssi": None, "qual": None}


@pytest.mark.parametrize("version", FIXTURE_VERSIONS)
def test_a_strip_describes_its_name_and_count(version):
    assert device_fields_from_info(fixture(version)) == {"name": "WLED", "pixel_count": 30}


def test_a_matrix_describes_its_rows():
    info = fixture("16.0.0")
    info["leds"] = {**info["leds"], "count": 512, "matrix": {"w": 32, "h": 16}}
    assert device_fields_from_info(info) == {"name": "WLED", "pixel_count": 512, "rows": 16}
