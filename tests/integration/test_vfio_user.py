# SPDX-License-Identifier: MIT
"""The chain through the daemon: a device created in the sysfs tree is
served over vfio-user at the socket its directory names, a VM's view of it
(umdev-lspci, on umdev's client library) is the mtty card, and removing the
device takes the socket away."""

import os
import stat
import subprocess

from conftest import UUIDS, short_socket_dir

LSPCI = os.environ.get("UMDEV_LSPCI", "umdev-lspci")
MTTY = [{"module": "mtty", "name": "mtty"}]


def test_created_device_is_served_at_the_socket_its_directory_names(start_daemon):
    sockets = short_socket_dir()
    d = start_daemon(MTTY, extra_args=["-s", sockets])
    assert d.create("mtty", "mtty-2", UUIDS[0]) == 37
    dev = d.device_dir(UUIDS[0])
    socket_path = d.read(os.path.join(dev, "vfio-user-socket"))
    assert socket_path == f"{sockets}/{UUIDS[0]}.sock\n"
    socket_path = socket_path.strip()
    assert stat.S_ISSOCK(os.stat(socket_path).st_mode)
    assert stat.S_IMODE(os.stat(socket_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(socket_path)).st_mode) == 0o700
    assert "vfio-user-socket" in os.listdir(dev)

    r = subprocess.run([LSPCI, socket_path], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Serial controller [0700]: Device 4348:3253 (rev 10)" in r.stdout
    assert "Region 1: I/O ports" in r.stdout  # two ports: BAR0 and BAR1
    assert "MSI" in r.stdout

    # Each port has its host pty, named in the device's directory.
    ptys = d.read(os.path.join(dev, "vendor", "ptys")).splitlines()
    assert len(ptys) == 2 and all(os.path.exists(p) for p in ptys)

    assert d.remove(UUIDS[0]) == 2
    assert not os.path.exists(socket_path)


def test_no_vfio_user_serves_no_socket(start_daemon, tmp_path):
    d = start_daemon(MTTY, extra_args=["--no-vfio-user"])
    assert d.create("mtty", "mtty-1", UUIDS[1]) == 37
    assert "vfio-user-socket" not in os.listdir(d.device_dir(UUIDS[1]))


def test_a_socket_directory_too_long_for_sun_path_is_refused(tmp_path):
    r = subprocess.run([os.environ.get("UMDEVD", "umdevd-test"), "-f", "--no-journal",
                        "-s", "/tmp/" + "d" * 70, str(tmp_path / "mnt")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "File name too long" in r.stderr
