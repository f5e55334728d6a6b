# SPDX-License-Identifier: MIT
"""uevents as udev's listeners receive them: the real `udevadm monitor
--udev --property` on the host, and a libudev program (udev-listen, a
monitor and an enumerator as libvirt's node-device driver has) inside
umdevd-exec's namespace, where the DEVPATHs resolve in /sys. The actions,
keys and their order are the kernel's, as observed on Debian's 6.1."""

import os
import subprocess
import threading

import pytest

from conftest import UUIDS

U1, U2 = UUIDS[80], UUIDS[81]
UDEV_LISTEN = os.environ.get("UDEV_LISTEN", "udev-listen")


class Listener:
    """A process printing events; collects them as lists of KEY=VALUE lines."""

    def __init__(self, args, ready_line):
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.events = []
        self.cond = threading.Condition()
        for line in self.proc.stdout:
            if ready_line in line:
                break
        else:
            raise AssertionError("listener did not start: " + self.proc.stderr.read())
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        current = None
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("UDEV ") or line == "event":
                current = []
                continue
            if current is None:
                continue
            if line == "":
                self._add(current)
                current = None
            else:
                current.append(line)
                if line.startswith("SYSPATH="):  # udev-listen's last line
                    self._add(current)
                    current = None

    def _add(self, event):
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def wait_for(self, pred, count, timeout=30):
        """The events pred() accepts, once there are count of them."""
        with self.cond:
            assert self.cond.wait_for(
                lambda: len([e for e in self.events if pred(e)]) >= count, timeout), \
                self.events
            return [e for e in self.events if pred(e)]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def keys(event):
    return dict(line.split("=", 1) for line in event)


def about(path):
    return lambda e: any(line == f"DEVPATH={path}" or line.startswith(f"DEVPATH={path}/")
                         for line in e)


@pytest.fixture
def udevadm():
    listener = Listener(["udevadm", "monitor", "--udev", "--property"], "UDEV - the event")
    yield listener
    listener.stop()


def test_udevadm_sees_the_kernels_sequence(start_daemon, udevadm):
    name = f"uev{os.getpid()}"
    pdev = f"/devices/virtual/mtty/{name}"
    d = start_daemon(parents=[{"module": "mtty", "name": name}], uevents=True)
    ddev = f"{pdev}/{U1}"
    assert d.create(name, "mtty-1", U1) == 37
    assert d.write(d.path("bus", "mdev", "drivers", "mtty", "unbind"), U1) == 36
    assert d.remove(U1) == 2
    # A create the driver refuses still sends add, then remove.
    for i in range(24):
        assert d.create(name, "mtty-1", UUIDS[100 + i]) == 37
    assert d.create(name, "mtty-1", U2) == -28
    assert d.write(os.path.join(d.parent_dir(name), "uevent"), f"change {U2} A=b") > 0
    status = d.stop()
    assert status == 0

    events = udevadm.wait_for(about(pdev), 2 + 4 + 24 * 4 + 2 + 1 + 2)
    seq = [(keys(e)["ACTION"], keys(e)["DEVPATH"]) for e in events]
    mine = [s for s in seq if s[1] in (pdev, ddev, f"{pdev}/{U2}")]
    assert mine[:6] == [("add", pdev), ("change", pdev), ("add", ddev), ("bind", ddev),
                        ("unbind", ddev), ("remove", ddev)]
    assert mine[6:8] == [("add", f"{pdev}/{U2}"), ("remove", f"{pdev}/{U2}")]
    assert mine[8:] == [("change", pdev), ("change", pdev), ("remove", pdev)]
    by_key = [keys(e) for e in events]
    # Every event: ACTION, DEVPATH, SUBSYSTEM first and SEQNUM last, as the kernel orders them.
    for e in events:
        assert [line.split("=")[0] for line in e[:3]] == ["ACTION", "DEVPATH", "SUBSYSTEM"]
        assert e[-1].startswith("SEQNUM=")
    seqnums = [int(k["SEQNUM"]) for k in by_key]
    assert seqnums == sorted(seqnums) and len(set(seqnums)) == len(seqnums)
    assert by_key[0] == {"ACTION": "add", "DEVPATH": pdev, "SUBSYSTEM": "mtty",
                         "SEQNUM": by_key[0]["SEQNUM"]}
    assert by_key[1]["MDEV_STATE"] == "registered"
    bind = [k for k in by_key if k["ACTION"] == "bind" and k["DEVPATH"] == ddev][0]
    assert bind["SUBSYSTEM"] == "mdev" and bind["DRIVER"] == "mtty"
    for action in ("add", "unbind", "remove"):
        k = [k for k in by_key if k["ACTION"] == action and k["DEVPATH"] == ddev][0]
        assert k["SUBSYSTEM"] == "mdev" and "DRIVER" not in k, action
    synth = [k for k in by_key if "SYNTH_UUID" in k][0]
    assert synth["SYNTH_UUID"] == U2 and synth["SYNTH_ARG_A"] == "b"
    assert synth["DEVPATH"] == pdev and synth["ACTION"] == "change"
    assert by_key[-2]["MDEV_STATE"] == "unregistered"


def test_libudev_in_the_namespace(start_daemon):
    name = f"lib{os.getpid()}"
    d = start_daemon(parents=[{"module": "mtty", "name": name}], uevents=True)
    ddev = f"/devices/virtual/mtty/{name}/{U1}"
    args = [os.environ["UMDEVD_EXEC"], "-m", d.mnt, "--"]
    # With a socket filter on the subsystem, as libudev users set one.
    listener = Listener(args + [UDEV_LISTEN, "monitor", "5", "mdev"], "ready")
    try:
        assert d.create(name, "mtty-2", U1) == 37
        assert d.write(d.device_dir(U1) + "/uevent", "change") == 6
        assert d.remove(U1) == 2
        events = listener.wait_for(about(ddev), 5)
    finally:
        listener.stop()
    got = [keys(e) for e in events]
    assert [k["ACTION"] for k in got] == ["add", "bind", "change", "unbind", "remove"]
    for k in got:
        assert k["DEVPATH"] == ddev and k["SUBSYSTEM"] == "mdev"
        assert k["SYSPATH"] == "/sys" + ddev
    assert got[1]["DRIVER"] == "mtty" and got[2]["DRIVER"] == "mtty"
    assert got[2]["SYNTH_UUID"] == "0"

    # Enumerating as libvirt does at start: the devices are found in /sys.
    assert d.create(name, "mtty-1", U2) == 37
    r = d.exec(UDEV_LISTEN, "enumerate", "mdev")
    assert f"/sys/devices/virtual/mtty/{name}/{U2} driver=mtty iommu_group=0" in r.stdout, \
        r.stdout
    # libudev refuses it without umdevd-exec's SYSTEMD_DEVICE_VERIFY_SYSFS=0.
    r = d.exec("env", "SYSTEMD_DEVICE_VERIFY_SYSFS=1", UDEV_LISTEN, "enumerate", "mdev")
    assert f"{U2} driver=mtty" not in r.stdout
