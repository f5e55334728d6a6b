# SPDX-License-Identifier: MIT
"""The chain through the daemon: a device created in the sysfs tree is
served over vfio-user at the socket its directory names, a VM's view of it
(umdev-lspci, on umdev's client library) is the mtty card, and removing the
device takes the socket away."""

import errno
import os
import stat
import subprocess

from conftest import LSPCI, UMDEVD, UUIDS, as_user, check_clean_exit, short_socket_dir

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
    assert stat.S_IMODE(os.stat(os.path.join(dev, "vfio-user-socket")).st_mode) == 0o444

    r = subprocess.run([LSPCI, socket_path], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Serial controller [0700]: Device 4348:3253 (rev 10)" in r.stdout
    assert "Region 1: I/O ports" in r.stdout  # two ports: BAR0 and BAR1
    assert "MSI" in r.stdout

    # Each port has its host pty, named in the device's directory.
    ptys = d.read(os.path.join(dev, "vendor", "ptys")).splitlines()
    assert len(ptys) == 2 and all(os.path.exists(p) for p in ptys)

    # A descriptor open on the file when the device goes answers ENODEV.
    fd = os.open(os.path.join(dev, "vfio-user-socket"), os.O_RDONLY)
    try:
        assert d.remove(UUIDS[0]) == 2
        assert not os.path.exists(socket_path)
        try:
            os.pread(fd, 4096, 0)
            assert False, "read after removal succeeded"
        except OSError as e:
            assert e.errno == errno.ENODEV
    finally:
        os.close(fd)


def test_socket_group_lets_a_vmm_user_connect(start_daemon):
    """--socket-group: a VMM running as its own user in that group (libvirt's
    QEMU as libvirt-qemu in kvm) uses the device; other users cannot, and
    without the option nobody but root can."""
    import tempfile
    import shutil
    base = tempfile.mkdtemp(prefix="umdev-sg-", dir="/tmp")
    try:
        os.chmod(base, 0o755)  # others must reach the socket directory
        nogroup = 65534
        if os.environ.get("UMDEV_SANDBOX_UNIT"):
            # The unit's bounding set has no CAP_SETGID (nor CAP_CHOWN): the
            # operator adds the group with SupplementaryGroups=, or umdevd
            # refuses to start.
            r = subprocess.run([*UMDEVD, "-f", "--no-journal", "-s", base + "/s",
                                "--socket-group", "nogroup", base + "/mnt"],
                               capture_output=True, text=True, timeout=60)
            assert r.returncode == 1 and "SupplementaryGroups=" in r.stderr, r.stderr
            return
        d = start_daemon(MTTY, extra_args=["-s", base + "/s", "--socket-group", "nogroup"],
                         subdir="group")
        d.create("mtty", "mtty-1", UUIDS[0])
        path = f"{base}/s/{UUIDS[0]}.sock"
        st, dst = os.stat(path), os.stat(base + "/s")
        assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o660, nogroup)
        assert stat.S_IMODE(dst.st_mode) == 0o711  # entered by all, listed by none
        r = as_user(65534, nogroup, LSPCI, path)
        assert r.returncode == 0 and "Device 4348:3253" in r.stdout, r.stderr
        r = as_user(65534, 1, LSPCI, path)  # not in the group
        assert r.returncode != 0 and "ermission denied" in r.stderr, r.stdout + r.stderr
        check_clean_exit(d, d.stop())

        d = start_daemon(MTTY, extra_args=["-s", base + "/t"], subdir="nogroup")
        d.create("mtty", "mtty-1", UUIDS[1])
        r = as_user(65534, nogroup, LSPCI, f"{base}/t/{UUIDS[1]}.sock")
        assert r.returncode != 0 and "ermission denied" in r.stderr, r.stdout + r.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_an_unknown_socket_group_is_a_usage_error():
    r = subprocess.run([*UMDEVD, "--socket-group", "no-such-group-here", "/nonexistent"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "no group 'no-such-group-here'" in r.stderr


def test_no_vfio_user_serves_no_socket(start_daemon, tmp_path):
    d = start_daemon(MTTY, extra_args=["--no-vfio-user"])
    assert d.create("mtty", "mtty-1", UUIDS[1]) == 37
    assert "vfio-user-socket" not in os.listdir(d.device_dir(UUIDS[1]))


def test_a_socket_directory_too_long_for_sun_path_is_refused(tmp_path):
    r = subprocess.run([*UMDEVD, "-f", "--no-journal",
                        "-s", "/tmp/" + "d" * 70, str(tmp_path / "mnt")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "File name too long" in r.stderr


# Creates devices on mtty as fast as it can; prints the errno names it meets.
CREATOR = r"""
import errno, os, sys
create = os.path.join(sys.argv[1], "class/mdev_bus/mtty/mdev_supported_types/mtty-1/create")
seen = set()
for i in range(100000):
    try:
        fd = os.open(create, os.O_WRONLY)
    except OSError as e:
        seen.add(errno.errorcode[e.errno]); break  # the parent's files are gone
    try:
        os.write(fd, ("%08x-cccc-4ddd-8eee-%012x" % (i, i)).encode())
    except OSError as e:
        seen.add(errno.errorcode[e.errno])
    finally:
        os.close(fd)
print(" ".join(sorted(seen)))
"""


def test_parent_unregistered_while_creating_and_with_clients_connected(start_daemon):
    import json
    import signal
    import socket
    import sys
    import time
    # The clients never leave by themselves: each is cut off after 1 s.
    d = start_daemon(MTTY + [{"module": "mdpy", "name": "mdpy"}],
                     extra_args=["--release-timeout=1"])
    clients = []
    for u in UUIDS[:3]:
        assert d.create("mtty", "mtty-2", u) == 37
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(d.read(os.path.join(d.device_dir(u), "vfio-user-socket")).strip())
        s.settimeout(60)
        clients.append(s)
    creator = subprocess.Popen([sys.executable, "-c", CREATOR, d.mnt], stdout=subprocess.PIPE,
                               text=True)
    time.sleep(0.2)
    # The reload unregisters mtty with all its devices, clients connected.
    d.config.write_text(json.dumps({"parents": [{"module": "mdpy", "name": "mdpy"}]}))
    d.proc.send_signal(signal.SIGHUP)
    out, _ = creator.communicate(timeout=120)
    for _ in range(6000):  # a bound for a hung reload, not a timing claim
        if "config reloaded" in d.log():
            break
        time.sleep(0.01)
    # Creates racing the unregistration fail as the kernel's do, nothing else.
    assert set(out.split()) <= {"ENOSPC", "ENODEV", "ENOENT"}, out
    for s in clients:
        assert s.recv(16) == b""  # closed cleanly by the server
        s.close()
    assert d.devices() == []
    assert os.listdir(d.path("class", "mdev_bus")) == ["mdpy"]
    # The daemon goes on serving what is left.
    assert d.create("mdpy", "mdpy-vga", UUIDS[9]) == 37
