#!/usr/bin/env python3
"""Fails when a component includes one that sits above it.

src/CMakeLists.txt lists the components in dependency order (TMON_COMPONENTS);
a file under src/<component>/ (its tests included) may include headers of its
own component and of components listed before it, never of one listed after.
So `app` (the command line) stays on top, `bench` and `e2e` never include
`app/`, and `runtime` (a process put together) sits below both.

usage: include_graph_test.py <source dir>
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.MULTILINE)
COMPONENTS = re.compile(r"set\(TMON_COMPONENTS\s+([^)]*)\)", re.MULTILINE)


def component_order(source_dir):
    text = (source_dir / "CMakeLists.txt").read_text()
    match = COMPONENTS.search(text)
    if not match:
        sys.exit("include_graph_test: no set(TMON_COMPONENTS ...) in src/CMakeLists.txt")
    return {name: rank for rank, name in enumerate(match.group(1).split())}


def violations(source_dir, rank):
    found = []
    for path in sorted(source_dir.rglob("*")):
        if path.suffix not in (".h", ".cc"):
            continue
        owner = path.relative_to(source_dir).parts[0]
        if owner not in rank:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if match and match.group(1) in rank and rank[match.group(1)] > rank[owner]:
                found.append(f"{path}:{number}: {owner} includes {match.group(1)}/, "
                             f"which is above it in TMON_COMPONENTS")
    return found


def main():
    source_dir = pathlib.Path(sys.argv[1])
    rank = component_order(source_dir)
    for required in ("runtime", "bench", "e2e", "app"):
        if required not in rank:
            sys.exit(f"include_graph_test: component {required} missing from TMON_COMPONENTS")
    if not rank["runtime"] < rank["bench"] < rank["app"] or not rank["e2e"] < rank["app"]:
        sys.exit("include_graph_test: runtime must sit below bench and e2e, app on top")
    found = violations(source_dir, rank)
    for line in found:
        print(line)
    if found:
        sys.exit(f"include_graph_test: {len(found)} include(s) against the component order")
    print(f"include_graph_test: {len(rank)} components, no include against the order")


if __name__ == "__main__":
    main()
