# SPDX-License-Identifier: MIT
"""Debian 12's libvirt (libvirtd, unmodified) with umdev's tree at /sys:
run in umdevd-exec's namespace, its node-device driver finds umdev's
devices (enumerating /sys through libudev at start), follows them through
the uevents umdevd sends, and creates and removes them through mdevctl.

libvirtd's files are kept private to the test (tests/libvirtd-sandbox):
its sockets and state in the test's directory, bound over /run/libvirt,
/var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt inside the
namespace, and the
libvirt-qemu user its QEMU driver insists on (libvirt-daemon-system creates
it) added to private copies of /etc/passwd and /etc/group there."""

import os
import subprocess
import time

import pytest

from conftest import UUIDS

U1, U2, U3 = UUIDS[90], UUIDS[91], UUIDS[92]
DEADLINE = 60  # libvirtd's start and its udev thread are asynchronous


def nodedev(uuid):
    return "mdev_" + uuid.replace("-", "_") + "_mtty"


SANDBOX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "libvirtd-sandbox")


@pytest.fixture
def libvirt(start_daemon, tmp_path):
    d = start_daemon(parents=[{"module": "mtty", "name": "mtty"}], uevents=True)
    lv = tmp_path / "lv"
    # A device before libvirtd starts: found by enumeration.
    assert d.create("mtty", "mtty-2", U1) == 37
    proc = subprocess.Popen([SANDBOX, str(lv), d.mnt],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    virsh = ["virsh", "-q", "-c", f"qemu:///system?socket={lv}/sock/libvirt-sock"]
    deadline = time.monotonic() + DEADLINE
    while not os.path.exists(lv / "sock" / "libvirt-sock"):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "libvirtd did not start"
        time.sleep(0.1)
    yield d, virsh, lv
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run(virsh, *args):
    r = subprocess.run(virsh + list(args), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def wait_for_list(virsh, args, expected):
    deadline = time.monotonic() + DEADLINE
    while True:
        got = sorted(run(virsh, "nodedev-list", *args).split())
        if got == sorted(expected) or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def test_virsh_nodedev(libvirt):
    d, virsh, lv = libvirt
    assert wait_for_list(virsh, ["--cap", "mdev"], [nodedev(U1)]) == [nodedev(U1)]
    assert "mtty_mtty" in run(virsh, "nodedev-list", "--cap", "mdev_types").split()

    xml = run(virsh, "nodedev-dumpxml", nodedev(U1))
    assert f"<path>/sys/devices/virtual/mtty/mtty/{U1}</path>" in xml
    assert "<parent>mtty_mtty</parent>" in xml
    assert "<type id='mtty-2'/>" in xml and f"<uuid>{U1}</uuid>" in xml
    assert "<iommuGroup number='0'/>" in xml and "<name>mtty</name>" in xml
    parent = run(virsh, "nodedev-dumpxml", "mtty_mtty")
    assert "<type id='mtty-1'>" in parent and "<name>Dual port serial</name>" in parent
    assert "<availableInstances>11</availableInstances>" in parent

    # Created and removed behind libvirt's back: it follows the uevents.
    assert d.create("mtty", "mtty-1", U2) == 37
    assert wait_for_list(virsh, ["--cap", "mdev"], [nodedev(U1), nodedev(U2)]) == \
        sorted([nodedev(U1), nodedev(U2)])
    assert d.remove(U2) == 2
    assert wait_for_list(virsh, ["--cap", "mdev"], [nodedev(U1)]) == [nodedev(U1)]

    # libvirt's own lifecycle, through mdevctl in the same namespace.
    (lv / "mdev.xml").write_text(
        "<device><parent>mtty_mtty</parent><capability type='mdev'>"
        f"<type id='mtty-1'/><uuid>{U3}</uuid></capability></device>")
    run(virsh, "nodedev-define", str(lv / "mdev.xml"))
    assert (lv / "mdevctl.d" / "mtty" / U3).exists()
    assert nodedev(U3) in wait_for_list(virsh, ["--cap", "mdev", "--all"],
                                        [nodedev(U1), nodedev(U3)])
    run(virsh, "nodedev-start", nodedev(U3))
    assert sorted(d.devices()) == sorted([U1, U3])
    assert wait_for_list(virsh, ["--cap", "mdev"], [nodedev(U1), nodedev(U3)]) == \
        sorted([nodedev(U1), nodedev(U3)])
    run(virsh, "nodedev-destroy", nodedev(U3))
    assert d.devices() == [U1]
    run(virsh, "nodedev-undefine", nodedev(U3))
    assert not (lv / "mdevctl.d" / "mtty" / U3).exists()
    assert wait_for_list(virsh, ["--cap", "mdev", "--all"], [nodedev(U1)]) == [nodedev(U1)]
