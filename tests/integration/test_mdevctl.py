# SPDX-License-Identifier: MIT
"""The real Debian mdevctl (1.2.0, unmodified) against umdevd's tree,
through umdevd-exec; every result is checked against the tree itself."""

import json
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import UUIDS

U1, U2, U3, U4 = UUIDS[10], UUIDS[11], UUIDS[12], UUIDS[13]
TYPE_A, TYPE_B = "testparent-a", "testparent-b"


def out(proc):
    """mdevctl's output without the blank line it ends with."""
    return proc.stdout.rstrip("\n")


def mdevctl_version():
    return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "mdevctl"],
                          capture_output=True, text=True).stdout


def test_it_is_debians_mdevctl_1_2_0():
    assert os.path.realpath("/usr/bin/mdevctl") == "/usr/bin/mdevctl"
    assert mdevctl_version().startswith("1.2.0")
    r = subprocess.run(["dpkg", "--verify", "mdevctl"], capture_output=True, text=True)
    assert r.returncode == 0 and "/usr/bin/mdevctl" not in r.stdout  # unmodified


@pytest.fixture
def etc(tmp_path):
    """A persistent /etc/mdevctl.d for commands that define devices."""
    path = tmp_path / "mdevctl.d"
    path.mkdir()
    return path


def test_types(daemon):
    text = out(daemon.exec("mdevctl", "types"))
    expected = ""
    for parent in ("tp0", "tp1", "tpfail"):
        expected += f"{parent}\n"
        avail = 3 if parent == "tp0" else 4
        for t, name in ((TYPE_A, "Test type A"), (TYPE_B, "b")):
            expected += (f"  {t}\n    Available instances: {avail}\n"
                         f"    Device API: vfio-pci\n    Name: {name}\n"
                         f"    Description: test device of type {t[-1]}\n")
    assert text == expected.rstrip("\n")


def test_types_dumpjson(daemon):
    data = json.loads(daemon.exec("mdevctl", "types", "--dumpjson").stdout)
    by_parent = {k: v for entry in data for k, v in entry.items()}
    assert sorted(by_parent) == ["tp0", "tp1", "tpfail"]
    for parent, types in by_parent.items():
        flat = {k: v for t in types for k, v in t.items()}
        assert sorted(flat) == [TYPE_A, TYPE_B]
        for type_id, info in flat.items():
            tdir = daemon.type_dir(parent, type_id)
            assert info["available_instances"] == int(daemon.read(tdir + "/available_instances"))
            assert info["device_api"] == "vfio-pci"
            assert info["name"] == daemon.read(tdir + "/name").strip()
            assert info["description"] == daemon.read(tdir + "/description").strip()


def test_start_with_uuid_list_and_stop(daemon):
    daemon.exec("mdevctl", "start", "-p", "tp0", "-t", TYPE_B, "-u", U1)
    assert daemon.devices() == [U1]
    assert os.path.realpath(daemon.device_dir(U1) + "/mdev_type").endswith("/" + TYPE_B)
    assert out(daemon.exec("mdevctl", "list")) == f"{U1} tp0 {TYPE_B} manual"
    listed = json.loads(daemon.exec("mdevctl", "list", "--dumpjson").stdout)
    assert listed == [{"tp0": [{U1: {"mdev_type": TYPE_B, "start": "manual", "attrs": []}}]}]
    assert daemon.available("tp0", TYPE_A) == 2

    # Starting it again fails and changes nothing.
    r = daemon.exec("mdevctl", "start", "-p", "tp0", "-t", TYPE_B, "-u", U1, check=False)
    assert r.returncode != 0
    assert daemon.devices() == [U1]

    daemon.exec("mdevctl", "stop", "-u", U1)
    assert daemon.devices() == []
    assert out(daemon.exec("mdevctl", "list")) == ""
    assert daemon.available("tp0", TYPE_A) == 3
    r = daemon.exec("mdevctl", "stop", "-u", U1, check=False)
    assert r.returncode != 0


def test_start_without_uuid(daemon):
    uuid = daemon.exec("mdevctl", "start", "-p", "tp1", "-t", TYPE_A).stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", uuid)
    assert daemon.devices() == [uuid]
    assert os.path.realpath(daemon.device_dir(uuid)) == f"{daemon.parent_dir('tp1')}/{uuid}"


def test_start_with_attrs_from_jsonfile(daemon, tmp_path):
    spec = tmp_path / "dev.json"
    spec.write_text(json.dumps({"mdev_type": TYPE_A, "start": "manual",
                                "attrs": [{"vendor/value": "from-json"},
                                          {"vendor/reset": "1"}]}))
    daemon.exec("mdevctl", "start", "-p", "tp0", "-u", U2, "--jsonfile", str(spec))
    ddir = daemon.device_dir(U2)
    assert daemon.read(ddir + "/vendor/value") == "from-json\n"
    assert daemon.read(ddir + "/vendor/info") == f"{U2} resets=1\n"


def test_failing_attr_removes_the_device(daemon, tmp_path):
    spec = tmp_path / "bad.json"
    spec.write_text(json.dumps({"mdev_type": TYPE_A, "start": "manual",
                                "attrs": [{"vendor/value": "x" * 65}]}))
    r = daemon.exec("mdevctl", "start", "-p", "tp0", "-u", U2, "--jsonfile", str(spec),
                    check=False)
    assert r.returncode != 0
    assert daemon.devices() == []
    assert daemon.available("tp0", TYPE_A) == 3


def test_start_refused_by_the_tree(daemon):
    before = daemon.snapshot()
    # The probe fails (ENOSPC).
    r = daemon.exec("mdevctl", "start", "-p", "tpfail", "-t", TYPE_A, "-u", U1, check=False)
    assert r.returncode != 0
    # Unknown parent and type.
    assert daemon.exec("mdevctl", "start", "-p", "nope", "-t", TYPE_A, "-u", U1,
                       check=False).returncode != 0
    assert daemon.exec("mdevctl", "start", "-p", "tp0", "-t", "mtty-1", "-u", U1,
                       check=False).returncode != 0
    assert daemon.snapshot() == before
    # No instances left.
    for u in (U1, U2, U3):
        daemon.exec("mdevctl", "start", "-p", "tp0", "-t", TYPE_A, "-u", u)
    r = daemon.exec("mdevctl", "start", "-p", "tp0", "-t", TYPE_A, "-u", U4, check=False)
    assert r.returncode != 0
    assert daemon.devices() == sorted([U1, U2, U3])


def test_define_modify_list_undefine(daemon, etc):
    daemon.exec("mdevctl", "define", "-p", "tp0", "-t", TYPE_A, "-u", U1, etc=etc)
    saved = json.loads((etc / "tp0" / U1).read_text())
    assert saved == {"mdev_type": TYPE_A, "start": "manual", "attrs": []}
    assert out(daemon.exec("mdevctl", "list", "-d", etc=etc)) == f"{U1} tp0 {TYPE_A} manual"

    daemon.exec("mdevctl", "modify", "-u", U1, "--auto", etc=etc)
    daemon.exec("mdevctl", "modify", "-u", U1, "--addattr=vendor/value", "--value=defined",
                etc=etc)
    daemon.exec("mdevctl", "modify", "-u", U1, "--type", TYPE_B, etc=etc)
    saved = json.loads((etc / "tp0" / U1).read_text())
    assert saved == {"mdev_type": TYPE_B, "start": "auto",
                     "attrs": [{"vendor/value": "defined"}]}
    listed = json.loads(daemon.exec("mdevctl", "list", "-d", "--dumpjson", etc=etc).stdout)
    assert listed == [{"tp0": [{U1: saved}]}]

    # Defining is not starting.
    assert daemon.devices() == []
    daemon.exec("mdevctl", "start", "-u", U1, etc=etc)
    assert daemon.devices() == [U1]
    assert daemon.read(daemon.device_dir(U1) + "/vendor/value") == "defined\n"
    assert os.path.realpath(daemon.device_dir(U1) + "/mdev_type").endswith("/" + TYPE_B)
    assert out(daemon.exec("mdevctl", "list", etc=etc)) == f"{U1} tp0 {TYPE_B} auto (defined)"
    daemon.exec("mdevctl", "stop", "-u", U1, etc=etc)

    daemon.exec("mdevctl", "undefine", "-u", U1, etc=etc)
    assert not (etc / "tp0" / U1).exists()
    assert out(daemon.exec("mdevctl", "list", "-d", etc=etc)) == ""


def test_define_a_running_device(daemon, etc):
    daemon.exec("mdevctl", "start", "-p", "tp1", "-t", TYPE_B, "-u", U2, etc=etc)
    daemon.exec("mdevctl", "define", "-u", U2, etc=etc)
    saved = json.loads((etc / "tp1" / U2).read_text())
    assert saved["mdev_type"] == TYPE_B


def test_start_parent_mdevs_starts_auto_devices(daemon, etc):
    daemon.exec("mdevctl", "define", "-p", "tp0", "-t", TYPE_A, "-u", U1, "--auto", etc=etc)
    daemon.exec("mdevctl", "define", "-p", "tp0", "-t", TYPE_B, "-u", U2, "--auto", etc=etc)
    daemon.exec("mdevctl", "modify", "-u", U2, "--addattr=vendor/value", "--value=auto2",
                etc=etc)
    daemon.exec("mdevctl", "define", "-p", "tp0", "-t", TYPE_A, "-u", U3, etc=etc)  # manual
    daemon.exec("mdevctl", "define", "-p", "tp1", "-t", TYPE_A, "-u", U4, "--auto", etc=etc)
    daemon.exec("mdevctl", "start-parent-mdevs", "tp0", etc=etc)
    assert daemon.devices() == sorted([U1, U2])
    assert daemon.read(daemon.device_dir(U2) + "/vendor/value") == "auto2\n"
    lines = out(daemon.exec("mdevctl", "list", etc=etc)).splitlines()
    assert sorted(lines) == sorted([f"{U1} tp0 {TYPE_A} auto (defined)",
                                  f"{U2} tp0 {TYPE_B} auto (defined)"])


def test_scratch_etc_is_private(daemon):
    # Only the mounts umdevd-exec makes, and only its own scratch directory:
    # other programs on the machine may mount and make directories meanwhile.
    ours = (" /sys/class/mdev_bus ", " /sys/bus/mdev ", " /sys/devices/virtual/testparent ",
            " /sys/class/testparent ", " /sys/kernel/iommu_groups ", " /etc/mdevctl.d ")

    def our_mounts(text):
        return [line for line in text.splitlines() if any(p in line for p in ours)]

    with open("/proc/self/mountinfo") as f:
        mounts_before = our_mounts(f.read())
    inside = out(daemon.exec("sh", "-c", "mdevctl define -p tp0 -t %s -u %s &&"
                             " cat /proc/self/mountinfo" % (TYPE_A, U1)))
    etc = [line.split()[3] for line in our_mounts(inside) if " /etc/mdevctl.d " in line]
    assert len(etc) == 1 and etc[0].startswith("/tmp/umdevd-exec."), inside
    # Nothing is left outside the namespace: no mounts, no scratch directory.
    with open("/proc/self/mountinfo") as f:
        assert our_mounts(f.read()) == mounts_before
    assert not os.path.exists(os.path.dirname(etc[0]))
    # A new scratch directory next time: nothing is defined any more.
    assert out(daemon.exec("mdevctl", "list", "-d")) == ""
    assert not os.path.exists(f"/etc/mdevctl.d/tp0/{U1}")


def test_umdevd_exec_paths_and_errors(daemon, tmp_path):
    # Inside: the standard paths are the tree; the command's status comes back.
    r = daemon.exec("sh", "-c", "readlink /sys/class/mdev_bus/tp0; ls /sys/bus/mdev/devices;"
                    " ls /etc/mdevctl.d/scripts.d; exit 7", check=False)
    assert r.returncode == 7
    assert r.stdout.split() == ["../../devices/virtual/testparent/tp0", "callouts", "notifiers"]
    daemon.create("tp0", TYPE_A, U1)
    r = daemon.exec("cat", f"/sys/bus/mdev/devices/{U1}/vendor/info")
    assert r.stdout == f"{U1} resets=0\n"
    # A chosen directory gets its scripts.d and is kept.
    etc = tmp_path / "chosen"
    daemon.exec("true", etc=etc)
    assert (etc / "scripts.d" / "callouts").is_dir() and (etc / "scripts.d" / "notifiers").is_dir()
    # No tree there: a clear error and status 125.
    r = subprocess.run([os.environ.get("UMDEVD_EXEC", "umdevd-exec"), "-m", str(tmp_path),
                        "--", "true"], capture_output=True, text=True)
    assert r.returncode == 125 and "no umdev tree at" in r.stderr


def test_umdevd_exec_passes_stdin_and_termination_on(daemon, tmp_path):
    exe = os.environ.get("UMDEVD_EXEC", "umdevd-exec")
    # Standard input reaches the command, as with a command run in the foreground.
    r = subprocess.run([exe, "-m", daemon.mnt, "--", "cat"], input="typed\n",
                       capture_output=True, text=True)
    assert (r.returncode, r.stdout) == (0, "typed\n")
    # SIGTERM to umdevd-exec (a service manager stopping libvirtd run in it)
    # ends the command too, and the scratch directory goes.
    pidfile = tmp_path / "pid"
    proc = subprocess.Popen([exe, "-m", daemon.mnt, "--", "sh", "-c",
                             f"echo $$ > {pidfile}; grep ' /etc/mdevctl.d ' /proc/self/mountinfo"
                             f" | cut -d' ' -f4 >> {pidfile}; exec sleep 600"],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while len(pidfile.read_text().split() if pidfile.exists() else []) < 2:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the command did not start"
        time.sleep(0.05)
    pid, etc = pidfile.read_text().split()
    assert etc.startswith("/tmp/umdevd-exec.") and os.path.isdir(etc)
    proc.terminate()
    assert proc.wait(30) == 128 + signal.SIGTERM
    # The command was umdevd-exec's child, reaped by it: no such process now.
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid), 0)
    assert not os.path.exists(os.path.dirname(etc))


def wait_for_devices(daemon, expected, what):
    """Autostart runs mdevctl in the background: wait for its outcome."""
    deadline = time.monotonic() + 60
    while daemon.devices() != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert daemon.devices() == expected, what + "\n" + daemon.log()


def test_autostart_at_start_and_on_reload(start_daemon, etc):
    # Defined with the real mdevctl while umdevd runs without autostart.
    d = start_daemon(subdir="define", extra_args=["--no-journal"])
    d.exec("mdevctl", "define", "-p", "tp0", "-t", TYPE_A, "-u", U1, "--auto", etc=etc)
    d.exec("mdevctl", "define", "-p", "tp0", "-t", TYPE_B, "-u", U2, etc=etc)  # manual
    d.exec("mdevctl", "define", "-p", "tp1", "-t", TYPE_B, "-u", U3, "--auto", etc=etc)
    d.exec("mdevctl", "define", "-p", "tp9", "-t", TYPE_A, "-u", U4, "--auto", etc=etc)
    d.exec("mdevctl", "modify", "-u", U3, "--addattr=vendor/value", "--value=auto3", etc=etc)
    assert d.devices() == []
    assert d.stop() == 0

    # At start, every registered parent's auto devices start, as the
    # kernel's registered uevent makes mdevctl's udev rule start them.
    d = start_daemon(subdir="auto", extra_args=["--no-journal", "--mdevctl-dir", str(etc)])
    wait_for_devices(d, sorted([U1, U3]), "auto devices of tp0 and tp1")
    assert d.read(d.device_dir(U3) + "/vendor/value") == "auto3\n"
    assert "started the auto devices of tp0" in d.log()

    # SIGHUP registers tp9: its auto device starts too; the others stay.
    parents = json.loads(d.config.read_text())["parents"]
    parents.append({"module": "testparent", "name": "tp9"})
    d.config.write_text(json.dumps({"parents": parents}))
    d.proc.send_signal(signal.SIGHUP)
    wait_for_devices(d, sorted([U1, U3, U4]), "auto device of tp9 after SIGHUP")
    listed = out(d.exec("mdevctl", "list", etc=etc)).splitlines()
    assert f"{U4} tp9 {TYPE_A} auto (defined)" in listed
