# SPDX-License-Identifier: MIT
"""Fixtures for the integration tests: the real umdevd, the binary that is
shipped, on a fresh FUSE mount, with the test parent (testparent.so)
loaded from a module directory as an operator loads an outside driver.

Each test gets its own daemon on a temporary mount point; at the end the
daemon is stopped with SIGTERM and must exit 0, unmount, and leave no
sanitizer report in its log."""

import atexit
import errno
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

# The command that starts umdevd: the binary, and where testparent.so is.
UMDEVD = [os.environ.get("UMDEVD", "umdevd"), "-M", os.environ.get("UMDEV_MODULE_DIR", ".")]
UMDEVD_EXEC = os.environ.get("UMDEVD_EXEC", "umdevd-exec")

# Generous: only a bound for a hung daemon, never a performance claim.
START_DEADLINE = 60.0
STOP_DEADLINE = 120.0

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "WARNING: ThreadSanitizer", "runtime error:")

DEFAULT_PARENTS = [
    {"module": "testparent", "name": "tp0", "settings": {"max_instances": "3"}},
    {"module": "testparent", "name": "tp1"},
    {"module": "testparent", "name": "tpfail", "settings": {"probe_errno": "28"}},
]


# pytest's temporary paths are too long for a socket address (108 bytes), so
# the daemons' socket directories live under one short directory of this
# test process, removed when it exits.
_SOCKET_BASE = tempfile.mkdtemp(prefix="umdev-", dir="/tmp")
atexit.register(shutil.rmtree, _SOCKET_BASE, True)


def short_socket_dir():
    """A fresh vfio-user socket directory (umdevd creates it)."""
    return tempfile.mkdtemp(dir=_SOCKET_BASE) + "/s"


def is_mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


class Daemon:
    """A running umdevd and helpers to use its tree as a shell user would."""

    def __init__(self, tmp_path, parents=None, extra_args=(), mnt=None, uevents=False):
        self.tmp = tmp_path
        self.mnt = str(mnt or tmp_path / "mnt")
        self.config = tmp_path / "umdevd.json"
        self.config.write_text(json.dumps({"parents": parents or DEFAULT_PARENTS}))
        self.log_path = tmp_path / "umdevd.log"
        self.log_file = open(self.log_path, "w")
        self.journal = tmp_path / "journal.json"
        self.socket_dir = short_socket_dir()
        self.proc = subprocess.Popen(
            [*UMDEVD, "-f", "-l", "debug", "-c", str(self.config), "-j", str(self.journal),
             "-s", self.socket_dir,
             # Every libudev listener on the machine hears uevents: only
             # the tests of uevents send them.
             *([] if uevents else ["--no-uevents"]),
             *extra_args, self.mnt],
            stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_DEADLINE
        while not (os.path.isdir(self.mnt) and is_mounted(self.mnt)):
            if self.proc.poll() is not None:
                raise RuntimeError("umdevd exited at start:\n" + self.log())
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("umdevd did not mount:\n" + self.log())
            time.sleep(0.02)

    def log(self):
        if not self.log_file.closed:
            self.log_file.flush()
        return self.log_path.read_text()

    def stop(self, sig=signal.SIGTERM):
        """Stops the daemon; returns its exit status."""
        self.proc.send_signal(sig)
        try:
            status = self.proc.wait(STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        self.log_file.close()
        return status

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        subprocess.run(["fusermount3", "-u", "-z", self.mnt], stderr=subprocess.DEVNULL)
        self.log_file.close()

    # ---- paths ----
    def path(self, *parts):
        return os.path.join(self.mnt, *parts)

    def parent_dir(self, parent):
        return os.path.realpath(self.path("class", "mdev_bus", parent))

    def type_dir(self, parent, type_id):
        return os.path.join(self.parent_dir(parent), "mdev_supported_types", type_id)

    def create_file(self, parent, type_id):
        return os.path.join(self.type_dir(parent, type_id), "create")

    def device_dir(self, uuid):
        return self.path("bus", "mdev", "devices", uuid)

    # ---- file access, reporting the errno as the kernel would ----
    def write(self, path, data, flags=os.O_WRONLY):
        """One open/write/close; returns the byte count or -errno."""
        if isinstance(data, str):
            data = data.encode()
        try:
            fd = os.open(path, flags)
        except OSError as e:
            return -e.errno
        try:
            return os.write(fd, data)
        except OSError as e:
            return -e.errno
        finally:
            os.close(fd)

    def read(self, path):
        with open(path, "rb") as f:
            return f.read().decode()

    def create(self, parent, type_id, uuid, newline=True):
        data = uuid + ("\n" if newline else "")
        return self.write(self.create_file(parent, type_id), data)

    def remove(self, uuid):
        return self.write(os.path.join(self.device_dir(uuid), "remove"), "1\n")

    def devices(self):
        return sorted(os.listdir(self.path("bus", "mdev", "devices")))

    def available(self, parent, type_id):
        return int(self.read(os.path.join(self.type_dir(parent, type_id),
                                          "available_instances")))

    def snapshot(self):
        """Every entry of the tree with its kind and content (link target,
        or text of a readable file): equal snapshots mean an unchanged tree."""
        result = {}
        for root, dirs, files in os.walk(self.mnt):
            for name in sorted(dirs + files):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, self.mnt)
                if os.path.islink(full):
                    result[rel] = ("link", os.readlink(full))
                elif os.path.isdir(full):
                    result[rel] = ("dir",)
                else:
                    mode = os.stat(full).st_mode & 0o777
                    try:
                        text = self.read(full) if mode & 0o444 else None
                    except OSError as e:  # power/autosuspend_delay_ms: EIO
                        text = -e.errno
                    result[rel] = ("file", oct(mode), text)
        return result

    def exec(self, *cmd, etc=None, check=True):
        """Runs a command through umdevd-exec; returns the CompletedProcess."""
        args = [UMDEVD_EXEC, "-m", self.mnt]
        if etc is not None:
            args += ["-e", str(etc)]
        proc = subprocess.run(args + ["--", *cmd], capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"{cmd} failed ({proc.returncode}):\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc


def check_clean_exit(daemon, status):
    log = daemon.log_path.read_text()
    assert status == 0, log
    assert not is_mounted(daemon.mnt), log
    for mark in SANITIZER_MARKS:
        assert mark not in log, log


def wait_for_log(d, text, count=1):
    deadline = time.monotonic() + 120
    while d.log().count(text) < count:
        assert d.proc.poll() is None, d.log()
        assert time.monotonic() < deadline, d.log()
        time.sleep(0.02)


LSPCI = os.environ.get("UMDEV_LSPCI", "umdev-lspci")


def as_user(uid, gid, *cmd):
    """Runs @cmd as @uid in group @gid alone (a VMM running as its own user)."""
    return subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--",
                           *cmd], capture_output=True, text=True, timeout=60)


@pytest.fixture
def start_daemon(tmp_path):
    """start_daemon(parents=None, extra_args=(), uevents=False) -> Daemon, stopped at the end."""
    started = []

    def start(parents=None, extra_args=(), subdir=None, mnt=None, uevents=False):
        where = tmp_path / subdir if subdir else tmp_path
        where.mkdir(exist_ok=True)
        d = Daemon(where, parents, extra_args, mnt, uevents)
        started.append(d)
        return d

    yield start
    for d in started:
        if d.proc.poll() is None:
            check_clean_exit(d, d.stop())


@pytest.fixture
def daemon(start_daemon):
    return start_daemon()


UUIDS = [f"{i:08x}-1d2f-4c3b-9a8e-7f6d5c4b3a{i:02x}" for i in range(1, 256)]
E = errno
