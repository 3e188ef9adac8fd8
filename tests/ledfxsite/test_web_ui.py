"""LedFx's web UI served at / from the ledfx package's build (WEB_UI), beside the API and
the admin; the UI in a real browser is tested in test_web_ui_browser.py."""

import re
import subprocess
import sys

import ledfx_frontend
import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from ledfxsite.env import web_ui_dir
from tests.conftest import PROJECT_DIR

BUILD = ledfx_frontend.where()


def test_the_index_page_is_ledfxs_and_never_cached(client):
    response = client.get("/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-cache"
    assert b"".join(response.streaming_content) == open(f"{BUILD}/index.html", "rb").read()


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_the_files_the_index_names_are_served_by_daphne(live_servers):
    """By a real daphne, whose static files handler serves /static/ (the UI's and the admin's)."""
    server = live_servers(REDIS_URL="")
    index = open(f"{BUILD}/index.html").read()
    named = re.findall(r'(?:src|href)="(/[^"#?]+)"', index)
    assert any(name.startswith("/static/js/main.") for name in named)
    for name in [*named, "/static/admin/css/base.css"]:
        response = requests.get(server.http + name, timeout=10)
        assert response.status_code == 200 and response.content, name


@pytest.mark.parametrize("path", ["/manifest.json", "/frontend_config.json", "/serviceWorker.js", "/favicon/favicon.ico"])
def test_files_beside_the_index_are_served(client, path):
    assert client.get(path).status_code == 200


def test_the_admin_and_the_api_keep_their_paths(client):
    assert client.get("/admin/").status_code == 302
    assert client.get("/api/nope")["Content-Type"] == "application/json"


def test_web_ui_setting():
    assert str(web_ui_dir("ledfx")) == BUILD
    assert web_ui_dir("off") is None
    assert web_ui_dir(BUILD) == web_ui_dir("ledfx")
    with pytest.raises(ImproperlyConfigured, match="WEB_UI='/nowhere' must be ledfx, off, or a folder holding an index.html"):
        web_ui_dir("/nowhere")


def test_without_a_web_ui_the_root_leads_to_the_admin():
    code = "import django; django.setup(); from django.test import Client; print(Client(HTTP_HOST='127.0.0.1').get('/')['Location'])"
    env = {"WEB_UI": "off", "DJANGO_SETTINGS_MODULE": "ledfxsite.settings", "PATH": "/usr/bin:/bin", "DATA_DIR": str(PROJECT_DIR / "data")}
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True).stdout.strip() == "/admin/"
