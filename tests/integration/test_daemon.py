# SPDX-License-Identifier: MIT
"""umdevd itself: command line, config errors, start and clean shutdown."""

import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import UMDEVD, UUIDS, check_clean_exit, is_mounted, wait_for_log


def run(*args, **kw):
    # Each test's daemon keeps no journal: the default one is shared.
    return subprocess.run([*UMDEVD, "--no-journal", "--no-vfio-user", *args], capture_output=True, text=True,
                          timeout=120, **kw)


def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0
    assert "--config" in r.stdout and "--foreground" in r.stdout and "--log-level" in r.stdout
    assert re.search(r"^\s+testparent\s+\S", r.stdout, re.M)
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("umdevd ")


@pytest.mark.parametrize("args,message", [
    (["--log-level", "loud"], "unknown log level 'loud'"),
    (["--bogus"], "unrecognized option"),
    (["a", "b"], "unexpected argument 'b'"),
])
def test_usage_errors(args, message):
    r = run(*args)
    assert r.returncode == 2
    assert message in r.stderr


BAD_CONFIGS = [
    ("{", "unexpected end of file"),
    ('{"parents": [}', ":1:14: "),
    ('{"parents": []}\n{"x": 1}', ":2:1: text after the end"),
    ("[]", "the top level must be an object"),
    ('{"parent": []}', 'unknown key "parent"'),
    ("{}", '"parents" must be given as an array'),
    ('{"parents": {}}', '"parents" must be given as an array'),
    ('{"parents": [1]}', "parents[0]: must be an object"),
    ('{"parents": [{}]}', 'parents[0]: "module" must be given as a string'),
    ('{"parents": [{"module": 3}]}', 'parents[0]: "module" must be given as a string'),
    ('{"parents": [{"module": "nope"}]}', 'parents[0]: unknown module "nope"'),
    ('{"parents": [{"module": "testparent", "nmae": "x"}]}', 'parents[0]: unknown key "nmae"'),
    ('{"parents": [{"module": "testparent", "name": 1}]}', 'parents[0]: "name" must be a string'),
    ('{"parents": [{"module": "testparent", "name": "a/b"}]}', 'parents[0]: bad parent name "a/b"'),
    ('{"parents": [{"module": "testparent", "name": ".."}]}', 'parents[0]: bad parent name ".."'),
    ('{"parents": [{"module": "testparent", "name": ""}]}', 'parents[0]: bad parent name ""'),
    ('{"parents": [{"module": "testparent", "name": "' + "x" * 65 + '"}]}', "bad parent name"),
    ('{"parents": [{"module": "testparent"}, {"module": "testparent"}]}',
     'parents[1]: parent name "testparent" is already used by parents[0]'),
    ('{"parents": [{"module": "testparent", "settings": []}]}',
     'parents[0]: "settings" must be an object'),
    ('{"parents": [{"module": "testparent", "settings": {"max_instances": [1]}}]}',
     'parents[0]: settings: "max_instances" must be a string, an integer or a boolean'),
    ('{"parents": [{"module": "testparent", "settings": {"max_instances": 1.5}}]}',
     'settings: "max_instances" must be'),
]


@pytest.mark.parametrize("text,message", BAD_CONFIGS)
def test_bad_config_is_refused_before_anything(tmp_path, text, message):
    cfg = tmp_path / "bad.json"
    cfg.write_text(text)
    mnt = tmp_path / "mnt"
    r = run("-f", "-c", str(cfg), str(mnt))
    assert r.returncode == 1
    assert f"{cfg}" in r.stderr and message in r.stderr, r.stderr
    assert not is_mounted(str(mnt))


@pytest.mark.parametrize("settings,message", [
    ({"color": "red"}, "unknown setting 'color'"),
    ({"max_instances": "many"}, "setting 'max_instances' must be a decimal number from 1 to 1024"),
])
def test_settings_refused_by_the_module(tmp_path, settings, message):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"parents": [
        {"module": "testparent", "name": "ok"},
        {"module": "testparent", "name": "bad", "settings": settings}]}))
    r = run("-f", "-c", str(cfg), str(tmp_path / "mnt"))
    assert r.returncode == 1
    assert message in r.stderr
    assert 'parent "bad" (module testparent): Invalid argument' in r.stderr
    # The parent registered before it was unregistered again: all or nothing.
    assert 'unregistered parent "ok"' in r.stderr
    assert not is_mounted(str(tmp_path / "mnt"))


def test_missing_config_file(tmp_path):
    r = run("-f", "-c", str(tmp_path / "none.json"), str(tmp_path / "mnt"))
    assert r.returncode == 1
    assert f"{tmp_path / 'none.json'}: No such file or directory" in r.stderr


def test_default_config_loads_the_sample_parents(tmp_path):
    """Without -c: mtty, mdpy and mbochs, each under its module's name."""
    mnt = str(tmp_path / "mnt")
    proc = subprocess.Popen([*UMDEVD, "--no-journal", "--no-vfio-user", "-f", mnt], stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 60
        while not is_mounted(mnt):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        assert sorted(os.listdir(mnt + "/class/mdev_bus")) == ["mbochs", "mdpy", "mtty"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(120) == 0
    assert not is_mounted(mnt)
    log = proc.stderr.read()
    assert re.findall(r'info: registered parent "(\w+)" \(module (\w+)\)', log) == [
        ("mtty", "mtty"), ("mdpy", "mdpy"), ("mbochs", "mbochs")]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly_in_reverse_order(start_daemon, sig):
    d = start_daemon()
    assert d.create("tp0", "testparent-a", UUIDS[0]) == 37
    assert d.create("tp1", "testparent-b", UUIDS[1]) == 37
    status = d.stop(sig)
    check_clean_exit(d, status)
    log = d.log()
    registered = re.findall(r'info: registered parent "(\w+)"', log)
    unregistered = re.findall(r'info: unregistered parent "(\w+)"', log)
    assert registered == ["tp0", "tp1", "tpfail"]
    assert unregistered == ["tpfail", "tp1", "tp0"]
    # Unmounted first, then the parents went, each removing its devices.
    assert log.index("stopping: unmounting") < log.index('unregistered parent "tpfail"')
    assert f"device-removed: {UUIDS[0]}" in log and f"device-removed: {UUIDS[1]}" in log
    assert log.rstrip().endswith("info: stopped")


def test_reload_applies_the_difference(start_daemon):
    """SIGHUP: unchanged parents keep their devices, dropped or changed ones
    are unregistered with theirs (open files then answer as the kernel's do
    after unregistration), new ones appear."""
    import errno
    d = start_daemon()
    ua, ub, uc = UUIDS[0], UUIDS[1], UUIDS[2]
    assert d.create("tp0", "testparent-a", ua) == 37
    assert d.create("tp1", "testparent-b", ub) == 37
    assert d.create("tpfail", "testparent-a", uc) == -errno.ENOSPC
    fd_create = os.open(d.create_file("tp1", "testparent-a"), os.O_WRONLY)
    # tpfail is registered again below, likely at the same address.
    fd_restarted = os.open(d.create_file("tpfail", "testparent-b"), os.O_WRONLY)
    fd_remove = os.open(os.path.join(d.device_dir(ub), "remove"), os.O_WRONLY)
    fd_avail = os.open(os.path.join(d.type_dir("tp1", "testparent-a"), "available_instances"),
                       os.O_RDONLY)
    try:
        d.config.write_text(json.dumps({"parents": [
            {"module": "testparent", "name": "tp0", "settings": {"max_instances": "3"}},
            {"module": "testparent", "name": "tpfail"},  # settings changed: restarted
            {"module": "testparent", "name": "tp2"},
        ]}))
        d.proc.send_signal(signal.SIGHUP)
        wait_for_log(d, "config reloaded: 3 parents")

        assert sorted(os.listdir(d.path("class", "mdev_bus"))) == ["tp0", "tp2", "tpfail"]
        assert d.devices() == [ua]  # tp1's device went with it
        assert not os.path.exists(d.parent_dir("tp1"))
        for fd, data in ((fd_create, uc), (fd_remove, "1"), (fd_restarted, UUIDS[3])):
            with pytest.raises(OSError) as e:
                os.write(fd, data.encode())
            assert e.value.errno == errno.ENODEV
        with pytest.raises(OSError) as e:
            os.pread(fd_avail, 10, 0)
        assert e.value.errno == errno.ENODEV
        with pytest.raises(FileNotFoundError):
            os.open(d.create_file("tp1", "testparent-a"), os.O_WRONLY)
        # tpfail now probes fine, tp2 is new, tp0 kept its device and count.
        assert d.create("tpfail", "testparent-a", uc) == 37
        assert d.create("tp2", "testparent-b", ub) == 37
        assert d.available("tp0", "testparent-a") == 2
    finally:
        for fd in (fd_create, fd_remove, fd_avail, fd_restarted):
            os.close(fd)
    log = d.log()
    reload_log = log[log.index("reloading the config"):]
    assert re.findall(r'info: (unregistered|registered) parent "(\w+)"', reload_log) == [
        ("unregistered", "tpfail"), ("unregistered", "tp1"),
        ("registered", "tpfail"), ("registered", "tp2")]


def test_reload_with_a_bad_config_changes_nothing(start_daemon):
    d = start_daemon()
    assert d.create("tp1", "testparent-a", UUIDS[0]) == 37
    before = d.snapshot()
    d.config.write_text('{"parents": [{"module": "nope"}]}')
    d.proc.send_signal(signal.SIGHUP)
    wait_for_log(d, "config not reloaded")
    assert 'parents[0]: unknown module "nope"' in d.log()
    assert d.snapshot() == before
    # And it still stops cleanly, with the parents it kept.
    check_clean_exit(d, d.stop())
    assert 'unregistered parent "tp1"' in d.log()


def test_external_unmount_stops_the_daemon(start_daemon):
    d = start_daemon()
    subprocess.run(["fusermount3", "-u", d.mnt], check=True)
    assert d.proc.wait(120) == 0
    assert 'unregistered parent "tp0"' in d.log()


def test_background_mode(tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"parents": [{"module": "testparent", "name": "bg"}]}))
    mnt = str(tmp_path / "mnt")
    log = tmp_path / "log"
    with open(log, "w") as err:
        # Returns once the tree is served, with status 0.
        r = subprocess.run([*UMDEVD, "--no-journal", "--no-vfio-user", "-c", str(cfg), mnt], stderr=err,
                           timeout=120)
    assert r.returncode == 0
    assert is_mounted(mnt)
    assert os.listdir(mnt + "/class/mdev_bus") == ["bg"]
    pid = int(re.search(r"umdevd\[(\d+)\]: info: serving", log.read_text()).group(1))
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 120
    while os.path.exists(f"/proc/{pid}") and "stopped" not in log.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert not is_mounted(mnt)
    assert log.read_text().rstrip().endswith("info: stopped")  # the log still reaches stderr


def test_background_start_failure_is_reported(tmp_path):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"parents": [{"module": "testparent", "name": "x",
                                            "settings": {"probe_errno": "no"}}]}))
    r = run("-c", str(cfg), str(tmp_path / "mnt"))
    assert r.returncode == 1
    assert "probe_errno" in r.stderr


def as_nobody(*cmd):
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           "--", *cmd], capture_output=True, text=True)


def test_other_users(start_daemon):
    """Run as root, umdevd gives every user sysfs's permissions: they read and
    list, but cannot create or remove; with --private only root gets in."""
    import tempfile
    import shutil
    base = tempfile.mkdtemp(prefix="umdev-other-users-")
    try:
        os.chmod(base, 0o755)  # the mount point must be reachable by others
        d = start_daemon(subdir="other", mnt=base + "/mnt")
        tdir = d.type_dir("tp0", "testparent-a")
        r = as_nobody("cat", tdir + "/available_instances", tdir + "/name")
        assert (r.returncode, r.stdout) == (0, "3\nTest type A\n"), r.stderr
        r = as_nobody("sh", "-c", f"echo {UUIDS[0]} > {tdir}/create")
        assert r.returncode != 0 and "Permission denied" in r.stderr
        assert d.devices() == []
        assert d.create("tp0", "testparent-a", UUIDS[0]) == 37  # root still can
        r = as_nobody("ls", d.path("bus", "mdev", "devices"), d.device_dir(UUIDS[0]))
        assert r.returncode == 0 and UUIDS[0] in r.stdout and "mdev_type" in r.stdout, r.stderr
        r = as_nobody("readlink", d.device_dir(UUIDS[0]) + "/mdev_type")
        assert r.returncode == 0 and r.stdout.strip().endswith("/testparent-a"), r.stderr
        r = as_nobody("sh", "-c", f"echo 1 > {d.device_dir(UUIDS[0])}/remove")
        assert r.returncode != 0 and "Permission denied" in r.stderr
        assert d.devices() == [UUIDS[0]]
        # mdevctl, unprivileged, in umdevd-exec's namespace (which needs root
        # to make; the command inside runs as nobody).
        r = d.exec("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                   "mdevctl", "list")
        assert r.stdout.split()[:3] == [UUIDS[0], "tp0", "testparent-a"], r.stderr
        r = d.exec("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                   "mdevctl", "types")
        assert "testparent-a" in r.stdout and "Available instances: 2" in r.stdout, r.stdout
        r = d.exec("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                   "mdevctl", "stop", "-u", UUIDS[0], check=False)
        assert r.returncode != 0 and d.devices() == [UUIDS[0]]
        check_clean_exit(d, d.stop())

        d = start_daemon(extra_args=["--private"], subdir="private", mnt=base + "/mnt")
        assert as_nobody("ls", d.mnt).returncode != 0
        check_clean_exit(d, d.stop())
    finally:
        shutil.rmtree(base, ignore_errors=True)


CAP_NET_ADMIN, CAP_SYS_ADMIN = 12, 21


def proc_status(pid):
    """The fields of /proc/PID/status, or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except FileNotFoundError:
        return None


def caps(status, kind):
    return int(status["Cap" + kind], 16)


def thread_statuses(pid):
    """/proc/PID/status of each of the process's threads (capabilities are per thread)."""
    found = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                found.append(dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line))
        except FileNotFoundError:
            pass  # a thread that just ended
    return found


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            status = proc_status(entry)
            if status and status.get("PPid") == str(pid):
                found.append(int(entry))
    return found


def wait_gone(pid):
    deadline = time.monotonic() + 10
    while proc_status(pid) is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    return proc_status(pid) is None


@pytest.mark.parametrize("uevents", [False, True])
def test_root_daemon_drops_its_privileges(start_daemon, uevents):
    """Once the tree is mounted, a root umdevd holds no capability (but
    CAP_NET_ADMIN, which the kernel checks at every uevent send), cannot
    regain one (empty bounding set, no_new_privs) and still does its whole
    job; the keeper holds CAP_SYS_ADMIN alone and leaves with the daemon."""
    parents = [{"module": "testparent", "name": "tp0"}, {"module": "mtty", "name": "mtty"}]
    d = start_daemon(parents=parents, uevents=uevents)
    d.create("tp0", "testparent-a", UUIDS[0])  # served: the drop came before
    expected = 1 << CAP_NET_ADMIN if uevents else 0
    # Under the systemd unit's sandbox (unit_sandbox.py) the unit has set the
    # bounding set already, without the CAP_SETPCAP it takes to shrink it.
    bounding = {"expected": expected, "keeper": 1 << CAP_SYS_ADMIN}
    if os.environ.get("UMDEV_SANDBOX_UNIT"):
        bounding = dict.fromkeys(bounding, 1 << CAP_SYS_ADMIN | 1 << CAP_NET_ADMIN)
    status = proc_status(d.proc.pid)
    for kind in ("Eff", "Prm", "Inh", "Amb"):
        assert caps(status, kind) == (expected if kind in ("Eff", "Prm") else 0), kind
    assert caps(status, "Bnd") == bounding["expected"]
    assert status["NoNewPrivs"] == "1"
    (keeper,) = children(d.proc.pid)
    kstatus = proc_status(keeper)
    assert kstatus["Name"] == "umdevd-keeper"
    assert caps(kstatus, "Eff") == caps(kstatus, "Prm") == 1 << CAP_SYS_ADMIN
    assert caps(kstatus, "Bnd") == bounding["keeper"]
    assert kstatus["NoNewPrivs"] == "1"
    # Everything a user does still works: create, remove, the journal, a
    # reload that adds a parent, an mtty port's pty and vfio-user socket.
    d.remove(UUIDS[0])
    d.create("mtty", "mtty-1", UUIDS[1])
    assert UUIDS[1] in d.journal.read_text() + open(str(d.journal) + ".log").read()
    with socket.socket(socket.AF_UNIX) as s:
        threads = len(thread_statuses(d.proc.pid))
        s.connect(os.path.join(d.socket_dir, UUIDS[1] + ".sock"))
        deadline = time.monotonic() + 10
        while len(thread_statuses(d.proc.pid)) == threads and time.monotonic() < deadline:
            time.sleep(0.02)
        # every thread, the vfio-user acceptor and the client's among them,
        # holds no more than the main one
        for t in thread_statuses(d.proc.pid):
            assert (caps(t, "Eff"), caps(t, "Prm")) == (expected, expected), t["Name"]
    assert os.path.exists(d.read(d.device_dir(UUIDS[1]) + "/vendor/ptys").split()[0])
    d.config.write_text(json.dumps({"parents": parents + [{"module": "testparent", "name": "tp9"}]}))
    d.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while not os.path.isdir(d.parent_dir("tp9")) and time.monotonic() < deadline:
        time.sleep(0.02)
    d.create("tp9", "testparent-a", UUIDS[2])
    # The stop unmounts through the keeper, and the keeper leaves.
    check_clean_exit(d, d.stop())
    assert wait_gone(keeper)


def test_keep_privileges_and_a_killed_daemon(start_daemon):
    """--keep-privileges keeps root's capabilities and starts no keeper; a
    daemon killed with SIGKILL takes its keeper along, and the next start
    detaches the dead tree."""
    d = start_daemon(extra_args=["--keep-privileges"], subdir="keep")
    assert caps(proc_status(d.proc.pid), "Eff") & (1 << CAP_SYS_ADMIN)
    assert children(d.proc.pid) == []
    check_clean_exit(d, d.stop())

    d = start_daemon(subdir="killed")
    (keeper,) = children(d.proc.pid)
    os.kill(d.proc.pid, signal.SIGKILL)
    d.proc.wait()
    assert wait_gone(keeper)
    d2 = start_daemon(subdir="again", mnt=d.mnt)
    assert d2.devices() == []
    check_clean_exit(d2, d2.stop())


def test_log_level_error_is_quiet(start_daemon):
    d = start_daemon(extra_args=["-l", "error"])  # the later -l wins
    assert d.create("tp0", "testparent-a", UUIDS[0]) == 37
    check_clean_exit(d, d.stop())
    assert d.log() == ""


def test_a_second_daemon_does_not_mount_over_a_live_one(tmp_path, start_daemon):
    d = start_daemon()
    d.create("tp0", "testparent-a", UUIDS[3])
    r = subprocess.run([*UMDEVD, "-f", "--no-journal", "--no-vfio-user", d.mnt],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "something is mounted there already" in r.stderr
    # The first one is untouched.
    assert d.devices() == [UUIDS[3]]
    assert is_mounted(d.mnt)


def test_no_signal_handler_is_installed(start_daemon):
    # The libraries install none and umdevd needs none: it takes SIGINT,
    # SIGTERM and SIGHUP from a signalfd, so every other signal keeps its
    # default action (SIGUSR1 and SIGUSR2 were the sysfs library's). Signals
    # 32 and up are the C library's own (thread cancellation, setxid), and a
    # sanitizer's runtime catches the crash signals to report them.
    crash = {signal.SIGILL, signal.SIGTRAP, signal.SIGABRT, signal.SIGBUS, signal.SIGFPE,
             signal.SIGSEGV}
    d = start_daemon()
    with open(f"/proc/{d.proc.pid}/status") as f:
        caught = [int(line.split()[1], 16) for line in f if line.startswith("SigCgt:")]
    standard = [sig for sig in range(1, 32) if caught[0] & (1 << (sig - 1)) and sig not in crash]
    assert standard == []


def test_debug_level_logs_every_event_through_the_one_log(start_daemon):
    d = start_daemon(extra_args=["-l", "debug"])
    assert d.create("tp0", "testparent-a", UUIDS[0]) == 37
    assert d.remove(UUIDS[0]) == 2
    d.stop()
    log = d.log_path.read_text()
    pid = d.proc.pid
    assert f"umdevd[{pid}]: debug: device-bound: {UUIDS[0]}" in log, log
    assert all(line.startswith(f"umdevd[{pid}]: ") for line in log.splitlines()), log


def test_modules_come_from_the_module_directory(tmp_path):
    # The shipped umdevd loads testparent.so from -M; --help lists it there.
    r = subprocess.run(UMDEVD + ["--help"], capture_output=True, text=True, timeout=60)
    assert f"Parent modules in {UMDEVD[2]}:" in r.stdout
    # A file that is not a module is refused by name; a missing one is unknown.
    (tmp_path / "bogus.so").write_text("not a shared object\n")
    for name, message in (("bogus", f"module {tmp_path}/bogus.so: "),
                          ("absent", 'unknown module "absent"')):
        cfg = tmp_path / "cfg.json"
        cfg.write_text(json.dumps({"parents": [{"module": name}]}))
        r = subprocess.run([UMDEVD[0], "-M", str(tmp_path), "--no-journal", "--no-vfio-user",
                            "-f", "-c", str(cfg), str(tmp_path / "mnt")],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1
        assert message in r.stderr, r.stderr
