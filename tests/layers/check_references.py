#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fails when a comment or document points outside the repository (the
notes of the sessions that built it, which are not shipped) or
names a source file of this project that does not exist.

    check_references.py SOURCE_ROOT
"""
import os
import re
import subprocess
import sys

OUTSIDE = re.compile(r"(\breference/[\w-]+\.md|\.\./shared/|\bDESIGN\.md)")
# A project source file named in a comment: "conn.c", "src/core/index.c".
SOURCE = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[a-z][\w-]*\.[ch])\b")
# Files of other projects that umdev's comments name as counterparts.
FOREIGN = {"mdev_core.c", "mdev_sysfs.c", "mdev_private.h", "mdev.h", "pci_regs.h",
           "vfio.h", "uuid.c", "kernfs.c", "seq_file.c",
           # the kernel's driver core, IOMMU groups and uevents (the driver model)
           "bus.c", "core.c", "iommu.c", "kobject_uevent.c", "mdev_driver.c",
           # the kernel's mdpy sample and its guest driver (tests/vm/prepare builds it)
           "mdpy-defs.h", "mdpy-fb.c",
           # the kernel's vfio core, its IOMMU backend and vfio-pci's interrupts (the device model)
           "vfio_main.c", "vfio_iommu_type1.c", "vfio_pci_intrs.c"}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    files = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True,
                           check=True).stdout.split()
    names = {os.path.basename(f) for f in files} | set(files)
    problems = 0
    for rel in files:
        if not rel.endswith((".c", ".h", ".md", ".py", ".8", "meson.build")) \
                or rel == "tests/layers/check_references.py":
            continue
        with open(os.path.join(root, rel), errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                if line.lstrip().startswith("#include"):
                    continue
                m = OUTSIDE.search(line)
                if m:
                    print(f"{rel}:{lineno}: points outside the repository: {m.group(1)}")
                    problems += 1
                for name in SOURCE.findall(line):
                    base = os.path.basename(name)
                    if name not in names and base not in names and base not in FOREIGN \
                            and not name.startswith(("linux/", "sys/", "include/linux")):
                        print(f"{rel}:{lineno}: names {name}, which is not in the repository")
                        problems += 1
    print(f"{len(files)} files checked, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
