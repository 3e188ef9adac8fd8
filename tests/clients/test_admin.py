"""The connection history in the Django admin: read-only, filtered, searchable, cheap to page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clients import services
from clients import admin as clients_admin
from clients.admin import CappedCountPaginator
from clients.models import ClientConnection

pytestmark = pytest.mark.django_db

URL = "/admin/clients/clientconnection/"


@pytest.fixture
def history():
    instance = services.server_instance_start(instance_id="host:1:x", hostname="host", pid=1)
    open_row, closed_row = services.client_connections_open(
        rows=[
            {"client_id": "11111111-1111-4111-8111-111111111111", "ip": "192.168.1.20", "user_agent": "ua", "origin": "", "instance_id": instance.id},
            {"client_id": "22222222-2222-4222-8222-222222222222", "ip": "10.0.0.7", "user_agent": "ua", "origin": "", "instance_id": instance.id},
        ]
    )
    ClientConnection.objects.filter(pk=closed_row.pk).update(
        connected_at=timezone.now() - timedelta(hours=1, minutes=2, seconds=3), disconnected_at=timezone.now()
    )
    return open_row, closed_row


def listed_ids(response):
    return [row.client_id for row in response.context["cl"].result_list]


def test_history_lists_every_connection(admin_client, history):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert set(listed_ids(response)) == {row.client_id for row in history}


def test_filter_open_and_closed(admin_client, history):
    open_row, closed_row = history
    assert listed_ids(admin_client.get(URL, {"state": "open"})) == [open_row.client_id]
    assert listed_ids(admin_client.get(URL, {"state": "closed"})) == [closed_row.client_id]


def test_search_by_full_uuid_or_ip_prefix(admin_client, history):
    open_row, closed_row = history
    assert listed_ids(admin_client.get(URL, {"q": closed_row.client_id})) == [closed_row.client_id]
    assert listed_ids(admin_client.get(URL, {"q": "192.168."})) == [open_row.client_id]


def test_duration_column(admin_client, history):
    content = admin_client.get(URL).content.decode()
    assert "1:02:03" in content
    assert "(open)" in content


def test_history_is_read_only(admin_client, history):
    open_row, _ = history
    assert admin_client.get(URL + "add/").status_code == 403
    response = admin_client.post(URL + f"{open_row.pk}/change/", {"ip": "6.6.6.6"})
    assert response.status_code == 403
    open_row.refresh_from_db()
    assert open_row.ip == "192.168.1.20"


def test_paginator_stops_counting_past_the_cap(monkeypatch, history):
    monkeypatch.setattr(clients_admin, "COUNT_CAP", 1)
    instance = history[0].server_instance
    services.client_connections_open(
        rows=[{"client_id": f"extra-{number}", "ip": "1.1.1.1", "user_agent": "", "origin": "", "instance_id": instance.id} for number in range(5)]
    )
    assert CappedCountPaginator(ClientConnection.objects.all(), 100).count == 2
    assert CappedCountPaginator(ClientConnection.objects.filter(ip="10.0.0.7"), 100).count == 1


def test_server_instances_page_shows_open_connection_counts(admin_client, history):
    response = admin_client.get("/admin/clients/serverinstance/")
    assert response.status_code == 200
    assert response.context["cl"].result_list[0].open_count == 1
