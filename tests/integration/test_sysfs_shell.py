# SPDX-License-Identifier: MIT
"""The tree as a shell user sees it: echo, cat, ls -l, readlink, and
malformed or hostile writes, each with the kernel's errno and no change
to the tree (docs/sysfs-abi.md)."""

import errno
import os
import stat
import subprocess

import pytest

from conftest import UUIDS

U1, U2, U3 = UUIDS[0], UUIDS[1], UUIDS[2]
TYPE_A, TYPE_B = "testparent-a", "testparent-b"


def sh(cmd, cwd):
    return subprocess.run(["sh", "-c", cmd], cwd=cwd, capture_output=True, text=True)


def test_empty_tree_layout(daemon):
    assert sorted(os.listdir(daemon.mnt)) == ["bus", "class", "devices", "kernel"]
    assert sorted(os.listdir(daemon.path("class", "mdev_bus"))) == ["tp0", "tp1", "tpfail"]
    for parent in ("tp0", "tp1", "tpfail"):
        link = daemon.path("class", "mdev_bus", parent)
        assert os.readlink(link) == f"../../devices/virtual/testparent/{parent}"
        assert os.path.realpath(link) == daemon.parent_dir(parent)
        assert sorted(os.listdir(link)) == ["mdev_supported_types", "power", "subsystem",
                                            "uevent"]
        assert sorted(os.listdir(os.path.join(link, "mdev_supported_types"))) == [TYPE_A, TYPE_B]
    assert daemon.devices() == []


def test_type_attributes_text_and_modes(daemon):
    expected = {
        TYPE_A: {"device_api": "vfio-pci\n", "name": "Test type A\n",
                 "available_instances": "3\n", "description": "test device of type a\n"},
        TYPE_B: {"device_api": "vfio-pci\n", "name": "b\n",
                 "available_instances": "3\n", "description": "test device of type b\n"},
    }
    for type_id, files in expected.items():
        tdir = daemon.type_dir("tp0", type_id)
        assert sorted(os.listdir(tdir)) == sorted([*files, "create", "devices"])
        for name, text in files.items():
            assert sh(f"cat {name}", tdir).stdout == text
            st = os.stat(os.path.join(tdir, name))
            assert stat.S_IMODE(st.st_mode) == 0o444 and st.st_size == 4096
        st = os.stat(os.path.join(tdir, "create"))
        assert stat.S_IMODE(st.st_mode) == 0o200 and stat.S_ISREG(st.st_mode)
        assert stat.S_ISDIR(os.stat(os.path.join(tdir, "devices")).st_mode)


def test_echo_create_then_everything_visible(daemon):
    tdir = daemon.type_dir("tp0", TYPE_A)
    r = sh(f"echo {U1} > create", tdir)
    assert r.returncode == 0, r.stderr
    # No polling: everything is there as soon as the write returned.
    ddir = os.path.join(daemon.parent_dir("tp0"), U1)
    assert sorted(os.listdir(ddir)) == ["driver", "iommu_group", "mdev_type", "poke", "power", "remove",
                                        "serial", "subsystem", "uevent", "vendor"]
    assert sorted(os.listdir(os.path.join(ddir, "vendor"))) == ["info", "reset", "serial", "setting",
                                                                "value"]
    assert os.readlink(os.path.join(ddir, "mdev_type")) == f"../mdev_supported_types/{TYPE_A}"
    assert os.path.realpath(os.path.join(ddir, "mdev_type")) == tdir
    assert daemon.devices() == [U1]
    bus_link = daemon.device_dir(U1)
    assert os.readlink(bus_link) == f"../../../devices/virtual/testparent/tp0/{U1}"
    assert os.path.realpath(bus_link) == ddir
    assert os.listdir(os.path.join(tdir, "devices")) == [U1]
    assert os.readlink(os.path.join(tdir, "devices", U1)) == f"../../../{U1}"
    assert os.path.realpath(os.path.join(tdir, "devices", U1)) == ddir

    # Modes and text of every device file.
    listing = sh("ls -l", ddir).stdout
    assert "--w------- 1" in listing and "remove" in listing
    assert "lrwxrwxrwx 1" in listing and f"mdev_type -> ../mdev_supported_types/{TYPE_A}" in listing
    modes = {"remove": 0o200, "uevent": 0o644, "serial": 0o444, "vendor/info": 0o444,
             "vendor/reset": 0o200, "vendor/value": 0o644}
    for name, mode in modes.items():
        assert stat.S_IMODE(os.stat(os.path.join(ddir, name)).st_mode) == mode, name
    assert sh("cat uevent", ddir).stdout == "DRIVER=testparent\n"
    assert sh("cat serial", ddir).stdout == f"TP-{U1[:8]}\n"
    assert sh("cat vendor/info", ddir).stdout == f"{U1} resets=0\n"
    assert sh("cat vendor/value", ddir).stdout == "initial\n"

    # Driver attributes: echo with and without a newline.
    assert sh("echo hello > vendor/value", ddir).returncode == 0
    assert sh("cat vendor/value", ddir).stdout == "hello\n"
    assert sh("printf world > vendor/value", ddir).returncode == 0
    assert sh("cat vendor/value", ddir).stdout == "world\n"
    assert sh("echo 1 > vendor/reset", ddir).returncode == 0
    assert sh("cat vendor/info", ddir).stdout == f"{U1} resets=1\n"
    assert daemon.available("tp0", TYPE_A) == 2
    assert daemon.available("tp0", TYPE_B) == 2  # core-counted: one counter per parent

    r = sh(f"echo 1 > bus/mdev/devices/{U1}/remove", daemon.mnt)
    assert r.returncode == 0, r.stderr
    assert daemon.devices() == []
    assert not os.path.exists(ddir)
    assert os.listdir(os.path.join(tdir, "devices")) == []
    assert daemon.available("tp0", TYPE_A) == 3


def test_create_forms_the_kernel_accepts(daemon):
    # echo -n (36 bytes), upper case (named in lower case), any 37th byte.
    assert daemon.create("tp0", TYPE_A, U1, newline=False) == 36
    assert daemon.create("tp1", TYPE_B, U2.upper()) == 37
    assert daemon.write(daemon.create_file("tp1", TYPE_A), U3 + "x") == 37
    assert daemon.devices() == sorted([U1, U2, U3])
    # remove takes any unsigned number in any base; 0 does nothing.
    remove = os.path.join(daemon.device_dir(U1), "remove")
    assert daemon.write(remove, "0") == 1
    assert daemon.write(remove, "0\0junk") == 6
    assert U1 in daemon.devices()
    assert daemon.write(remove, "0x1") == 3
    assert daemon.write(os.path.join(daemon.device_dir(U2), "remove"), "010\n") == 4
    assert daemon.write(os.path.join(daemon.device_dir(U3), "remove"), "+7") == 2
    assert daemon.devices() == []
    # A removed UUID can be used again at once, on another parent too.
    assert daemon.create("tp1", TYPE_A, U1) == 37
    assert daemon.remove(U1) == 2


def test_empty_writes_do_nothing(daemon):
    assert daemon.create("tp0", TYPE_A, U1) == 37
    before = daemon.snapshot()
    assert daemon.write(daemon.create_file("tp0", TYPE_A), b"") == 0
    assert daemon.write(os.path.join(daemon.device_dir(U1), "remove"), b"") == 0
    assert daemon.snapshot() == before


def test_open_with_trunc_and_creat_as_mdevctl_does(daemon):
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    assert daemon.write(daemon.create_file("tp0", TYPE_A), U1, flags) == 36
    assert daemon.write(os.path.join(daemon.device_dir(U1), "remove"), "1", flags) == 1
    assert daemon.devices() == []
    # truncate(2) on an attribute is accepted and changes nothing.
    daemon.create("tp0", TYPE_A, U2)
    os.truncate(os.path.join(daemon.device_dir(U2), "vendor", "value"), 0)
    assert daemon.read(os.path.join(daemon.device_dir(U2), "vendor", "value")) == "initial\n"


def test_reads_in_small_pieces_and_again_from_the_start(daemon):
    path = os.path.join(daemon.type_dir("tp0", TYPE_A), "description")
    fd = os.open(path, os.O_RDONLY)
    try:
        pieces = []
        while chunk := os.read(fd, 3):
            pieces.append(chunk)
        assert b"".join(pieces) == b"test device of type a\n"
        assert os.pread(fd, 100, 0) == b"test device of type a\n"
    finally:
        os.close(fd)
    # available_instances is shown afresh from offset 0 on the same descriptor.
    path = os.path.join(daemon.type_dir("tp0", TYPE_A), "available_instances")
    fd = os.open(path, os.O_RDONLY)
    try:
        assert os.pread(fd, 100, 0) == b"3\n"
        daemon.create("tp0", TYPE_A, U1)
        assert os.pread(fd, 100, 0) == b"2\n"
    finally:
        os.close(fd)


# ---- hostile writes: (description, target, data, errno) ----
# Targets: "create" (tp0 type a), "create_tp1" (tp1 type b), "remove" (U1's),
# or a path relative to U1's device directory / the type directory.
LONG = "1" * 5000
HOSTILE = [
    ("35 characters", "create", U2[:35], errno.EINVAL),
    ("38 characters", "create", U2 + "\n\n", errno.EINVAL),
    ("uuid plus two bytes", "create", U2 + "ab", errno.EINVAL),
    ("braces", "create", "{" + U2 + "}", errno.EINVAL),
    ("braces and newline", "create", "{" + U2 + "}\n", errno.EINVAL),
    ("leading space", "create", " " + U2, errno.EINVAL),
    ("leading newline", "create", "\n" + U2, errno.EINVAL),
    ("trailing space inside", "create", U2[:35] + " \n", errno.EINVAL),
    ("non-hex digit", "create", "g" + U2[1:], errno.EINVAL),
    ("hyphen moved", "create", U2[:7] + "-" + U2[7] + U2[9:], errno.EINVAL),
    ("no hyphens", "create", U2.replace("-", "") + "0000", errno.EINVAL),
    ("underscores", "create", U2.replace("-", "_"), errno.EINVAL),
    ("NUL bytes", "create", "\0" * 36, errno.EINVAL),
    ("NUL inside", "create", U2[:10] + "\0" + U2[11:], errno.EINVAL),
    ("urn prefix", "create", "urn:uuid:" + U2, errno.EINVAL),
    ("a single newline", "create", "\n", errno.EINVAL),
    ("5000 bytes (cut to 4096)", "create", LONG, errno.EINVAL),
    ("1 MiB", "create", "a" * (1 << 20), errno.EINVAL),
    ("duplicate, same type", "create", U1, errno.EEXIST),
    ("duplicate, other type", "create_b", U1, errno.EEXIST),
    ("duplicate, other parent", "create_tp1", U1, errno.EEXIST),
    ("duplicate in upper case", "create_tp1", U1.upper(), errno.EEXIST),
    ("duplicate without newline", "create_tp1", U1 + "", errno.EEXIST),
    ("probe fails: driver's errno", "create_fail", U2, errno.ENOSPC),
    ("remove: word", "remove", "yes", errno.EINVAL),
    ("remove: leading space", "remove", " 1", errno.EINVAL),
    ("remove: trailing space", "remove", "1 ", errno.EINVAL),
    ("remove: two newlines", "remove", "1\n\n", errno.EINVAL),
    ("remove: negative", "remove", "-1", errno.EINVAL),
    ("remove: bare 0x", "remove", "0x", errno.EINVAL),
    ("remove: bad octal", "remove", "08", errno.EINVAL),
    ("remove: overflow", "remove", "99999999999999999999999", errno.EINVAL),
    ("remove: only a newline", "remove", "\n", errno.EINVAL),
    ("remove: uuid", "remove", U1, errno.EINVAL),
    ("remove: 5000 bytes (cut to 4096)", "remove", LONG, errno.EINVAL),
    ("vendor/value: too long", "vendor/value", "v" * 65, errno.EINVAL),
    ("vendor/value: inner newline", "vendor/value", "a\nb", errno.EINVAL),
    ("vendor/reset: not 1", "vendor/reset", "2", errno.EINVAL),
    ("read-only device_api", "type:device_api", "x", errno.EACCES),
    ("read-only name", "type:name", "x", errno.EACCES),
    ("read-only available_instances", "type:available_instances", "99", errno.EACCES),
    ("read-only description", "type:description", "x", errno.EACCES),
    ("uevent: unknown action", "uevent", "plug", errno.EINVAL),
    ("read-only serial", "serial", "x", errno.EACCES),
    ("read-only vendor/info", "vendor/info", "x", errno.EACCES),
    ("a directory", "type:devices", "x", errno.EISDIR),
    ("a new file in a type directory", "type:newfile", U2, errno.EACCES),
    ("a new file in a device directory", "newfile", "1", errno.EACCES),
]


def hostile_target(daemon, target):
    if target == "create":
        return daemon.create_file("tp0", TYPE_A)
    if target == "create_b":
        return daemon.create_file("tp0", TYPE_B)
    if target == "create_tp1":
        return daemon.create_file("tp1", TYPE_B)
    if target == "create_fail":
        return daemon.create_file("tpfail", TYPE_A)
    if target.startswith("type:"):
        return os.path.join(daemon.type_dir("tp0", TYPE_A), target[5:])
    return os.path.join(daemon.parent_dir("tp0"), U1, target)


@pytest.fixture
def hostile_daemon(daemon):
    assert daemon.create("tp0", TYPE_A, U1) == 37
    return daemon


@pytest.mark.parametrize("what,target,data,err", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_write(hostile_daemon, what, target, data, err):
    d = hostile_daemon
    before = d.snapshot()
    flags = os.O_WRONLY | (os.O_CREAT if target.endswith("newfile") else 0)
    assert d.write(hostile_target(d, target), data, flags) == -err, what
    assert d.snapshot() == before, what


def test_at_least_forty_hostile_cases():
    assert len(HOSTILE) >= 40


def test_split_uuid_fails_on_both_writes(daemon):
    before = daemon.snapshot()
    fd = os.open(daemon.create_file("tp0", TYPE_A), os.O_WRONLY)
    try:
        for half in (U1[:18], U1[18:] + "\n"):
            with pytest.raises(OSError) as e:
                os.write(fd, half.encode())
            assert e.value.errno == errno.EINVAL
    finally:
        os.close(fd)
    assert daemon.snapshot() == before


@pytest.mark.parametrize("name", ["create", "remove", "vendor/reset"])
def test_write_only_files_cannot_be_read(hostile_daemon, name):
    d = hostile_daemon
    path = (d.create_file("tp0", TYPE_A) if name == "create"
            else os.path.join(d.device_dir(U1), name))
    before = d.snapshot()
    for flags in (os.O_RDONLY, os.O_RDWR):
        with pytest.raises(PermissionError):
            os.open(path, flags)
    assert sh(f"cat {path}", d.mnt).returncode != 0
    assert d.snapshot() == before


def test_namespace_changes_are_refused(hostile_daemon):
    d = hostile_daemon
    before = d.snapshot()
    ddir = os.path.join(d.parent_dir("tp0"), U1)
    cases = [
        (lambda: os.mkdir(os.path.join(ddir, "x")), errno.EPERM),
        (lambda: os.unlink(os.path.join(ddir, "remove")), errno.EPERM),
        (lambda: os.rmdir(os.path.join(ddir, "vendor")), errno.EPERM),
        (lambda: os.rename(os.path.join(ddir, "serial"), os.path.join(ddir, "s2")), errno.EPERM),
        (lambda: os.symlink("remove", os.path.join(ddir, "r2")), errno.EPERM),
        (lambda: os.chmod(os.path.join(ddir, "serial"), 0o666), errno.EPERM),
        (lambda: os.unlink(d.device_dir(U1)), errno.EPERM),
    ]
    for action, err in cases:
        with pytest.raises(OSError) as e:
            action()
        assert e.value.errno == err
    assert d.snapshot() == before


def test_instances_spent_gives_eusers(daemon):
    for u in UUIDS[:3]:
        assert daemon.create("tp0", TYPE_A, u) == 37
    assert daemon.available("tp0", TYPE_B) == 0
    before = daemon.snapshot()
    assert daemon.create("tp0", TYPE_B, UUIDS[3]) == -errno.EUSERS
    assert daemon.snapshot() == before
    assert daemon.remove(UUIDS[0]) == 2
    assert daemon.create("tp0", TYPE_B, UUIDS[3]) == 37


def test_failed_probe_leaves_nothing(daemon):
    before = daemon.snapshot()
    assert daemon.create("tpfail", TYPE_B, U1) == -errno.ENOSPC
    assert daemon.snapshot() == before
    assert daemon.available("tpfail", TYPE_B) == 4
    # The UUID was given back: another parent can use it.
    assert daemon.create("tp1", TYPE_B, U1) == 37


def test_descriptor_outlived_by_its_device(hostile_daemon):
    d = hostile_daemon
    remove = os.path.join(d.device_dir(U1), "remove")
    value = os.path.join(d.device_dir(U1), "vendor", "value")
    fd_remove = os.open(remove, os.O_WRONLY)
    fd_value = os.open(value, os.O_RDWR)
    try:
        assert os.write(fd_remove, b"1") == 1
        for fd in (fd_remove, fd_value):
            with pytest.raises(OSError) as e:
                os.write(fd, b"1")
            assert e.value.errno == errno.ENODEV
        with pytest.raises(OSError) as e:
            os.pread(fd_value, 100, 0)
        assert e.value.errno == errno.ENODEV
        with pytest.raises(FileNotFoundError):
            os.open(remove, os.O_WRONLY)
        # The same UUID again: the old descriptors still point at the old device.
        assert d.create("tp0", TYPE_A, U1) == 37
        with pytest.raises(OSError) as e:
            os.write(fd_remove, b"1")
        assert e.value.errno == errno.ENODEV
        assert d.devices() == [U1]
    finally:
        os.close(fd_remove)
        os.close(fd_value)


def test_lookups_of_absent_names(daemon):
    for rel in ("nothing", "class/nothing", "class/mdev_bus/nothing",
                "bus/mdev/devices/" + U1, "devices/umdev/tp0/" + U1,
                "bus/mdev/devices/" + U1.upper(),
                "devices/umdev/tp0/mdev_supported_types/mtty-1",
                "devices/umdev/tp0/mdev_supported_types/testparent-a/devices/" + U1,
                "devices/umdev/tp0/mdev_supported_types/testparent-a/x" * 20):
        assert not os.path.lexists(daemon.path(rel)), rel
    # A path through a file is not a directory.
    with pytest.raises(NotADirectoryError):
        os.stat(os.path.join(daemon.type_dir("tp0", TYPE_A), "name", "x"))
    # mdevctl stats the device before creating it: no negative entry may stick.
    assert daemon.create("tp0", TYPE_A, U1) == 37
    assert os.path.isdir(daemon.device_dir(U1))


def test_random_bytes_change_nothing(hostile_daemon):
    """Seeded random writes of random lengths to every writable file: each
    gets an errno the kernel could give (or is a value the file accepts),
    and the tree of devices stays as it was."""
    import random
    d = hostile_daemon
    rng = random.Random(1234)
    targets = {
        "create": (d.create_file("tp0", TYPE_A), {errno.EINVAL}),
        "remove": (os.path.join(d.device_dir(U1), "remove"), {errno.EINVAL}),
        "reset": (os.path.join(d.device_dir(U1), "vendor", "reset"), {errno.EINVAL}),
    }
    before = d.snapshot()
    for _ in range(300):
        name = rng.choice(sorted(targets))
        path, allowed = targets[name]
        length = rng.choice([0, 1, 2, 35, 36, 37, 38, rng.randrange(0, 5000)])
        data = bytes(rng.randrange(256) for _ in range(length))
        if name == "remove" and data.split(b"\0")[0].rstrip(b"\n").isdigit():
            continue  # a number: a valid remove value
        if name == "reset" and data in (b"1", b"1\n"):
            continue
        result = d.write(path, data)
        assert result == 0 if length == 0 else -result in allowed, (name, data, result)
    assert d.snapshot() == before
