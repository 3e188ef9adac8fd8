"""LedFx's own declarative API test suite, run against any server (issue 13).

    LEDFX_REPO=/path/to/LedFx make bench-ledfx-api      (LedFx 2.2.1 and ours, one run)
    python bench/ledfx_api.py --ledfx-repo DIR --url http://127.0.0.1:8888 --label NAME --out FILE.json
    python bench/ledfx_api.py --report A.json B.json --out FILE.md

The cases are read from a checkout of LedFx's repository that you fetch yourself (`git
clone https://github.com/LedFx/LedFx`); nothing of LedFx is copied here. Its
`tests/test_definitions/*.py` hold ordered APITestCases; LedFx's `tests/test_apis.py` runs
them group by group, each group sorted by `execution_order`, and `all_effects` and
`audio_configs` are generated, before any case runs, from the server's own `/api/schema`
(LedFx's `get_ledfx_effects` and `get_ledfx_audio_configs`, called here against the server
under test). Requests go through LedFx's own `HTTPSession` (it retries a 500, 502 or 504).
A case passes as it does in LedFx's runner: the status code is the one expected; each
expected key is a top-level key of the answer; each expected value equals the answer's,
except that an expected object under a key whose answer is an object need only be a
subset of it at its top level.

This script imports LedFx's `tests` package, so it must not run with this project's root
on sys.path (run it as `python bench/ledfx_api.py`, never `python -m`).
"""

import argparse
import importlib
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

# LedFx's runner's groups, in its order: (group, module, dict in it, or None when generated).
GROUPS = [
    ("proof_of_life", "proof_of_life", "proof_of_life_tests"),
    ("devices", "devices", "device_tests"),
    ("effects", "effects", "effect_tests"),
    ("all_effects", "all_effects", None),
    ("audio_configs", "audio_configs", None),
    ("virtual_config", "virtual_config", "virtual_config_tests"),
    ("virtual_fallback", "virtual_fallback", "virtual_fallback_tests"),
    ("coexistance", "coexistance", "coexistance_tests"),
    ("log", "log", "log_api_tests"),
    ("preset_delete", "preset_delete", "preset_delete_tests"),
    ("lifx", "lifx", "lifx_tests"),
]
GENERATORS = {"all_effects": "get_ledfx_effects", "audio_configs": "get_ledfx_audio_configs"}


def load_cases(ledfx_repo, server_path):
    """[(group, name, case)] in the order LedFx's runner runs them."""
    sys.path.insert(0, str(ledfx_repo))
    groups = {}
    for group, module_name, attribute in GROUPS:
        module = importlib.import_module(f"tests.test_definitions.{module_name}")
        if attribute is None:
            module.SERVER_PATH = server_path  # the generators read the schema of the server under test
            groups[group] = getattr(module, GENERATORS[group])()
        else:
            groups[group] = getattr(module, attribute)
    return [
        (group, name, case)
        for group, _, _ in GROUPS
        for name, case in sorted(groups[group].items(), key=lambda item: item[1].execution_order)
    ]


def mismatch(case, response):
    """Why the answer fails the case (LedFx's comparison), or None when it passes."""
    if response.status_code != case.expected_return_code:
        return f"status {response.status_code}, expected {case.expected_return_code}"
    if not case.expected_response_keys and not case.expected_response_values:
        return None
    try:
        answer = response.json()
    except ValueError:
        return f"not JSON: {response.text[:200]!r}"
    missing = [key for key in case.expected_response_keys or [] if key not in answer]
    if missing:
        return f"missing keys {missing}"
    for expected in case.expected_response_values or []:
        for key, value in expected.items():
            got = answer.get(key)
            if isinstance(got, dict) and key in answer:
                if not isinstance(value, dict):
                    return f"{key}: expected {value!r}, got an object"
                if not value.items() <= got.items():
                    return first_difference(value, got, key)
            elif key not in answer or got != value:
                return f"{key}: expected {value!r}, got {got!r}"
    return None


def answered_reason(response):
    try:
        payload = response.json().get("payload")
    except (ValueError, AttributeError):
        return None
    return payload.get("reason") if isinstance(payload, dict) else None


def first_difference(expected, got, path):
    """Where `got` differs from `expected` at the top level of an object (as LedFx's subset
    check, which compares each value whole), then key by key down to the difference."""
    for key, value in expected.items():
        if key not in got:
            return f"{path}.{key} missing"
        if got[key] != value:
            return difference(value, got[key], f"{path}.{key}")
    return None


def difference(expected, got, path):
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in [*expected, *(key for key in got if key not in expected)]:
            if key not in got:
                return f"{path}.{key} missing"
            if key not in expected:
                return f"{path}.{key} not expected (got {got[key]!r})"
            if got[key] != expected[key]:
                return difference(expected[key], got[key], f"{path}.{key}")
    return f"{path}: expected {expected!r}, got {got!r}"


def run(args):
    base = args.url.rstrip("/")
    server_path = urlsplit(base).netloc
    cases = load_cases(Path(args.ledfx_repo).resolve(), server_path)
    from tests.test_utilities.test_utils import HTTPSession

    session = HTTPSession()
    results = []
    for group, name, case in cases:
        started = time.perf_counter()
        try:
            response = session.send_test_api_request(url=base + case.api_endpoint, method=case.method, payload=case.payload_to_send or None)
            problem = mismatch(case, response)
            if problem and (reason := answered_reason(response)):
                problem += f" (the answer's reason: {reason})"
        except Exception as exc:  # a refused connection, a timeout: the case fails, the run goes on
            problem = f"{type(exc).__name__}: {exc}"
        results.append({"group": group, "name": name, "passed": problem is None, "problem": problem, "ms": round((time.perf_counter() - started) * 1000, 1)})
        if case.sleep_after_test:
            time.sleep(case.sleep_after_test)
    passed = sum(result["passed"] for result in results)
    print(f"{args.label}: {passed} of {len(results)} passed", file=sys.stderr)
    Path(args.out).write_text(json.dumps({"label": args.label, "url": base, "at": datetime.now(UTC).isoformat(timespec="seconds"), "results": results}, indent=1))


def report(paths, out):
    runs = [json.loads(Path(path).read_text()) for path in paths]
    labels = [run["label"] for run in runs]
    lines = [f"# LedFx's API test suite, {runs[0]['at']}", "", "Per group: cases passed.", "", "| group | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    groups = list(dict.fromkeys(result["group"] for run in runs for result in run["results"]))
    for group in [*groups, None]:
        cells = []
        for run in runs:
            chosen = [result for result in run["results"] if group is None or result["group"] == group]
            cells.append(f"{sum(result['passed'] for result in chosen)} / {len(chosen)}")
        lines.append(f"| {group or '**all**'} | " + " | ".join(cells) + " |")
    lines += ["", "Cases failed by any server (all_effects and audio_configs are generated from each server's own schema, so their cases differ):", ""]
    lines += ["| group | case | " + " | ".join(labels) + " |", "|---" * (len(labels) + 2) + "|"]
    outcomes = {}
    for index, run in enumerate(runs):
        for result in run["results"]:
            outcomes.setdefault((result["group"], result["name"]), [None] * len(runs))[index] = result
    for (group, name), results in outcomes.items():
        if all(result is not None and result["passed"] for result in results):
            continue
        cells = ["–" if result is None else "pass" if result["passed"] else "FAIL: " + result["problem"].replace("|", "\\|").replace("\n", " ")[:160] for result in results]
        lines.append(f"| {group} | {name} | " + " | ".join(cells) + " |")
    Path(out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines[: 6 + len(groups) + 1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledfx-repo", help="a checkout of LedFx's repository (its tests/ folder is read)")
    parser.add_argument("--url", help="the server's base URL, e.g. http://127.0.0.1:8888")
    parser.add_argument("--label", default="server")
    parser.add_argument("--report", nargs="+", metavar="RUN.json", help="write a side-by-side table of these runs instead")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.report:
        report(args.report, args.out)
    elif args.ledfx_repo and args.url:
        run(args)
    else:
        parser.error("give --ledfx-repo and --url, or --report")


if __name__ == "__main__":
    main()
