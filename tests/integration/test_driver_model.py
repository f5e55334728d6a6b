# SPDX-License-Identifier: MIT
"""The kernel's driver model around the mdev bus, as a shell user sees it
on Debian's Linux 6.1 with the mtty sample: every entry, mode, link target, text and errno. Where the
reference lists no errno, the kernel source it comes from is named."""

import errno
import os
import stat
import subprocess

import pytest

from conftest import UUIDS

U1, U2, U3 = UUIDS[60], UUIDS[61], UUIDS[62]
SAMPLES = [{"module": "mtty", "name": "mtty"}, {"module": "mdpy", "name": "mdpy"}]


def sh(cmd, cwd):
    return subprocess.run(["sh", "-c", cmd], cwd=cwd, capture_output=True, text=True)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def d(start_daemon):
    return start_daemon(parents=SAMPLES)


def test_bus_entries(d):
    bus = d.path("bus", "mdev")
    assert sorted(os.listdir(bus)) == ["devices", "drivers", "drivers_autoprobe",
                                       "drivers_probe", "uevent"]
    assert mode(bus + "/drivers") == 0o755
    assert mode(bus + "/drivers_autoprobe") == 0o644
    assert mode(bus + "/drivers_probe") == 0o200 and mode(bus + "/uevent") == 0o200
    assert sh("cat drivers_autoprobe", bus).stdout == "1\n"
    assert sorted(os.listdir(bus + "/drivers")) == ["mdpy", "mtty"]
    drv = bus + "/drivers/mtty"
    assert sorted(os.listdir(drv)) == ["bind", "uevent", "unbind"]
    for name in ("bind", "uevent", "unbind"):
        assert mode(f"{drv}/{name}") == 0o200
    # bus.c's drivers_autoprobe_store(): '0' first turns it off, anything else on.
    assert d.write(bus + "/drivers_autoprobe", "0\n") == 2
    assert d.read(bus + "/drivers_autoprobe") == "0\n"
    assert d.write(bus + "/drivers_autoprobe", "yes") == 3
    assert d.read(bus + "/drivers_autoprobe") == "1\n"


def test_parent_at_the_kernels_place(d):
    pdir = d.path("devices", "virtual", "mtty", "mtty")
    assert d.parent_dir("mtty") == pdir
    assert os.readlink(d.path("class", "mdev_bus", "mtty")) == "../../devices/virtual/mtty/mtty"
    assert os.readlink(d.path("class", "mtty", "mtty")) == "../../devices/virtual/mtty/mtty"
    assert sorted(os.listdir(d.path("class"))) == ["mdev_bus", "mdpy", "mtty"]
    assert sorted(os.listdir(pdir)) == ["mdev_supported_types", "power", "subsystem", "uevent"]
    assert os.readlink(pdir + "/subsystem") == "../../../../class/mtty"
    assert mode(pdir + "/uevent") == 0o644 and d.read(pdir + "/uevent") == ""
    assert sorted(os.listdir(pdir + "/power")) == sorted(POWER)


POWER = {"async": (0o644, "disabled\n"), "autosuspend_delay_ms": (0o644, -errno.EIO),
         "control": (0o644, "auto\n"), "runtime_active_kids": (0o444, "0\n"),
         "runtime_active_time": (0o444, "0\n"), "runtime_enabled": (0o444, "disabled\n"),
         "runtime_status": (0o444, "unsupported\n"),
         "runtime_suspended_time": (0o444, "0\n"), "runtime_usage": (0o444, "0\n")}


def read_or_errno(d, path):
    try:
        return d.read(path)
    except OSError as e:
        return -e.errno


def test_device_entries(d):
    assert d.create("mtty", "mtty-2", U1) == 37
    ddir = d.path("devices", "virtual", "mtty", "mtty", U1)
    assert os.readlink(d.device_dir(U1)) == f"../../../devices/virtual/mtty/mtty/{U1}"
    assert {"driver", "iommu_group", "mdev_type", "power", "remove", "subsystem",
            "uevent", "vendor"} <= set(os.listdir(ddir))
    assert os.readlink(ddir + "/driver") == "../../../../../bus/mdev/drivers/mtty"
    assert os.readlink(ddir + "/subsystem") == "../../../../../bus/mdev"
    assert os.readlink(ddir + "/iommu_group") == "../../../../../kernel/iommu_groups/0"
    assert os.readlink(ddir + "/mdev_type") == "../mdev_supported_types/mtty-2"
    assert mode(ddir + "/uevent") == 0o644 and d.read(ddir + "/uevent") == "DRIVER=mtty\n"
    assert mode(ddir + "/remove") == 0o200
    for name, (m, text) in POWER.items():
        assert mode(f"{ddir}/power/{name}") == m, name
        assert read_or_errno(d, f"{ddir}/power/{name}") == text, name
    # The links resolve in the tree.
    assert os.path.realpath(ddir + "/driver") == d.path("bus", "mdev", "drivers", "mtty")
    assert os.path.realpath(ddir + "/subsystem") == d.path("bus", "mdev")
    group = d.path("kernel", "iommu_groups", "0")
    assert os.path.realpath(ddir + "/iommu_group") == group
    assert sorted(os.listdir(group)) == ["devices", "reserved_regions", "type"]
    assert os.listdir(group + "/devices") == [U1]
    assert os.readlink(f"{group}/devices/{U1}") == f"../../../../devices/virtual/mtty/mtty/{U1}"
    assert d.read(group + "/type") == "unknown\n" and d.read(group + "/reserved_regions") == ""
    drv = d.path("bus", "mdev", "drivers", "mtty")
    assert os.readlink(f"{drv}/{U1}") == f"../../../../devices/virtual/mtty/mtty/{U1}"
    # One group per device: the next device gets the next number.
    assert d.create("mtty", "mtty-1", U2) == 37
    assert os.readlink(d.device_dir(U2) + "/iommu_group").endswith("/iommu_groups/1")
    assert sorted(os.listdir(d.path("kernel", "iommu_groups"))) == ["0", "1"]


def test_power_writes(d):
    assert d.create("mtty", "mtty-1", U1) == 37
    power = d.device_dir(U1) + "/power"
    assert d.write(power + "/control", "on\n") == 3
    assert d.read(power + "/control") == "on\n"
    assert d.read(power + "/runtime_usage") == "1\n"
    assert d.read(power + "/runtime_enabled") == "disabled & forbidden\n"
    assert d.write(power + "/control", "auto") == 4
    assert d.read(power + "/runtime_usage") == "0\n"
    assert d.write(power + "/control", "off") == -errno.EINVAL
    assert d.write(power + "/async", "enabled") == 7
    assert d.read(power + "/async") == "enabled\n"
    assert d.write(power + "/async", "yes") == -errno.EINVAL
    assert d.write(power + "/autosuspend_delay_ms", "100") == -errno.EIO
    assert d.write(power + "/runtime_status", "active") == -errno.EACCES
    # The parent's power/ is its own.
    ppower = d.parent_dir("mtty") + "/power"
    assert d.read(ppower + "/async") == "disabled\n"
    assert d.write(ppower + "/control", "on") == 2
    assert d.read(ppower + "/control") == "on\n"
    assert d.read(power + "/control") == "auto\n"
    # iommu.c's iommu_group_store_type(): no default domain: EINVAL.
    assert d.write(d.path("kernel", "iommu_groups", "0", "type"), "DMA") == -errno.EINVAL


def test_unbind_keeps_the_device_and_frees_the_driver(d):
    t2 = d.type_dir("mtty", "mtty-2")
    assert d.create("mtty", "mtty-2", U1) == 37
    assert d.available("mtty", "mtty-2") == 11
    drv = d.path("bus", "mdev", "drivers", "mtty")
    ddir = d.device_dir(U1)
    assert os.path.exists(ddir + "/vfio-user-socket")
    sock = d.read(ddir + "/vfio-user-socket").strip()
    assert os.path.exists(sock), d.log()

    r = sh(f"echo {U1} > unbind", drv)
    assert r.returncode == 0, r.stderr
    # mtty's remove gave its two ports back.
    assert d.available("mtty", "mtty-2") == 12
    assert d.devices() == [U1]
    assert sorted(os.listdir(ddir)) == ["mdev_type", "power", "remove", "subsystem", "uevent"]
    assert d.read(ddir + "/uevent") == ""
    assert os.listdir(t2 + "/devices") == [U1]
    assert sorted(os.listdir(drv)) == ["bind", "uevent", "unbind"]
    assert os.listdir(d.path("kernel", "iommu_groups")) == []
    # Not served over vfio-user any more.
    assert not os.path.exists(sock)

    # Again, or for a device of no such driver: ENODEV (bus.c's unbind_store()).
    assert d.write(drv + "/unbind", U1 + "\n") == -errno.ENODEV
    assert d.write(d.path("bus", "mdev", "drivers", "mdpy", "unbind"), U1) == -errno.ENODEV
    # bind: ENODEV on 6.1 (mdev_match() matches nothing, bind_store() answers ENODEV).
    assert d.write(drv + "/bind", U1 + "\n") == -errno.ENODEV
    # drivers_probe accepts the device and binds nothing.
    assert d.write(d.path("bus", "mdev", "drivers_probe"), U1 + "\n") == 37
    assert not os.path.exists(ddir + "/driver")
    # The UUID stays taken until the device is removed.
    assert d.create("mtty", "mtty-1", U1) == -errno.EEXIST
    assert d.remove(U1) == 2
    assert d.devices() == [] and d.available("mtty", "mtty-2") == 12
    assert d.create("mtty", "mtty-1", U1) == 37


def test_bus_file_errnos(d):
    assert d.create("mtty", "mtty-1", U1) == 37
    drv = d.path("bus", "mdev", "drivers", "mtty")
    probe = d.path("bus", "mdev", "drivers_probe")
    before = d.snapshot()
    # bus_find_device_by_name() compares names with sysfs_streq(): exact
    # name, one trailing newline.
    for bad in (U1.upper(), U1 + "\n\n", " " + U1, U1[:35], U2, "", "x"):
        want = 0 if bad == "" else -errno.ENODEV
        assert d.write(drv + "/unbind", bad) == want, bad
        assert d.write(probe, bad) == want, bad
        assert d.write(drv + "/bind", bad) == want, bad
    assert d.snapshot() == before
    # Opened for reading: they are write-only, as on sysfs.
    for path in (drv + "/unbind", drv + "/bind", probe):
        with pytest.raises(PermissionError):
            open(path).close()


def test_uevent_writes(d):
    assert d.create("mtty", "mtty-1", U1) == 37
    before = d.snapshot()
    files = [d.device_dir(U1) + "/uevent", d.parent_dir("mtty") + "/uevent",
             d.path("bus", "mdev", "uevent"), d.path("bus", "mdev", "drivers", "mtty", "uevent")]
    for f in files:
        for good in ("add", "change\n", "remove", "bind", "unbind", "online", "offline",
                     "move", f"change {U2}", f"change {U2} A=1 b2=x\n"):
            assert d.write(f, good) == len(good), (f, good)
        # lib/kobject_uevent.c: kobject_action_type(), kobject_action_args().
        for bad in ("plug", "add2", "Add", " add", "\n", f"add {U2[:30]}", f"add {U2}x",
                    f"add {U2} novalue", f"add {U2} a-b=1", f"add {U2} =1"):
            assert d.write(f, bad) == -errno.EINVAL, (f, bad)
    # A synthetic "remove" removes nothing.
    assert d.snapshot() == before
