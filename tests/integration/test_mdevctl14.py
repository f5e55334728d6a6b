# SPDX-License-Identifier: MIT
"""mdevctl 1.4 (Debian sid's, unmodified) against umdevd's mount directly:
no umdevd-exec, no mount namespace. mdevctl 1.4 prefixes every path it uses
with MDEVCTL_ENV_ROOT (sys/class/mdev_bus, sys/bus/mdev/devices,
etc/mdevctl.d, usr/lib/mdevctl/scripts.d/{callouts,notifiers}), so a
directory whose sys is umdevd's mount (or a symlink to it) is a whole
environment for it. tests/vm/prepare fetches sid's mdevctl into its cache;
tests/vm/mdevctl-sid runs it on this host (the MDEVCTL14 command here)."""

import json
import os
import subprocess

import pytest

from conftest import UUIDS

MDEVCTL14 = os.environ.get("MDEVCTL14", "mdevctl")
MTTY = [{"module": "mtty", "name": "mtty"}]
U1, U2 = UUIDS[20], UUIDS[21]

# Logs each call: "-t TYPE -e EVENT -a ACTION -s STATE -u UUID -p PARENT".
# As a callout it matches every type but answers no "get" (exit 2: unmatched).
LOGGING_SCRIPT = """#!/bin/sh
echo "$*" >>{log}
case "$*" in *"-e get"*) exit 2 ;; esac
exit 0
"""


def make_env_root(path, mnt=None):
    """An MDEVCTL_ENV_ROOT: sys is a symlink to the mount (or, with mnt
    None, left for the daemon to mount on), etc/mdevctl.d a fresh directory,
    and the script directories mdevctl 1.4 requires, with a logging callout
    and notifier so that the log shows they are looked for under the root."""
    path.mkdir()
    if mnt is not None:
        os.symlink(mnt, path / "sys")
    (path / "etc" / "mdevctl.d").mkdir(parents=True)
    scripts = path / "usr" / "lib" / "mdevctl" / "scripts.d"
    log = path / "scripts.log"
    for kind in ("callouts", "notifiers"):
        (scripts / kind).mkdir(parents=True)
        script = scripts / kind / "log.sh"
        script.write_text(LOGGING_SCRIPT.format(log=log))
        script.chmod(0o755)
    return path


def run(root, *args, check=True):
    proc = subprocess.run([MDEVCTL14, *args], capture_output=True, text=True,
                          env={**os.environ, "MDEVCTL_ENV_ROOT": str(root)})
    if check and proc.returncode != 0:
        raise AssertionError(f"mdevctl {args} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def out(proc):
    return proc.stdout.rstrip("\n")


@pytest.fixture
def mdevctl14(tmp_path):
    """Skips when no mdevctl 1.4 is here; checks its version otherwise."""
    root = make_env_root(tmp_path / "version-root", mnt=tmp_path)
    try:
        proc = run(root, "--version", check=False)
    except FileNotFoundError:
        pytest.skip(f"no mdevctl 1.4: {MDEVCTL14} not found (MDEVCTL14)")
    if proc.returncode == 127:
        pytest.skip("no mdevctl 1.4: " + proc.stderr.strip())
    assert proc.returncode == 0, proc.stderr
    name, version = proc.stdout.split()
    assert name == "mdevctl"
    assert tuple(int(x) for x in version.split(".")[:2]) >= (1, 4), proc.stdout


@pytest.fixture(params=["sys-symlink", "sys-is-the-mount"])
def env(request, start_daemon, tmp_path, mdevctl14):
    """(daemon, env root): the root's sys links to the mount, or is it."""
    if request.param == "sys-symlink":
        d = start_daemon(MTTY)
        root = make_env_root(tmp_path / "root", mnt=d.mnt)
    else:
        root = make_env_root(tmp_path / "root")
        d = start_daemon(MTTY, mnt=root / "sys")
    return d, root


def expected_types(d):
    """`mdevctl types` as the tree says it should read."""
    text = "mtty\n"
    tdir = os.path.join(d.parent_dir("mtty"), "mdev_supported_types")
    for t in sorted(os.listdir(tdir)):
        def attr(name):
            return d.read(os.path.join(tdir, t, name)).strip()
        text += (f"  {t}\n    Available instances: {attr('available_instances')}\n"
                 f"    Device API: {attr('device_api')}\n")
        if os.path.exists(os.path.join(tdir, t, "name")):
            text += f"    Name: {attr('name')}\n"
        if os.path.exists(os.path.join(tdir, t, "description")):
            text += f"    Description: {attr('description')}\n"
    return text.rstrip("\n")


def test_types_start_list_define_stop_undefine(env):
    d, root = env
    defs = root / "etc" / "mdevctl.d"
    log = root / "scripts.log"

    assert out(run(root, "types")) == expected_types(d)
    types = json.loads(run(root, "types", "--dumpjson").stdout)
    flat = {k: v for t in types[0]["mtty"] for k, v in t.items()}
    assert sorted(flat) == ["mtty-1", "mtty-2"]
    avail = d.available("mtty", "mtty-2")
    assert flat["mtty-2"]["available_instances"] == avail

    # start: the device appears in umdevd's tree, with its type
    run(root, "start", "-p", "mtty", "-t", "mtty-2", "-u", U1)
    assert d.devices() == [U1]
    assert os.path.basename(os.path.realpath(d.device_dir(U1) + "/mdev_type")) == "mtty-2"
    assert d.available("mtty", "mtty-2") == avail - 1
    # the callout and the notifier under the root ran, with the device's parent and type
    calls = log.read_text().splitlines()
    for event, state in (("pre", "none"), ("post", "success"), ("notify", "success")):
        assert f"-t mtty-2 -e {event} -a start -s {state} -u {U1} -p mtty" in calls, calls

    assert out(run(root, "list")) == f"{U1} mtty mtty-2 manual"
    assert json.loads(run(root, "list", "--dumpjson").stdout) == [
        {"mtty": [{U1: {"mdev_type": "mtty-2", "start": "manual", "attrs": []}}]}]

    # define the running device: its definition lands in the root's etc/mdevctl.d
    run(root, "define", "-u", U1, "-p", "mtty", "-t", "mtty-2")
    assert json.loads((defs / "mtty" / U1).read_text()) == {
        "mdev_type": "mtty-2", "start": "manual", "attrs": []}
    assert out(run(root, "list", "--defined")) == f"{U1} mtty mtty-2 manual (active)"
    assert out(run(root, "list")) == f"{U1} mtty mtty-2 manual (defined)"

    # stop: gone from the tree, still defined
    run(root, "stop", "-u", U1)
    assert d.devices() == []
    assert d.available("mtty", "mtty-2") == avail
    assert out(run(root, "list")) == ""
    assert out(run(root, "list", "--defined")) == f"{U1} mtty mtty-2 manual"

    # undefine: the definition file is gone
    run(root, "undefine", "-u", U1)
    assert out(run(root, "list", "--defined")) == ""
    assert not (defs / "mtty" / U1).exists()


def test_defined_auto_device_starts_from_its_definition(env):
    d, root = env
    run(root, "define", "-u", U2, "-p", "mtty", "-t", "mtty-1", "--auto")
    assert d.devices() == []
    assert out(run(root, "list", "--defined")) == f"{U2} mtty mtty-1 auto"
    # what the udev rule runs when a parent appears: starts every auto device of it
    run(root, "start-parent-mdevs", "mtty")
    assert d.devices() == [U2]
    assert os.path.basename(os.path.realpath(d.device_dir(U2) + "/mdev_type")) == "mtty-1"
    assert out(run(root, "list")) == f"{U2} mtty mtty-1 auto (defined)"
    run(root, "stop", "-u", U2)
    run(root, "undefine", "-u", U2)
    assert d.devices() == []


def test_errors_are_mdevctls_and_change_nothing(env):
    d, root = env
    r = run(root, "start", "-p", "nosuch", "-t", "mtty-2", "-u", U1, check=False)
    assert r.returncode != 0 and "Unable to find parent device 'nosuch'" in r.stderr
    r = run(root, "start", "-p", "mtty", "-t", "mtty-9", "-u", U1, check=False)
    assert r.returncode != 0 and "does not support mdev type mtty-9" in r.stderr
    r = run(root, "stop", "-u", U1, check=False)
    assert r.returncode != 0 and "is not an active mdev" in r.stderr
    assert d.devices() == []

