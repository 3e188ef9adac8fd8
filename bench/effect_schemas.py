"""Effects by name: each server's effect catalogue from its GET /api/schema, compared option
by option (names, JSON types, defaults, minimums, maximums, choices), so that a script
selecting LedFx's effects and options by name can tell what works here.

    python bench/effect_schemas.py --save URL FILE.json      (a server's /api/schema)
    python bench/effect_schemas.py --ledfx A.json --ours B.json --out REPORT.md
"""

import argparse
import json
import urllib.request

COMPARED = ("type", "default", "minimum", "maximum", "enum")


def options(schema, effect_type):
    return {name: {key: value[key] for key in COMPARED if key in value} for name, value in schema["effects"][effect_type]["schema"]["properties"].items()}


def differences(ledfx, ours, effect_type):
    """Lines naming what differs in one effect present in both."""
    theirs, mine = options(ledfx, effect_type), options(ours, effect_type)
    found = [f"only LedFx's option `{name}`" for name in sorted(set(theirs) - set(mine))]
    found += [f"only our option `{name}`" for name in sorted(set(mine) - set(theirs))]
    for name in sorted(set(theirs) & set(mine)):
        for key in COMPARED:
            if theirs[name].get(key) != mine[name].get(key) and not (isinstance(theirs[name].get(key), str) and str(theirs[name].get(key)).lower() == str(mine[name].get(key)).lower()):
                found.append(f"`{name}` {key}: LedFx {theirs[name].get(key)!r}, ours {mine[name].get(key)!r}")
    if ledfx["effects"][effect_type].get("name") != ours["effects"][effect_type].get("name"):
        found.append(f"name: LedFx {ledfx['effects'][effect_type].get('name')!r}, ours {ours['effects'][effect_type].get('name')!r}")
    return found


def report(ledfx, ours):
    both = sorted(set(ledfx["effects"]) & set(ours["effects"]))
    lines = [
        "# Effects by name: ledfxsite's catalogue against LedFx 2.2.1's",
        "",
        f"LedFx 2.2.1 has {len(ledfx['effects'])} effect types; ledfxsite has {len(ours['effects'])}, {len(both)} of them LedFx's.",
        "Compared for each: the display name and every option's name, JSON type, default, minimum, maximum and choices.",
        "",
        "| effect | differences |",
        "|---|---|",
    ]
    lines += [f"| {effect_type} | {'; '.join(differences(ledfx, ours, effect_type)) or 'none'} |" for effect_type in both]
    lines += ["", f"Only ours: {', '.join(sorted(set(ours['effects']) - set(ledfx['effects']))) or 'none'}.", "", f"Only LedFx's: {', '.join(sorted(set(ledfx['effects']) - set(ours['effects'])))}.", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--save", nargs=2, metavar=("URL", "FILE"), help="save a server's /api/schema")
    parser.add_argument("--ledfx")
    parser.add_argument("--ours")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.save:
        url, path = args.save
        with urllib.request.urlopen(url.rstrip("/") + "/api/schema", timeout=30) as response, open(path, "w") as file:
            file.write(response.read().decode())
        return
    with open(args.ledfx) as file:
        ledfx = json.load(file)
    with open(args.ours) as file:
        ours = json.load(file)
    with open(args.out, "w") as file:
        file.write(report(ledfx, ours))


if __name__ == "__main__":
    main()
