# SPDX-License-Identifier: MIT
"""A remove, an unbind or a parent's unregistration of a device a VMM uses
takes the device back first, as the kernel's vfio does: the client's
device-request IRQ rings (where it armed one), and the remove returns once
the client has left; after --release-timeout the client is cut off; a
remove interrupted while it waits changes nothing. The VMM here is
vmm-hold, on umdev's client library (docs/vfio-user.md, "Taking a device
back"); the same with QEMU and a guest is tests/vm/umdev-check."""

import json
import os
import signal
import subprocess
import time

from conftest import UUIDS, E

VMM_HOLD = os.environ.get("VMM_HOLD", "vmm-hold")
MTTY = [{"module": "mtty", "name": "mtty"}]
UUID = UUIDS[0]
# Only a bound for a hung test, never a performance claim.
DEADLINE = 60.0


def wait_for(predicate, what):
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        assert time.monotonic() < deadline, f"never saw: {what}"
        time.sleep(0.05)


class Vmm:
    """vmm-hold on a device's socket; its stdin stays open until leave()."""

    def __init__(self, d, uuid, *args):
        socket = d.read(os.path.join(d.device_dir(uuid), "vfio-user-socket")).strip()
        self.proc = subprocess.Popen([VMM_HOLD, socket, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.line() == "connected", self.proc.stderr.read()

    def line(self):
        return self.proc.stdout.readline().strip()

    def read_vendor(self):
        self.proc.stdin.write("read\n")
        self.proc.stdin.flush()
        return self.line()

    def leave(self):
        self.proc.stdin.close()
        return self.proc.wait(DEADLINE)

    def finish(self):
        """Closes its stdin (it leaves, if it has not yet) and waits for it to
        exit; returns what it printed since the last line()."""
        out, err = self.proc.communicate(timeout=DEADLINE)
        assert self.proc.returncode == 0, err
        return out.split("\n")


def remove_in_background(d, uuid):
    """A shell's `echo 1 > remove`, which a test can interrupt as Ctrl-C would."""
    path = os.path.join(d.device_dir(uuid), "remove")
    return subprocess.Popen(["sh", "-c", f"echo 1 > {path}"], stderr=subprocess.PIPE, text=True)


def started(d, extra_args=()):
    return d(MTTY, extra_args=list(extra_args))


def test_remove_rings_the_request_and_returns_when_the_client_leaves(start_daemon):
    d = started(start_daemon)
    assert d.create("mtty", "mtty-2", UUID) == 37
    vmm = Vmm(d, UUID, "--arm-request", "--leave-on-request")
    # The write returns only after the client has gone (it leaves on the request).
    assert d.remove(UUID) == 2
    assert vmm.finish()[0] == "request 1"
    assert d.devices() == []
    log = d.log()
    assert f"{UUID}: in use: sent its client the device request" in log
    assert log.index("client disconnected") < log.index(f"{UUID}: stopped serving")


def test_a_client_that_stays_is_cut_off_after_the_release_timeout(start_daemon):
    d = started(start_daemon, ["--release-timeout=1"])
    assert d.create("mtty", "mtty-1", UUID) == 37
    vmm = Vmm(d, UUID, "--arm-request")  # ignores the request
    assert d.remove(UUID) == 2
    assert [vmm.line(), vmm.line()] == ["request 1", "cut off"]
    vmm.finish()
    assert d.devices() == []
    assert f"{UUID}: cut off its client after 1 s (release timeout)" in d.log()
    # The ports the device held are back (its driver's remove ran).
    assert d.available("mtty", "mtty-1") == 24


def test_a_client_without_the_request_irq_is_waited_for_all_the_same(start_daemon):
    d = started(start_daemon, ["--release-timeout=1"])
    assert d.create("mtty", "mtty-1", UUID) == 37
    vmm = Vmm(d, UUID)
    assert d.remove(UUID) == 2
    assert vmm.line() == "cut off"
    vmm.finish()
    assert f"{UUID}: in use: its client armed no device request" in d.log()


def test_interrupted_remove_changes_nothing(start_daemon):
    """Ctrl-C on a waiting remove (the kernel would keep it blocked): the
    write fails, the device stays with its client, which still uses it,
    and a later remove works once the client has left."""
    d = started(start_daemon, ["--release-timeout=0"])  # wait as long as it takes
    assert d.create("mtty", "mtty-2", UUID) == 37
    before = d.snapshot()
    vmm = Vmm(d, UUID, "--arm-request")
    shell = remove_in_background(d, UUID)
    assert vmm.line() == "request 1"
    wait_for(lambda: f"{UUID}: in use: sent" in d.log(), "the remove waiting")
    # Meanwhile the device is being removed: an unbind says so. (A second
    # write of `remove` would wait for the first: FUSE holds the file's
    # inode lock during a write, which kernfs does not.)
    assert d.write(d.path("bus", "mdev", "drivers", "mtty", "unbind"), UUID) == -E.ENODEV

    shell.send_signal(signal.SIGINT)
    assert shell.wait(DEADLINE) == -signal.SIGINT
    assert f"{UUID}: interrupted while waiting for its client" in d.log()
    assert d.snapshot() == before
    assert vmm.read_vendor() == "vendor 4348"  # still served to the same client

    assert vmm.leave() == 0
    assert d.remove(UUID) == 2
    assert d.devices() == []


def test_a_vmm_connecting_while_a_remove_waits_is_not_served(start_daemon):
    d = started(start_daemon, ["--release-timeout=0"])
    assert d.create("mtty", "mtty-2", UUID) == 37
    socket = d.read(os.path.join(d.device_dir(UUID), "vfio-user-socket")).strip()
    first = Vmm(d, UUID, "--arm-request")
    shell = remove_in_background(d, UUID)
    assert first.line() == "request 1"
    wait_for(lambda: f"{UUID}: in use: sent" in d.log(), "the remove waiting")
    # It waits in the socket's backlog, neither served nor refused...
    second = subprocess.Popen([VMM_HOLD, socket], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert first.leave() == 0
    assert shell.wait(DEADLINE) == 0
    # ... and is turned away with the device, never having reached it.
    out, err = second.communicate(timeout=DEADLINE)
    assert second.returncode == 1 and out == "", (out, err)
    assert d.devices() == []


def test_many_waiting_removes_leave_the_tree_served(start_daemon):
    """More removes wait than the mount has workers: each waiting one hands
    its place to a new worker, so the tree still answers (and could still
    read the FUSE_INTERRUPT of each), and the extra workers leave after."""
    d = started(start_daemon, ["--release-timeout=0"])
    threads = lambda: len(os.listdir(f"/proc/{d.proc.pid}/task"))
    uuids = UUIDS[:12]  # more than the 8 workers
    assert d.create("mtty", "mtty-1", UUIDS[20]) == 37  # the acceptor thread starts with it
    baseline = threads()
    vmms, shells = [], []
    for u in uuids:
        assert d.create("mtty", "mtty-1", u) == 37
        vmms.append(Vmm(d, u, "--arm-request"))
    for u, vmm in zip(uuids, vmms):
        shells.append(remove_in_background(d, u))
        assert vmm.line() == "request 1"
    wait_for(lambda: d.log().count(": in use: sent") == len(uuids), "every remove waiting")
    assert d.devices() == sorted(uuids + [UUIDS[20]])
    assert d.create("mtty", "mtty-1", UUIDS[21]) == 37
    for vmm, shell in zip(vmms, shells):
        assert vmm.leave() == 0
        assert shell.wait(DEADLINE) == 0
    assert d.devices() == [UUIDS[20], UUIDS[21]]
    wait_for(lambda: threads() == baseline, f"{baseline} threads again, not {threads()}")


def test_unbind_takes_the_device_back_too(start_daemon):
    d = started(start_daemon)
    assert d.create("mtty", "mtty-2", UUID) == 37
    vmm = Vmm(d, UUID, "--arm-request", "--leave-on-request")
    assert d.write(d.path("bus", "mdev", "drivers", "mtty", "unbind"), UUID) == 36
    assert vmm.finish()[0] == "request 1"
    assert d.devices() == [UUID]
    assert not os.path.exists(os.path.join(d.device_dir(UUID), "driver"))
    assert not os.path.exists(os.path.join(d.device_dir(UUID), "vfio-user-socket"))


def test_parent_unregistration_waits_for_the_client(start_daemon):
    """A reload that drops the parent (SIGHUP) tears its devices down as
    the kernel's unregistration does: each client is asked first."""
    d = started(start_daemon)
    assert d.create("mtty", "mtty-2", UUID) == 37
    vmm = Vmm(d, UUID, "--arm-request", "--leave-on-request")
    d.config.write_text(json.dumps({"parents": [{"module": "testparent", "name": "tp0"}]}))
    d.proc.send_signal(signal.SIGHUP)
    assert vmm.line() == "request 1"
    vmm.finish()
    wait_for(lambda: 'unregistered parent "mtty"' in d.log(), "the parent unregistered")
    assert d.devices() == []


def test_stopping_the_daemon_ends_a_waiting_remove(start_daemon):
    """SIGTERM while a remove waits forever for its client: the remove fails
    (the device stays in the journal), the client is cut off, umdevd exits 0."""
    d = started(start_daemon, ["--release-timeout=0"])
    assert d.create("mtty", "mtty-2", UUID) == 37
    vmm = Vmm(d, UUID, "--arm-request")
    shell = remove_in_background(d, UUID)
    assert vmm.line() == "request 1"
    wait_for(lambda: f"{UUID}: in use: sent" in d.log(), "the remove waiting")
    assert d.stop() == 0
    shell.wait(DEADLINE)
    assert shell.returncode != 0
    assert vmm.line() == "cut off"
    vmm.finish()
    # The remove never happened: the next start brings the device back.
    d = started(start_daemon)
    assert d.devices() == [UUID]


def test_release_timeout_must_be_whole_seconds(start_daemon, tmp_path):
    from conftest import UMDEVD
    for bad in ["", "-1", "1.5", "x", "86401", " 5"]:
        r = subprocess.run([*UMDEVD, "-f", "--no-journal", f"--release-timeout={bad}",
                            str(tmp_path / "mnt")], capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, (bad, r.stderr)
        assert "--release-timeout wants whole seconds" in r.stderr
