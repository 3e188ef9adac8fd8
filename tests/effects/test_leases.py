"""Who renders what (effects.leases.owners) and the leases that make it exclusive, on the
database the suite runs against (SQLite, and PostgreSQL in CI)."""

import random
import time
from collections import Counter

import pytest

from effects.leases import owners
from effects.models import Lease, Worker

VIRTUALS = [f"strip-{number}" for number in range(12)]


def test_each_worker_gets_its_share_whatever_the_order_of_the_inputs():
    workers = ["host:1:a", "host:2:b", "host:3:c"]
    assigned = owners(VIRTUALS, workers)
    assert Counter(assigned.values()) == {"host:1:a": 4, "host:2:b": 4, "host:3:c": 4}
    shuffled = random.Random(7).sample(VIRTUALS, len(VIRTUALS))
    assert owners(shuffled, list(reversed(workers))) == assigned


def test_a_fourth_worker_takes_a_share_from_the_others():
    workers = ["host:1:a", "host:2:b", "host:3:c"]
    assert Counter(owners(VIRTUALS, [*workers, "host:4:d"]).values()) == dict.fromkeys([*workers, "host:4:d"], 3)


def test_without_workers_nobody_renders():
    assert owners(VIRTUALS, []) == {}


@pytest.mark.django_db
def test_a_lease_is_held_by_one_worker_until_released():
    assert Lease.objects.claim(worker_id="a", virtual_ids=["v1", "v2"], lease_seconds=3) == {"v1", "v2"}
    assert Lease.objects.claim(worker_id="b", virtual_ids=["v1", "v2", "v3"], lease_seconds=3) == {"v3"}
    assert Lease.objects.claim(worker_id="a", virtual_ids=["v1", "v2"], lease_seconds=3) == {"v1", "v2"}  # renewed
    Lease.objects.release(worker_id="a", virtual_ids=["v1"])
    assert Lease.objects.claim(worker_id="b", virtual_ids=["v1", "v3"], lease_seconds=3) == {"v1", "v3"}
    assert dict(Lease.objects.values_list("virtual_id", "worker_id")) == {"v1": "b", "v2": "a", "v3": "b"}


@pytest.mark.django_db
def test_an_expired_lease_goes_to_the_next_claimer_and_its_old_holder_cannot_renew_it():
    assert Lease.objects.claim(worker_id="a", virtual_ids=["v1"], lease_seconds=0.05) == {"v1"}
    assert Lease.objects.claim(worker_id="b", virtual_ids=["v1"], lease_seconds=3) == set()  # not expired yet
    time.sleep(0.1)
    assert Lease.objects.claim(worker_id="b", virtual_ids=["v1"], lease_seconds=3) == {"v1"}
    assert Lease.objects.claim(worker_id="a", virtual_ids=["v1"], lease_seconds=3) == set()


@pytest.mark.django_db
def test_expired_leases_of_virtuals_that_stopped_rendering_are_deleted():
    Lease.objects.claim(worker_id="a", virtual_ids=["v1", "v2"], lease_seconds=0.05)
    Lease.objects.claim(worker_id="a", virtual_ids=["v3"], lease_seconds=3)
    time.sleep(0.1)
    Lease.objects.delete_unwanted(active_ids=["v1"])
    assert sorted(Lease.objects.values_list("virtual_id", flat=True)) == ["v1", "v3"]  # v1 renders, v3 has not expired


@pytest.mark.django_db
def test_a_worker_is_live_while_it_beats_within_a_lease():
    Worker.objects.beat(worker_id="a", hostname="h", pid=1)
    Worker.objects.beat(worker_id="a", hostname="h", pid=1)
    assert list(Worker.objects.live(lease_seconds=0.2).values_list("worker_id", flat=True)) == ["a"]
    time.sleep(0.3)
    assert not Worker.objects.live(lease_seconds=0.2).exists()
