#!/usr/bin/env python3
"""Fails when code under src/ reads the OS clock itself.

Time goes through tmon::Clock (src/common/clock.h) so tests can drive it with a
ManualClock; only the real clock (src/common/clock.*) reads
std::chrono::{steady,system,high_resolution}_clock::now(). Code that needs OS
time and has no clock plumbed in (a socket deadline, a benchmark's wall time)
reads SystemClock::instance().now().

Tests (src/**/tests/) are not checked. Files in clock_reads_allowed.txt are
exempt, each with its reason; an entry whose file no longer reads the clock
fails too, so the list can only shrink.

usage: no_clock_reads_test.py <source dir> <allow-list>
"""
import pathlib
import re
import sys

CLOCKS = r"(?:steady|system|high_resolution)_clock"
DIRECT = re.compile(r"\b" + CLOCKS + r"::now\s*\(")
ALIAS = re.compile(r"using\s+(\w+)\s*=\s*std::chrono::" + CLOCKS + r"\s*;")


def offending_lines(text):
    """(line number, line) of every clock read, direct or through an alias."""
    aliases = [m.group(1) for m in ALIAS.finditer(text)]
    patterns = [DIRECT] + [re.compile(r"\b" + re.escape(a) + r"::now\s*\(") for a in aliases]
    hits = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("//", 1)[0]
        if any(p.search(code) for p in patterns):
            hits.append((number, line.strip()))
    return hits


def read_allow_list(path):
    allowed = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        reason = line.split("#", 1)[1].strip() if "#" in line else ""
        if not reason:
            sys.exit(f"{path}:{number}: '{entry}' has no reason (write one after '#')")
        allowed[entry] = reason
    return allowed


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    allowed = read_allow_list(pathlib.Path(sys.argv[2]))
    offenders = {}
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".h", ".cc", ".cpp", ".hpp") or "tests" in path.parts:
            continue
        relative = "src/" + path.relative_to(root).as_posix()
        if relative.startswith("src/common/clock."):
            continue
        hits = offending_lines(path.read_text(errors="replace"))
        if hits:
            offenders[relative] = hits
    failed = False
    for relative, hits in offenders.items():
        if relative in allowed:
            continue
        failed = True
        for number, line in hits:
            print(f"{relative}:{number}: reads the OS clock: {line}")
    for relative in allowed:
        if relative not in offenders:
            failed = True
            print(f"{relative}: allowed in clock_reads_allowed.txt but reads no clock: "
                  "remove the entry")
    if failed:
        print("Take a tmon::Clock& (or use SystemClock::instance() where none is plumbed); "
              "see src/common/clock.h.")
        return 1
    print(f"no clock reads outside src/common/clock.* ({len(allowed)} allowed with a reason)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
