#!/usr/bin/python3
"""tests/vm/host-serial.py: the host's side of the guest's serial check (umdev.serial in
tests/vm/guest/init), on the ptys of an mtty device that a guest uses.

    host-serial.py LSPCI SOCKET OUTDIR PTY...

For each port in turn it waits (600 s at most) for the guest's line on the port's pty, then
answers "umdev host to guest N". On the first port, before answering, it tries a second client
on the device's SOCKET (LSPCI, i.e. umdev-lspci, while the VMM holds the device) and writes what
it got to OUTDIR/second-client.txt ("exit STATUS" then its output). The ptys are opened before
the guest speaks. Exits 1 if a port stays silent."""
import os, select, subprocess, sys, time
lspci, socket, out, ptys = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
fds = [os.open(p, os.O_RDWR | os.O_NOCTTY) for p in ptys]  # open before the guest speaks
deadline = time.monotonic() + 600
for n, fd in enumerate(fds):
    got = b""
    while b"\n" not in got:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            print(f"port {n} ({ptys[n]}): nothing from the guest, got {got!r}", flush=True)
            sys.exit(1)
        got += os.read(fd, 256)
    print(f"port {n} ({ptys[n]}): host read {got.decode(errors='replace').strip()!r}", flush=True)
    if n == 0:
        r = subprocess.run(["timeout", "30", lspci, socket], capture_output=True, text=True)
        with open(os.path.join(out, "second-client.txt"), "w") as f:
            f.write(f"exit {r.returncode}\n{r.stdout}{r.stderr}")
    os.write(fd, f"umdev host to guest {n}\n".encode())
    print(f"port {n} ({ptys[n]}): host wrote 'umdev host to guest {n}'", flush=True)
