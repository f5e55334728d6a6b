# SPDX-License-Identifier: MIT
"""The sample parents (mtty, mdpy, mbochs) as the kernel's samples show
them, through the real mdevctl."""

import json
import os
import re
import subprocess
import time

import pytest
from PIL import Image, ImageGrab

from conftest import UMDEVD, UUIDS, short_socket_dir

VMM_HOLD = os.environ.get("VMM_HOLD", "vmm-hold")

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


def grid(w, h, transpose=False):
    """The VM test's pattern (tests/vm/display-compare.py): an 8x8 grid of
    solid blocks, block (i, j) red 32i+16, green 32j+16, blue 255-32((i+j)%8);
    transposed, block (i, j) has block (j, i)'s colour."""
    img = Image.new("RGB", (w, h))
    for i in range(8):
        for j in range(8):
            a, b = (j, i) if transpose else (i, j)
            img.paste((32 * a + 16, 32 * b + 16, 255 - 32 * ((a + b) % 8)),
                      (i * w // 8, j * h // 8, (i + 1) * w // 8, (j + 1) * h // 8))
    return img


def test_tigervnc_on_the_vnc_socket(start_daemon, tmp_path):
    """Debian's TigerVNC viewer (`vncviewer PATH`) on a display's UNIX-socket
    VNC view, in an Xvfb screen: the viewer's window shows exactly the
    picture a VMM put in video memory, then exactly the next one."""
    sockets = short_socket_dir()
    d = start_daemon([{"module": "mdpy", "name": "mdpy",
                       "settings": {"vnc_socket_dir": sockets}}])
    d.create("mdpy", "mdpy-vga", UUIDS[0])
    path = f"{sockets}/{UUIDS[0]}.vnc"
    assert d.read(d.device_dir(UUIDS[0]) + "/vendor/vnc") == f"unix:{path}\n"
    socket = d.read(d.device_dir(UUIDS[0]) + "/vfio-user-socket").strip()
    vmm = subprocess.Popen([VMM_HOLD, socket], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    assert vmm.stdout.readline() == "connected\n", vmm.stderr.read()
    pictures = [grid(640, 480), grid(640, 480, transpose=True)]

    def load(picture):
        raw = tmp_path / "picture.raw"
        raw.write_bytes(picture.tobytes("raw", "BGRX"))  # XRGB8888, little endian
        vmm.stdin.write(f"load {raw}\n")
        vmm.stdin.flush()
        assert vmm.stdout.readline() == f"loaded {640 * 480 * 4}\n", vmm.stderr.read()

    load(pictures[0])
    # a screen larger than the picture: TigerVNC shrinks a window that would fill the screen
    displayfd, told = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(told), "-screen", "0", "800x600x24",
                             "-nolisten", "tcp"], pass_fds=[told], stderr=subprocess.DEVNULL)
    os.close(told)
    viewer = None
    viewer_log = open(tmp_path / "viewer.log", "w")
    try:
        display = ":" + os.read(displayfd, 16).decode().strip()
        env = dict(os.environ, DISPLAY=display, HOME=str(tmp_path))
        # JPEG off, so that the pixels come through exactly; the window keeps the picture's
        # size (no remote resize)
        viewer = subprocess.Popen(["vncviewer", "-NoJPEG", "-RemoteResize=0", path], env=env,
                                  stdout=subprocess.DEVNULL, stderr=viewer_log)

        def window():
            """The viewer's window on the screen, as (x, y, w, h), or None."""
            tree = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True,
                                  text=True).stdout
            # 0x400007 "NAME - TigerVNC": ("vncviewer" "Vncviewer")  640x480+0+20  +0+20
            m = re.search(r'TigerVNC": \(.*\)\s+(\d+)x(\d+)\S*\s+\+(-?\d+)\+(-?\d+)', tree)
            return m and tuple(map(int, m.group(3, 4, 1, 2)))

        for n, picture in enumerate(pictures):
            if n:
                load(picture)
            deadline = time.monotonic() + 60  # only a bound for a hung test
            while True:
                shown = ImageGrab.grab(xdisplay=display)
                where = window()
                if where and where[2:] == (640, 480):
                    x, y = where[:2]
                    if shown.crop((x, y, x + 640, y + 480)).tobytes() == picture.tobytes():
                        break
                if time.monotonic() > deadline:
                    shown.save(tmp_path / f"tigervnc-{n}.png")
                    pytest.fail(f"picture {n} never shown (window at {where}): see {tmp_path}")
                time.sleep(0.2)
            shown.save(tmp_path / f"tigervnc-{n}.png")
        log = (tmp_path / "viewer.log").read_text()
        assert f"Connected to socket {path}" in " ".join(log.split()), log
    finally:
        if viewer:
            viewer.terminate()
            viewer.wait(60)
        viewer_log.close()
        xvfb.terminate()
        xvfb.wait(60)
        os.close(displayfd)
    vmm.stdin.close()
    assert vmm.wait(60) == 0
    d.remove(UUIDS[0])
    assert not os.path.exists(path)
