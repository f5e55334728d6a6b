# SPDX-License-Identifier: MIT
"""Several processes creating and removing at once, and readers walking
the tree meanwhile, leave a consistent tree; every errno is one the
kernel could give for that race."""

import errno
import os
import subprocess
import sys
import textwrap
import threading

from conftest import UUIDS

WRITERS = 4
ROUNDS = 60

# One writer: creates and removes from a pool of UUIDs shared with the
# others, on both parents; prints "ok" at the end or the first bad errno.
WRITER = textwrap.dedent("""
    import errno, os, random, sys
    mnt, seed, uuids = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    rng = random.Random(seed)
    def write(path, data):
        try:
            fd = os.open(path, os.O_WRONLY)
        except OSError as e:
            return -e.errno
        try:
            return os.write(fd, data.encode())
        except OSError as e:
            return -e.errno
        finally:
            os.close(fd)
    for _ in range(%d):
        u = rng.choice(uuids)
        parent = rng.choice(["tp0", "tp1"])
        t = rng.choice(["testparent-a", "testparent-b"])
        if rng.random() < 0.5:
            r = write(f"{mnt}/devices/virtual/testparent/{parent}/mdev_supported_types/{t}/create", u + "\\n")
            allowed = (37, -errno.EEXIST, -errno.EUSERS)
        else:
            r = write(f"{mnt}/bus/mdev/devices/{u}/remove", "1")
            # gone already, gone meanwhile, or still being created by another writer
            allowed = (1, -errno.ENOENT, -errno.ENODEV, -errno.EAGAIN)
        if r not in allowed:
            print(f"unexpected {r} for {u}")
            sys.exit(1)
    print("ok")
""") % ROUNDS

# One reader: lists and follows everything; an entry may vanish between
# readdir and use (ENOENT), nothing else may fail.
READER = textwrap.dedent("""
    import errno, os, sys
    mnt = sys.argv[1]
    for _ in range(40):
        for root in ("bus/mdev/devices", "devices/virtual/testparent/tp0", "devices/virtual/testparent/tp1"):
            for name in os.listdir(os.path.join(mnt, root)):
                p = os.path.join(mnt, root, name)
                try:
                    os.stat(p)
                    if os.path.islink(p):
                        os.readlink(p)
                    elif os.path.isdir(p):
                        os.listdir(p)
                    if len(name) == 36:  # a device, not a parent's own entry
                        os.path.realpath(os.path.join(p, "mdev_type"))
                except OSError as e:
                    if e.errno != errno.ENOENT:
                        print(f"unexpected {e} on {p}")
                        sys.exit(1)
    print("ok")
""")


def test_concurrent_writers_leave_a_consistent_tree(start_daemon):
    d = start_daemon(parents=[
        {"module": "testparent", "name": "tp0", "settings": {"max_instances": "5"}},
        {"module": "testparent", "name": "tp1", "settings": {"max_instances": "5"}},
    ])
    pool = UUIDS[:12]
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, d.mnt, str(seed), *pool],
                              stdout=subprocess.PIPE, text=True) for seed in range(WRITERS)]
    procs += [subprocess.Popen([sys.executable, "-c", READER, d.mnt],
                               stdout=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:
        out, _ = p.communicate(timeout=600)
        assert p.returncode == 0 and out.strip() == "ok", out

    check_consistent(d)
    # Everything can still be removed, and then the counts are whole again.
    for u in d.devices():
        assert d.remove(u) == 2
    check_consistent(d)
    assert d.devices() == []
    for parent in ("tp0", "tp1"):
        assert d.available(parent, "testparent-a") == 5


def check_consistent(d):
    """The three views of the devices agree, and the counts match them."""
    bus = set(d.devices())
    by_parent = {}
    for parent in ("tp0", "tp1"):
        pdir = d.parent_dir(parent)
        children = set(os.listdir(pdir)) - {"mdev_supported_types", "power", "subsystem", "uevent"}
        by_parent[parent] = children
        typed = set()
        for t in ("testparent-a", "testparent-b"):
            tdevs = set(os.listdir(os.path.join(d.type_dir(parent, t), "devices")))
            for u in tdevs:
                assert os.path.realpath(os.path.join(pdir, u, "mdev_type")).endswith("/" + t)
            typed |= tdevs
        assert typed == children
        assert d.available(parent, "testparent-a") == 5 - len(children)
        assert d.available(parent, "testparent-b") == 5 - len(children)
        for u in children:
            assert os.path.realpath(d.device_dir(u)) == os.path.join(pdir, u)
            assert "remove" in os.listdir(os.path.join(pdir, u))
    assert by_parent["tp0"].isdisjoint(by_parent["tp1"])
    assert bus == by_parent["tp0"] | by_parent["tp1"]
    assert "device-added" in d.log()


def test_concurrent_creates_of_one_uuid_only_one_wins(start_daemon):
    d = start_daemon()
    u = UUIDS[99]
    script = textwrap.dedent("""
        import os, sys
        path, u = sys.argv[1], sys.argv[2]
        try:
            fd = os.open(path, os.O_WRONLY)
            os.write(fd, u.encode())
            print("created")
        except OSError as e:
            print(e.errno)
    """)
    targets = [d.create_file(p, t) for p in ("tp0", "tp1") for t in ("testparent-a", "testparent-b")]
    procs = [subprocess.Popen([sys.executable, "-c", script, path, u], stdout=subprocess.PIPE,
                              text=True) for path in targets * 2]
    results = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert results.count("created") == 1, results
    assert all(r in ("created", str(errno.EEXIST)) for r in results), results
    assert d.devices() == [u]


def test_concurrent_reads_of_one_open_file_each_see_one_whole_value(start_daemon):
    # Threads sharing one descriptor read at offset 0 (each read runs the
    # show) while another process changes the value between a short and a
    # long text. kernfs serialises reads of one open file; a read must
    # never return part of one show and part of another.
    d = start_daemon()
    assert d.create("tp0", "testparent-a", UUIDS[0]) == 37
    value = os.path.join(d.device_dir(UUIDS[0]), "vendor", "value")
    short, long = "s", "L" * 64
    assert d.write(value, short) == 1
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import os, sys
        path, texts = sys.argv[1], sys.argv[2:]
        for i in range(3000):
            fd = os.open(path, os.O_WRONLY)
            os.write(fd, texts[i % 2].encode())
            os.close(fd)
        """), value, short, long])
    fd = os.open(value, os.O_RDONLY)
    seen, bad = set(), []

    def reader():
        while writer.poll() is None and not bad:
            text = os.pread(fd, 4096, 0).decode()
            if text not in (short + "\n", long + "\n"):
                bad.append(text)
            seen.add(text)

    try:
        threads = [threading.Thread(target=reader) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        writer.kill()
        writer.wait()
        os.close(fd)
    assert not bad, bad[:3]
    assert len(seen) == 2  # both values were read, so the reads did overlap changes
