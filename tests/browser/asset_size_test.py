#!/usr/bin/env python3
"""The dashboard's files, gzipped one by one as a server would send them,
stay under a byte budget in total (a control room may sit on a slow link).

Usage: asset_size_test.py WEB_DIR BUDGET_BYTES
"""

import gzip
import os
import sys


def main():
    web_dir, budget = sys.argv[1], int(sys.argv[2])
    total = 0
    for root, _, files in os.walk(web_dir):
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as f:
                size = len(gzip.compress(f.read(), compresslevel=9))
            total += size
            print(f"{os.path.relpath(os.path.join(root, name), web_dir)}: {size} B gzipped")
    print(f"total: {total} B gzipped (budget {budget} B)")
    if total == 0:
        print("FAIL: no assets found")
        return 1
    if total > budget:
        print("FAIL: over budget")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
