"""`manage.py create_demo`, which `make run` calls: a 32x32 noise2d matrix, once."""

import pytest
from django.core.management import call_command

from effects.models import Device, Virtual

pytestmark = pytest.mark.django_db


def test_creates_a_rendering_demo_matrix_once(capsys):
    call_command("create_demo")
    call_command("create_demo")
    assert list(Device.objects.values_list("id", "pixel_count", "rows")) == [("demo-matrix", 1024, 32)]
    virtual = Virtual.objects.get()
    assert (virtual.effect_type, virtual.active, virtual.columns) == ("noise2d", True, 32)
    assert "no demo created" in capsys.readouterr().out
