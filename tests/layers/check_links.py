#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fails when a shared object links a library it may not: it needs it
(DT_NEEDED), one of its undefined names is defined there, or its build's
run path names the library's directory (meson adds one for every library
it links, even one the linker then drops as unused with --as-needed).

Parent drivers link the device model (libumdev-vfio) and never the
vfio-user server (libumdev-vfio-user): docs/architecture.md.

    check_links.py FORBIDDEN_LIBRARY OBJECT[=NEEDED]...

An OBJECT must not need FORBIDDEN_LIBRARY nor leave undefined a name it
exports; given =NEEDED (a soname prefix such as "libumdev-vfio.so"), it
must need that library, which shows the check sees its links at all.
"""
import os
import subprocess
import sys


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def entries(path, tag):
    """The values of the object's dynamic-section entries of one tag."""
    values = []
    for line in run("readelf", "-d", "-W", path).splitlines():
        if f"({tag})" in line and "[" in line:
            values.append(line[line.index("[") + 1:line.rindex("]")])
    return values


def runpath(path):
    """The directories of the object's run path, resolved."""
    origin = os.path.dirname(os.path.realpath(path))
    return [os.path.realpath(d.replace("$ORIGIN", origin))
            for value in entries(path, "RUNPATH") + entries(path, "RPATH")
            for d in value.split(":")]


def dynamic(path, which):
    names = set()
    for line in run("nm", "-D", which, path).splitlines():
        fields = line.split()
        if fields:
            names.add(fields[-1].split("@")[0])
    return names


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    forbidden, objects = argv[0], argv[1:]
    forbidden_name = (entries(forbidden, "SONAME") or [os.path.basename(forbidden)])[0]
    forbidden_exports = dynamic(forbidden, "--defined-only")
    forbidden_dir = os.path.dirname(os.path.realpath(forbidden))
    problems = 0
    for spec in objects:
        path, _, required = spec.partition("=")
        libs = entries(path, "NEEDED")
        if forbidden_name in libs:
            print(f"{path}: needs {forbidden_name}")
            problems += 1
        if forbidden_dir in runpath(path):
            print(f"{path}: linked with {forbidden_name} (its run path names {forbidden_dir})")
            problems += 1
        if required and not any(lib.startswith(required) for lib in libs):
            print(f"{path}: does not need {required}: the check cannot see its links")
            problems += 1
        for name in sorted(dynamic(path, "--undefined-only") & forbidden_exports):
            print(f"{path}: uses {name}, which {forbidden_name} defines")
            problems += 1
        print(f"{path}: needs {', '.join(libs)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
