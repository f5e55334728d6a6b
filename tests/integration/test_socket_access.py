# SPDX-License-Identifier: MIT
"""Who may connect to a device's vfio-user socket: --socket-owner,
--socket-group and --socket-mode for every socket, a parent's "socket"
object in the config for its own. A VMM running as its own user (libvirt
runs QEMU as libvirt-qemu) connects where they let it and is refused
elsewhere; a reload changes the sockets already there; nothing asks for a
privilege umdevd has dropped."""

import json
import os
import signal
import stat
import subprocess

import pytest

from conftest import LSPCI, UMDEVD, UUIDS, as_user, check_clean_exit, wait_for_log

NOBODY, NOGROUP, DAEMON_ID = 65534, 65534, 1
SANDBOXED = bool(os.environ.get("UMDEV_SANDBOX_UNIT"))
U_A, U_B, U_C = UUIDS[60], UUIDS[61], UUIDS[62]


def parents(a_socket=None, b_socket=None):
    """Two mtty parents, each with its own "socket" where given."""
    return [dict({"module": "mtty", "name": name}, **({"socket": sock} if sock else {}))
            for name, sock in (("mtty-a", a_socket), ("mtty-b", b_socket))]


def socket_of(d, uuid):
    return f"{d.socket_dir}/{uuid}.sock"


def start(start_daemon, config, *args):
    """umdevd, its socket directory reachable by all (as /run is), not listed."""
    d = start_daemon(config, extra_args=list(args))
    for path in (os.path.dirname(d.socket_dir), os.path.dirname(os.path.dirname(d.socket_dir))):
        os.chmod(path, 0o711)
    return d


def access(path):
    st = os.stat(path)
    return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


def connects(uid, gid, path):
    """Whether umdev-lspci, run as @uid in @gid alone, reads the mtty card."""
    r = as_user(uid, gid, LSPCI, path)
    if r.returncode == 0:
        assert "Device 4348:3253" in r.stdout, r.stdout
        return True
    assert "ermission denied" in r.stderr, r.stdout + r.stderr
    return False


def start_refused(tmp_path, config, *args):
    """umdevd's exit status and messages for a start it must refuse."""
    path = tmp_path / "refused.json"
    path.write_text(json.dumps(config))
    r = subprocess.run([*UMDEVD, "-f", "--no-journal", "--no-uevents", "-c", str(path),
                        "-s", str(tmp_path / "s"), *args, str(tmp_path / "mnt")],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stderr


def test_a_socket_owner_is_the_one_vmm_user_that_connects(start_daemon, tmp_path):
    if SANDBOXED:
        # The unit's bounding set has no CAP_CHOWN: the operator must add it.
        rc, err = start_refused(tmp_path, {"parents": parents()}, "--socket-owner", "nobody")
        assert rc == 1 and "CapabilityBoundingSet=" in err and "CAP_CHOWN" in err, err
        return
    d = start(start_daemon, parents(), "--socket-owner", "nobody")
    assert d.create("mtty-a", "mtty-1", U_A) == 37
    path = socket_of(d, U_A)
    assert access(path) == (0o600, NOBODY, 0)
    assert stat.S_IMODE(os.stat(d.socket_dir).st_mode) == 0o711
    assert connects(NOBODY, DAEMON_ID, path)
    assert not connects(DAEMON_ID, NOGROUP, path)
    # Kept for the owners, and nothing else.
    assert "capabilities none but CAP_CHOWN (socket owners)" in d.log()


def test_a_socket_mode_for_everyone(start_daemon):
    d = start(start_daemon, parents(), "--socket-mode", "666")
    assert d.create("mtty-b", "mtty-1", U_B) == 37
    assert access(socket_of(d, U_B)) == (0o666, 0, 0)
    assert connects(DAEMON_ID, DAEMON_ID, socket_of(d, U_B))


def test_a_parents_own_socket_group(start_daemon, tmp_path):
    """mtty-a's devices are for group nogroup's VMMs; mtty-b's stay root's."""
    config = parents(a_socket={"group": "nogroup"})
    if SANDBOXED:
        rc, err = start_refused(tmp_path, {"parents": config})
        assert rc == 1 and 'parents[0] ("mtty-a"): socket group 65534' in err, err
        assert "SupplementaryGroups=" in err, err
        return
    d = start(start_daemon, config)
    assert d.create("mtty-a", "mtty-1", U_A) == 37
    assert d.create("mtty-b", "mtty-1", U_B) == 37
    assert access(socket_of(d, U_A)) == (0o660, 0, NOGROUP)
    assert access(socket_of(d, U_B)) == (0o600, 0, 0)
    assert connects(NOBODY, NOGROUP, socket_of(d, U_A))
    assert not connects(NOBODY, NOGROUP, socket_of(d, U_B))
    assert not connects(NOBODY, DAEMON_ID, socket_of(d, U_A))
    # Joined before the drop, with no capability kept for it.
    assert "joined group 65534 for the vfio-user sockets" in d.log()
    assert "capabilities none;" in d.log()


def test_a_reload_changes_the_sockets_there_and_asks_for_no_privilege(start_daemon):
    d = start(start_daemon, parents(a_socket={"mode": "0666"}))
    assert d.create("mtty-a", "mtty-1", U_A) == 37
    assert d.create("mtty-b", "mtty-1", U_B) == 37
    assert access(socket_of(d, U_A))[0] == 0o666
    assert access(socket_of(d, U_B))[0] == 0o600

    def reload(config, outcome, count):
        d.config.write_text(json.dumps({"parents": config}))
        d.proc.send_signal(signal.SIGHUP)
        wait_for_log(d, outcome, count)

    # The devices stay (same parents, same settings); their sockets change.
    reload(parents(b_socket={"mode": "0606"}), "config reloaded: 2 parents", 1)
    assert d.devices() == sorted([U_A, U_B])
    assert access(socket_of(d, U_A))[0] == 0o600
    assert access(socket_of(d, U_B))[0] == 0o606
    assert connects(DAEMON_ID, DAEMON_ID, socket_of(d, U_B))
    assert not connects(DAEMON_ID, DAEMON_ID, socket_of(d, U_A))

    # A group umdevd did not join at start, an owner without CAP_CHOWN:
    # refused, and nothing changes.
    reload(parents(b_socket={"group": "daemon"}), "config not reloaded", 1)
    assert 'parents[1] ("mtty-b"): socket group 1: umdevd is not a member' in d.log()
    reload(parents(b_socket={"owner": "nobody"}), "config not reloaded", 2)
    assert 'parents[1] ("mtty-b"): socket owner 65534: giving a socket another owner ' \
        'takes CAP_CHOWN' in d.log()
    assert access(socket_of(d, U_B)) == (0o606, 0, 0)
    # A device made after them gets what the running config says.
    assert d.create("mtty-b", "mtty-1", U_C) == 37
    assert access(socket_of(d, U_C)) == (0o606, 0, 0)
    check_clean_exit(d, d.stop())


@pytest.mark.parametrize("option, value, message", [
    ("--socket-mode", "0999", "--socket-mode wants octal permission bits"),
    ("--socket-mode", "0", "--socket-mode wants octal permission bits"),
    ("--socket-mode", "01777", "--socket-mode wants octal permission bits"),
    ("--socket-owner", "no-such-user-here", "no user 'no-such-user-here'"),
    ("--socket-group", "no-such-group-here", "no group 'no-such-group-here'"),
])
def test_a_bad_socket_option_is_a_usage_error(option, value, message):
    r = subprocess.run([*UMDEVD, option, value, "/nonexistent"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and message in r.stderr, r.stderr


@pytest.mark.parametrize("socket, message", [
    ({"mode": 660}, 'parents[0]: socket: "mode" must be octal permission bits as a string'),
    ({"mode": "0800"}, 'parents[0]: socket: "mode" must be octal permission bits'),
    ({"owner": "no-such-user-here"}, 'parents[0]: socket: no user "no-such-user-here"'),
    ({"group": ["kvm"]}, 'parents[0]: socket: no group [ "kvm" ]'),
    ({"colour": "blue"}, 'parents[0]: socket: unknown key "colour" (expected owner, group, mode)'),
    ("0660", 'parents[0]: "socket" must be an object'),
])
def test_a_bad_socket_config_is_refused_before_anything_starts(tmp_path, socket, message):
    rc, err = start_refused(tmp_path, {"parents": parents(a_socket=socket)})
    assert rc == 1 and message in err, err
    assert not (tmp_path / "s").exists()  # no socket directory made
