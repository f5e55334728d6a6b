# SPDX-License-Identifier: MIT
"""Many mtty devices in one daemon: created and removed while clients use
some of them, nothing may stay behind (file descriptors, threads); and a
system out of pseudo-terminals refuses a device cleanly.

UMDEV_SCALE_DEVICES sets how many devices (default 2000, what CI time
allows); the 10,000-device run is

    UMDEV_SCALE_DEVICES=10000 meson test -C build test_scale

which needs kernel.pty.max above 10,000 plus the ptys already in use
(sysctl kernel.pty.max=16384) and a hard RLIMIT_NOFILE of at least 30,000
(the test raises it when run as root)."""

import os
import resource
import socket
import subprocess
import sys
import threading
import time
import uuid as uuidlib

import pytest

from conftest import Daemon, check_clean_exit

DEVICES = int(os.environ.get("UMDEV_SCALE_DEVICES", "2000"))
LSPCI = os.environ.get("UMDEV_LSPCI", "umdev-lspci")


def counts(pid):
    """(file descriptors, threads) of process @pid."""
    return (len(os.listdir(f"/proc/{pid}/fd")), len(os.listdir(f"/proc/{pid}/task")))


def ptys_free():
    with open("/proc/sys/kernel/pty/max") as f:
        limit = int(f.read())
    with open("/proc/sys/kernel/pty/nr") as f:
        used = int(f.read())
    return limit - used


def raise_nofile(need):
    """Lets the daemon (our child) hold @need descriptors, if root may."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, need))
        except (ValueError, OSError):
            pytest.skip(f"needs a hard RLIMIT_NOFILE of {need} (ulimit -Hn is {hard})")


def test_many_devices_leave_nothing_behind(tmp_path):
    # Each mtty-1 device holds 2 descriptors for its pty and one socket.
    if ptys_free() < DEVICES + 64:
        pytest.skip(f"{DEVICES} devices need {DEVICES} ptys, only {ptys_free()} free: "
                    "raise kernel.pty.max")
    raise_nofile(4 * DEVICES + 1024)
    parents = [{"module": "mtty", "name": "m0", "settings": {"ports": str(DEVICES)}}]
    d = Daemon(tmp_path, parents)
    try:
        pid = d.proc.pid
        create = d.create_file("m0", "mtty-1")
        # Warm up what is made once (the I/O thread's set, the journal file,
        # the FUSE workers' buffers) before the first count.
        warm = str(uuidlib.uuid4())
        assert d.write(create, warm) == len(warm)
        assert d.remove(warm) == 2
        fds0, threads0 = counts(pid)

        uuids = [str(uuidlib.uuid4()) for _ in range(DEVICES)]
        clients, ptys, lspci_runs = [], [], []
        for i, u in enumerate(uuids):
            assert d.write(create, u) == len(u), i
            if i % 50 == 0:
                # an idle VMM: connected, silent
                path = d.read(d.device_dir(u) + "/vfio-user-socket").strip()
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                clients.append(s)
            elif i % 50 == 25:
                # a person at the port's terminal
                pty = d.read(d.device_dir(u) + "/vendor/ptys").strip()
                ptys.append(os.open(pty, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK))
                os.write(ptys[-1], b"hello\n")
            elif i % 500 == 100:
                # a whole vfio-user session, while creation goes on
                path = d.read(d.device_dir(u) + "/vfio-user-socket").strip()
                t = threading.Thread(target=lambda p=path: lspci_runs.append(
                    subprocess.run([LSPCI, p], capture_output=True, timeout=300).returncode))
                t.start()
                t.join(0)
                lspci_runs.append(t)
        assert len(d.devices()) == DEVICES
        assert d.available("m0", "mtty-1") == 0
        fds_full, threads_full = counts(pid)
        print(f"{DEVICES} devices: {fds_full - fds0} more fds, {threads_full - threads0} "
              f"more threads, {len(clients)} clients connected, {len(ptys)} ptys open")

        for t in [t for t in lspci_runs if isinstance(t, threading.Thread)]:
            t.join()
        assert [r for r in lspci_runs if not isinstance(r, threading.Thread)] == \
            [0] * len([t for t in lspci_runs if isinstance(t, threading.Thread)])
        # An idle device costs no thread; a connected client costs one, from
        # the moment the acceptor takes its connection from the backlog.
        deadline = time.monotonic() + 60
        while counts(pid)[1] != threads0 + len(clients) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert counts(pid)[1] == threads0 + len(clients)
        # The VMMs leave (a remove would wait for each: test_orderly_removal.py),
        # then every device goes.
        for s in clients:
            s.close()
        for u in uuids:
            assert d.remove(u) == 2, u
        for fd in ptys:
            os.close(fd)
        assert d.devices() == []
        assert d.available("m0", "mtty-1") == DEVICES
        assert counts(pid) == (fds0, threads0)
    finally:
        status = d.stop()
    check_clean_exit(d, status)


# ---- VNC viewers and select()'s FD_SETSIZE ----

def vnc_banner(address):
    """Connects to a VNC server; returns its first bytes (b"" if it hangs up)."""
    host, port = address.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=30)
    try:
        return s.recv(12)
    except ConnectionResetError:
        return b""
    finally:
        s.close()


def test_vnc_viewer_beyond_fd_setsize_is_refused_cleanly(tmp_path):
    # libvncserver waits with select(): a viewer whose descriptor is 1024 or
    # more must be refused, never handed to it (it would write past its
    # fd_set). Enough mtty devices push new descriptors past 1024.
    mtty = 600
    if ptys_free() < mtty + 64:
        pytest.skip(f"needs {mtty} free ptys, only {ptys_free()}")
    raise_nofile(4 * mtty + 1024)
    d = Daemon(tmp_path, [{"module": "mbochs", "name": "mb"},
                          {"module": "mtty", "name": "m0", "settings": {"ports": str(mtty)}}])
    try:
        shown = str(uuidlib.uuid4())
        assert d.create("mb", "mbochs-small", shown) == 37
        address = d.read(d.device_dir(shown) + "/vendor/vnc").strip()
        assert vnc_banner(address) == b"RFB 003.008\n"
        create = d.create_file("m0", "mtty-1")
        for _ in range(mtty):
            u = str(uuidlib.uuid4())
            assert d.write(create, u) == len(u)
        assert max(int(fd) for fd in os.listdir(f"/proc/{d.proc.pid}/fd")) >= 1024
        fds = counts(d.proc.pid)[0]
        assert vnc_banner(address) == b""
        assert "beyond libvncserver's select() limit" in d.log()
        assert counts(d.proc.pid)[0] == fds
        # The display and the daemon go on: a viewer with a low descriptor
        # (one freed by a removal) is served again.
        for u in d.devices():
            if u != shown:
                assert d.remove(u) == 2
        assert vnc_banner(address) == b"RFB 003.008\n"
        assert d.remove(shown) == 2
    finally:
        status = d.stop()
    check_clean_exit(d, status)


# ---- the pty limit, lowered in a devpts of our own ----

def pty_limit_inner(tmp):
    """Runs in a private mount namespace whose /dev/pts allows 3 ptys."""
    from pathlib import Path

    subprocess.run(["mount", "-t", "devpts", "-o", "newinstance,ptmxmode=0666,mode=0620,max=3",
                    "devpts", "/dev/pts"], check=True)
    if os.path.exists("/dev/pts/ptmx") and not os.path.samefile("/dev/ptmx", "/dev/pts/ptmx"):
        subprocess.run(["mount", "--bind", "/dev/pts/ptmx", "/dev/ptmx"], check=True)
    d = Daemon(Path(tmp), [{"module": "mtty", "name": "m0", "settings": {"ports": "8"}}])
    try:
        u = [str(uuidlib.uuid4()) for _ in range(5)]
        for i in range(2):
            assert d.create("m0", "mtty-1", u[i]) == 37
        assert sorted(os.listdir("/dev/pts")) == ["0", "1", "ptmx"]
        fds = len(os.listdir(f"/proc/{d.proc.pid}/fd"))
        # mtty-2 gets its first port's pty, not its second's
        assert d.create("m0", "mtty-2", u[2]) == -28
        assert "/proc/sys/kernel/pty/max" in d.log()
        assert d.devices() == sorted(u[:2])
        assert d.available("m0", "mtty-1") == 6
        assert len(os.listdir(f"/proc/{d.proc.pid}/fd")) == fds
        assert sorted(os.listdir("/dev/pts")) == ["0", "1", "ptmx"]
        # the pty the refused device took is free again
        assert d.create("m0", "mtty-1", u[3]) == 37
        assert d.create("m0", "mtty-1", u[4]) == -28
        assert d.devices() == sorted(u[:2] + u[3:4])
        for x in u[:2] + u[3:4]:
            assert d.remove(x) == 2
        assert sorted(os.listdir("/dev/pts")) == ["ptmx"]
    finally:
        status = d.stop()
    check_clean_exit(d, status)
    print("pty limit: OK")


def test_out_of_ptys_is_a_clear_error_and_makes_nothing(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a devpts instance with its own limit")
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "--",
                           sys.executable, __file__, "--pty-limit", str(tmp_path)],
                          capture_output=True, text=True, timeout=300,
                          cwd=os.path.dirname(os.path.abspath(__file__)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pty limit: OK" in proc.stdout


if __name__ == "__main__":
    if sys.argv[1:2] == ["--pty-limit"]:
        pty_limit_inner(sys.argv[2])
