# SPDX-License-Identifier: MIT
"""The sample parents (mtty, mdpy, mbochs) as the kernel's samples show
them, through the real mdevctl."""

import json
import os
import subprocess

from conftest import UMDEVD, UUIDS

SAMPLES = [{"module": m, "name": m} for m in ("mtty", "mdpy", "mbochs")]


def test_types_as_the_kernel_samples(start_daemon):
    d = start_daemon(parents=SAMPLES)
    types = {p: sorted(os.listdir(d.parent_dir(p) + "/mdev_supported_types"))
             for p in ("mtty", "mdpy", "mbochs")}
    assert types == {"mtty": ["mtty-1", "mtty-2"],
                     "mdpy": ["mdpy-hd", "mdpy-vga", "mdpy-xga"],
                     "mbochs": ["mbochs-large", "mbochs-medium", "mbochs-small"]}
    assert d.available("mtty", "mtty-1") == 24 and d.available("mtty", "mtty-2") == 12
    assert d.read(d.type_dir("mtty", "mtty-2") + "/name") == "Dual port serial\n"
    assert not os.path.exists(d.type_dir("mtty", "mtty-1") + "/description")
    assert d.read(d.type_dir("mdpy", "mdpy-xga") + "/description") == \
        "virtual display, 1024x768 framebuffer\n"
    assert d.read(d.type_dir("mbochs", "mbochs-medium") + "/description") == \
        "virtual display, 16 MB video memory\n"


def test_mdevctl_with_the_samples(start_daemon):
    d = start_daemon(parents=SAMPLES)
    u1, u2 = UUIDS[40], UUIDS[41]
    d.exec("mdevctl", "start", "-p", "mtty", "-t", "mtty-2", "-u", u1)
    d.exec("mdevctl", "start", "-p", "mbochs", "-t", "mbochs-medium", "-u", u2)
    assert d.available("mtty", "mtty-1") == 22 and d.available("mtty", "mtty-2") == 11
    assert d.read(d.device_dir(u1) + "/vendor/sample_mdev_dev") == f"This is MDEV {u1}\n"
    assert d.read(d.device_dir(u1) + "/uevent") == "DRIVER=mtty\n"
    assert d.read(d.device_dir(u2) + "/vendor/memory") == "16 MB\n"
    listed = sorted(d.exec("mdevctl", "list").stdout.split("\n"))
    assert f"{u1} mtty mtty-2 manual" in listed and f"{u2} mbochs mbochs-medium manual" in listed
    d.exec("mdevctl", "stop", "-u", u1)
    d.exec("mdevctl", "stop", "-u", u2)
    assert d.devices() == []
    assert d.available("mtty", "mtty-1") == 24


def test_vnc_password_file(start_daemon, tmp_path):
    """vnc_password_file: read when the parent registers; a missing file or
    a first line VNC authentication cannot use (empty, over 8 characters)
    stops the daemon with a message naming the setting."""
    good = tmp_path / "vnc-password"
    good.write_text("s3cret\n")
    good.chmod(0o600)
    d = start_daemon([{"module": "mbochs", "name": "mbochs",
                       "settings": {"vnc_password_file": str(good)}}], subdir="good")
    d.create("mbochs", "mbochs-small", UUIDS[0])
    assert d.read(d.device_dir(UUIDS[0]) + "/vendor/vnc").startswith("127.0.0.1:")
    assert "can be read by others" not in d.log()

    for name, text, message in (("missing", None, "No such file or directory"),
                                ("empty", "\n", "must have 1 to 8 characters"),
                                ("long", "123456789\n", "uses no more), not 9")):
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        config = tmp_path / (name + ".json")
        config.write_text(json.dumps({"parents": [
            {"module": "mdpy", "settings": {"vnc_password_file": str(path)}}]}))
        r = subprocess.run([*UMDEVD, "-f", "--no-journal", "--no-vfio-user", "-c", str(config),
                            str(tmp_path / "mnt-bad")], capture_output=True, text=True, timeout=60)
        assert r.returncode == 1, r.stderr
        assert "vnc_password_file" in r.stderr and message in r.stderr, r.stderr


def test_vnc_socket_dir(start_daemon, tmp_path):
    """vnc_socket_dir: each display's VNC view on DIR/UUID.vnc, named in
    vendor/vnc, gone with the device."""
    sockets = tmp_path / "vnc"
    d = start_daemon([{"module": "mdpy", "name": "mdpy",
                       "settings": {"vnc_socket_dir": str(sockets)}}])
    d.create("mdpy", "mdpy-vga", UUIDS[0])
    path = f"{sockets}/{UUIDS[0]}.vnc"
    assert d.read(d.device_dir(UUIDS[0]) + "/vendor/vnc") == f"unix:{path}\n"
    assert os.stat(path).st_mode & 0o777 == 0o600
    d.remove(UUIDS[0])
    assert not os.path.exists(path)
