#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fails when a source file includes a header its layer may not.

The rules are the table "directory | may include" in docs/architecture.md:
a file in a listed directory may include system headers, headers of its own
directory, and the headers its row names. Every directory of src/ and
drivers/ with C files must have a row, so a new one cannot escape the rules.

    check_layers.py SOURCE_ROOT
"""
import os
import re
import sys

ROW = re.compile(r"^\| `([^`]+)` \| (.*) \|$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def read_rules(root):
    rules = {}
    with open(os.path.join(root, "docs", "architecture.md")) as doc:
        for line in doc:
            m = ROW.match(line.rstrip("\n"))
            key = m.group(1) if m else ""
            if key.startswith(("src/", "drivers")) and not key.endswith("/") \
                    and os.path.isdir(os.path.join(root, key)):
                rules[key] = set(re.findall(r"`([^`]+)`", m.group(2)))
    return rules


def source_dirs(root):
    for top in ("src", "drivers"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            if any(f.endswith((".c", ".h")) for f in files):
                yield os.path.relpath(dirpath, root)


def problems(root, rules):
    for rel in sorted(source_dirs(root)):
        if rel not in rules:
            yield f"{rel}: no row in docs/architecture.md's layer table"
            continue
        allowed = rules[rel]
        directory = os.path.join(root, rel)
        for name in sorted(os.listdir(directory)):
            if not name.endswith((".c", ".h")):
                continue
            with open(os.path.join(directory, name)) as f:
                text = f.read()
            for kind, header in INCLUDE.findall(text):
                if kind == '"' and os.path.exists(os.path.join(directory, header)) \
                        and os.path.dirname(header) == "":
                    continue  # its own directory
                if kind == "<" and not header.startswith("umdev/"):
                    continue  # a system or library header
                if header not in allowed:
                    yield f"{rel}/{name}: includes {header}, which {rel} may not"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    rules = read_rules(root)
    if not rules:
        print("no layer table found in docs/architecture.md")
        return 1
    found = list(problems(root, rules))
    for p in found:
        print(p)
    print(f"{len(rules)} layers checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
