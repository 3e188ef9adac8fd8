"""Data migrations, run on the database the suite uses (SQLite, and PostgreSQL in CI)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture(autouse=True)
def latest_schema_after():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_devices_from_before_get_ledfxs_icon_and_offset_and_keep_the_rest():
    old = migrate(("effects", "0009_history"))
    old.get_model("effects", "Device").objects.create(id="porch", name="Porch", type="ddp", pixel_count=10, config={"port": 4048})
    old.get_model("effects", "Device").objects.create(id="desk", name="Desk", type="dummy", pixel_count=10, config={"icon_name": "mdi:desk"})
    old.get_model("effects", "Virtual").objects.create(id="porch", name="Porch", is_device="porch", options={"max_brightness": 0.5})
    old.get_model("effects", "Virtual").objects.create(id="desk", name="Desk", is_device="desk", options={})
    new = migrate(("effects", "0010_device_icon_and_center_offset"))
    devices = dict(new.get_model("effects", "Device").objects.values_list("id", "config"))
    virtuals = dict(new.get_model("effects", "Virtual").objects.values_list("id", "options"))
    assert devices == {"porch": {"icon_name": "mdi:led-strip", "center_offset": 0, "port": 4048}, "desk": {"icon_name": "mdi:desk", "center_offset": 0}}
    assert virtuals == {"porch": {"max_brightness": 0.5, "icon_name": "mdi:led-strip"}, "desk": {"icon_name": "mdi:desk"}}
