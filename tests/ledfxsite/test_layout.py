"""The layout DESIGN.md promises: the apps never import each other, the project package's
plumbing imports no app, and `manage.py runworker` is the composition root's."""

import ast
from pathlib import Path

import pytest
from django.core.management import get_commands

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
APPS = ("clients", "effects", "diagnostics")
# The composition root: these modules wire the apps together, so they may import them.
COMPOSITION_ROOT = {
    "ledfxsite/asgi.py",
    "ledfxsite/urls.py",
    "ledfxsite/management/commands/runworker.py",
    # What the whole deployment is doing, read across the apps: health, the operator's view.
    "ledfxsite/health.py",
    "ledfxsite/operator.py",
}


def imported_packages(path):
    """Top-level packages a module imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def modules_of(package):
    return sorted(path for path in (PROJECT_DIR / package).rglob("*.py") if "migrations" not in path.parts)


def imports_between(package, forbidden):
    return {
        str(path.relative_to(PROJECT_DIR)): sorted(set(imported_packages(path)) & set(forbidden))
        for path in modules_of(package)
        if set(imported_packages(path)) & set(forbidden)
    }


@pytest.mark.parametrize("app, other", [("clients", "effects"), ("effects", "clients")])
def test_the_apps_do_not_import_each_other(app, other):
    assert imports_between(app, [other]) == {}


def test_diagnostics_imports_no_other_app():
    assert imports_between("diagnostics", ["clients", "effects"]) == {}


def test_only_the_composition_root_of_the_project_package_imports_apps():
    importing = imports_between("ledfxsite", APPS)
    assert set(importing) <= COMPOSITION_ROOT, importing


def test_the_checker_sees_an_import_between_apps(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\nfrom clients.events import x\nfrom . import y\n")
    assert set(imported_packages(module)) == {"os", "clients"}


def test_runworker_is_the_composition_roots():
    assert get_commands()["runworker"] == "ledfxsite"


def test_every_limit_and_error_code_is_documented_in_the_readme():
    tree = ast.parse((PROJECT_DIR / "ledfxsite" / "constants.py").read_text())
    names = [target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets]
    readme = (PROJECT_DIR / "README.md").read_text()
    assert names and [name for name in names if f"`{name}`" not in readme] == []
