#!/usr/bin/python3
# tests/vm/serial-stream.py: the host side of the guest's check_serial_stream (tests/vm/guest/init),
# run by tests/vm/umdev-check before it boots the guest.
#
#   serial-stream.py PTY...
#
# Like a terminal left open on the port, or a script feeding it: from the start it writes the line
# "umdev host line N" to every PTY every 0.2 s, whether or not the guest has opened the port, and
# never waits for the guest (non-blocking writes; a write the pty cannot take now is counted and
# dropped, and the next tick goes on). Meanwhile it prints every line the guest sends as
#   PTY: guest said 'LINE'
# It prints "writing" once its first lines are written (the caller boots the guest only then).
# Stops at SIGTERM or SIGINT and prints, per PTY, how many lines it wrote and how many writes the
# pty refused.
import os
import select
import signal
import sys
import time

ptys = sys.argv[1:]
fds = [os.open(p, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK) for p in ptys]
written = [0] * len(fds)
refused = [0] * len(fds)
pending = [b""] * len(fds)
stop = False


def on_signal(signum, frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)

n = 0
next_write = time.monotonic()
while not stop:
    now = time.monotonic()
    if now >= next_write:
        for i, fd in enumerate(fds):
            try:
                os.write(fd, f"umdev host line {n}\n".encode())
                written[i] += 1
            except BlockingIOError:
                refused[i] += 1
        if n == 0:
            print("writing", flush=True)
        n += 1
        next_write = now + 0.2
    try:
        ready = select.select(fds, [], [], max(0.0, next_write - time.monotonic()))[0]
    except InterruptedError:
        continue
    for fd in ready:
        i = fds.index(fd)
        try:
            pending[i] += os.read(fd, 4096)
        except BlockingIOError:
            continue
        while b"\n" in pending[i]:
            line, pending[i] = pending[i].split(b"\n", 1)
            print(f"{ptys[i]}: guest said {line.decode(errors='replace').strip()!r}", flush=True)
for i, p in enumerate(ptys):
    print(f"{p}: host wrote {written[i]} lines, {refused[i]} writes refused", flush=True)
