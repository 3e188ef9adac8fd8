"""docker-compose.yml cannot be run here (no Docker engine), so it is kept honest by
checking that its services run exactly the commands `make` and the tests run."""

import os
import re
import shlex
import subprocess

import yaml

from tests.conftest import PROJECT_DIR, daphne_command, worker_command


def compose():
    return yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())


def make_recipe(target):
    """The commands `make TARGET` runs, with the virtualenv prefix removed."""
    env = {name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    output = subprocess.run(
        ["make", "--no-print-directory", "--dry-run", "--always-make", target, "VENV=.venv"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True,
    ).stdout
    return [re.sub(r"(^|\s)\.venv/bin/", r"\1", line) for line in output.splitlines()]


def shell_steps(command):
    """["sh", "-c", "a && b && c"] -> [argv of a, argv of b, argv of c]."""
    assert command[:2] == ["sh", "-c"]
    return [shlex.split(step) for step in command[2].split("&&")]


def dockerfile_runs():
    """The argv of each command in the Dockerfile's RUN lines."""
    lines = [line[4:] for line in (PROJECT_DIR / "Dockerfile").read_text().splitlines() if line.startswith("RUN ")]
    return [shlex.split(step) for line in lines for step in line.split("&&")]


def test_web_service_serves_with_the_tested_daphne_command():
    assert compose()["services"]["web"]["command"] == daphne_command("0.0.0.0", 8888)


def test_make_run_serves_with_the_tested_daphne_command():
    assert shlex.split(make_recipe("run")[-1]) == daphne_command("127.0.0.1", 8888)


def test_the_one_shot_migrate_service_prepares_the_database_as_make_run_does():
    migrate = compose()["services"]["migrate"]
    prepare = [shlex.split(line) for line in make_recipe("run") if "manage.py" in line]
    assert shell_steps(migrate["command"]) == prepare
    assert migrate["restart"] == "no"
    for service in ("web", "worker"):
        assert compose()["services"][service]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_two_worker_replicas_run_the_tested_worker_command_and_restart():
    worker = compose()["services"]["worker"]
    assert worker["command"] == worker_command()
    assert (worker["deploy"]["replicas"], worker["restart"]) == (2, "unless-stopped")


def test_the_image_bakes_in_the_pinned_requirements_as_make_installs_them():
    runs = dockerfile_runs()
    assert ["pip", "install", "-r", "requirements.txt"] in runs
    assert ["pip", "install", "--no-deps", "-r", "requirements-ui.txt"] in runs
    assert any(line.endswith("pip install --quiet --no-deps -r requirements-ui.txt") for line in make_recipe("test"))
    assert all(service.get("build") == "." for name, service in compose()["services"].items() if name in ("migrate", "web", "worker"))


def test_health_checks_use_healthz_and_the_worker_heartbeat():
    services = compose()["services"]
    assert "http://127.0.0.1:8888/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "python", "manage.py", "render_worker_alive"]
    assert services["proxy"]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_one_port_is_published_by_the_proxy_which_the_web_processes_trust():
    services = compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["networks"]["default"]["ipv4_address"] == services["web"]["environment"]["TRUSTED_PROXIES"]
    assert services["proxy"]["volumes"] == ["./ledfxsite/deploy/nginx.conf.template:/etc/nginx/templates/default.conf.template:ro"]


def test_services_use_postgres_and_redis_and_a_shared_secret_key():
    services = compose()["services"]
    environment = services["web"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://postgres@postgres:5432/")
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "SECRET_KEY=" in (PROJECT_DIR / ".env.example").read_text()
    assert {"postgres", "redis", "migrate", "web", "worker", "proxy"} <= set(services)
