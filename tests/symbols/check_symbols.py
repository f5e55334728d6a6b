#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fails when a shared library exports a name its public headers do not
declare (an internal such as index_lock or vfu_log, which clashes with
libvfio-user's), or does not export a function they declare.

    check_symbols.py LIBRARY HEADER... [-- LIBRARY HEADER...]...
"""
import re
import subprocess
import sys

DECLARED = re.compile(r"\b(umdev_\w+)\s*\(")
INLINE = re.compile(r"static\s+inline\b[^;{]*?\b(umdev_\w+)\s*\(", re.S)


def exported(library):
    out = subprocess.run(["nm", "-D", "--defined-only", library], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        # Names the linker itself defines in every library are not the library's.
        if len(fields) == 3 and not fields[2].startswith(("_init", "_fini", "_edata", "_end",
                                                          "__bss_start")):
            names.add(fields[2])
    return names


def declared(headers):
    names, inline = set(), set()
    for header in headers:
        with open(header) as f:
            text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
        text = re.sub(r"//[^\n]*", "", text)
        # typedefs of function pointers are not functions
        text = re.sub(r"typedef[^;]*;", "", text)
        names |= set(DECLARED.findall(text))
        inline |= set(INLINE.findall(text))
    return names - inline


def main(argv):
    groups, current = [], []
    for arg in argv:
        if arg == "--":
            groups.append(current)
            current = []
        else:
            current.append(arg)
    groups.append(current)
    problems = 0
    for library, *headers in groups:
        names, api = exported(library), declared(headers)
        for name in sorted(names - api):
            print(f"{library}: exports {name}, which no public header declares")
            problems += 1
        for name in sorted(api - names):
            print(f"{library}: does not export {name}, which its headers declare")
            problems += 1
        print(f"{library}: {len(names)} exported, {len(api)} declared")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
