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
    """`sh -c "a && b && c"` -> [argv of a, argv of b, argv of c]."""
    argv = shlex.split(command)
    assert argv[:2] == ["sh", "-c"]
    return [shlex.split(step) for step in argv[2].split("&&")]


def test_web_service_serves_with_the_tested_daphne_command():
    steps = shell_steps(compose()["services"]["web"]["command"])
    assert steps[-1] == daphne_command("0.0.0.0", 8888)


def test_make_run_serves_with_the_tested_daphne_command():
    assert shlex.split(make_recipe("run")[-1]) == daphne_command("127.0.0.1", 8888)


def test_web_service_prepares_the_database_as_make_run_does():
    steps = shell_steps(compose()["services"]["web"]["command"])
    prepare = [shlex.split(line) for line in make_recipe("run") if "manage.py" in line]
    assert prepare == steps[-3:-1]


def test_worker_service_runs_the_tested_worker_command():
    steps = shell_steps(compose()["services"]["worker"]["command"])
    assert steps[-1] == worker_command()


def test_web_service_installs_the_pinned_requirements():
    steps = shell_steps(compose()["services"]["web"]["command"])
    assert ["pip", "install", "-q", "-r", "requirements.txt"] in steps


def test_services_use_postgres_and_redis():
    services = compose()["services"]
    environment = services["web"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://postgres@postgres:5432/")
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert {"postgres", "redis", "web", "worker"} <= set(services)


def test_web_ui_package_is_installed_without_its_dependencies_as_make_does():
    steps = shell_steps(compose()["services"]["web"]["command"])
    assert ["pip", "install", "-q", "--no-deps", "-r", "requirements-ui.txt"] in steps
    assert any(line.endswith("pip install --quiet --no-deps -r requirements-ui.txt") for line in make_recipe("test"))
