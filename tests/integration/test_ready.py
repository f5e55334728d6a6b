# SPDX-License-Identifier: MIT
"""Readiness: umdevd says it is ready (systemd's sd_notify, a ready file, a
log line) only once the tree is mounted and every journaled device is back."""

import json
import os
import signal
import socket
import subprocess
import time

from conftest import UMDEVD, UUIDS, is_mounted, short_socket_dir

DEADLINE = 60.0  # only a bound for a hung daemon


def journal_with_one_device(tmp_path):
    journal = tmp_path / "journal.json"
    journal.write_text(json.dumps({"version": 1, "devices": [
        {"uuid": UUIDS[5], "parent": "mtty", "type": "mtty-2", "attrs": {}}]}))
    return journal


def device_present(mnt, uuid):
    return os.path.isdir(os.path.join(mnt, "bus/mdev/devices", uuid))


def test_ready_file_comes_after_the_restore_and_goes_at_stop(tmp_path):
    mnt, ready = tmp_path / "mnt", tmp_path / "ready"
    journal = journal_with_one_device(tmp_path)
    proc = subprocess.Popen([*UMDEVD, "-f", "-j", str(journal), "-s", short_socket_dir(), "--ready-file", str(ready),
                             str(mnt)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + DEADLINE
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    # The moment it exists the tree is served with the journaled device.
    assert device_present(str(mnt), UUIDS[5])
    assert ready.read_text() == f"{proc.pid}\n"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0, err
    assert not ready.exists()
    assert f"ready: serving the mdev tree on {mnt}" in err


def test_systemd_is_notified_when_ready_and_when_stopping(tmp_path):
    mnt = tmp_path / "mnt"
    journal = journal_with_one_device(tmp_path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(tmp_path / "notify"))
    listener.settimeout(DEADLINE)
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"))
    proc = subprocess.Popen([*UMDEVD, "-f", "-j", str(journal), "-s", short_socket_dir(), str(mnt)], env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        message = listener.recv(4096).decode()
        assert "READY=1" in message.split("\n")
        assert f"MAINPID={proc.pid}" in message
        assert is_mounted(str(mnt)) and device_present(str(mnt), UUIDS[5])
        proc.send_signal(signal.SIGTERM)
        assert "STOPPING=1" in listener.recv(4096).decode().split("\n")
        _, err = proc.communicate(timeout=DEADLINE)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        listener.close()


def test_systemd_unit_is_type_notify():
    unit = os.path.join(os.path.dirname(__file__), "..", "..", "systemd", "umdevd.service.in")
    text = open(unit).read()
    assert "Type=notify" in text and "--foreground" in text
    assert "ExecReload=/bin/kill -HUP $MAINPID" in text
