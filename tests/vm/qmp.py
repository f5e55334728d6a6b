#!/usr/bin/env python3
"""tests/vm/qmp.py: a small QMP client for the VM tests (python3 standard library only).

    tests/vm/qmp.py SOCKET COMMAND [ARGUMENTS-JSON] [--event NAME [--match KEY=VALUE]...]
                    [--timeout SECONDS]

Connects to QEMU's QMP server on the unix socket SOCKET (tests/vm/run --qmp), retrying until the
socket answers or the timeout passes, reads the greeting, leaves capabilities negotiation
(qmp_capabilities), then sends COMMAND with ARGUMENTS-JSON (an object, default none) and prints
its reply. With --event it then waits for an event NAME whose "data" has every KEY equal to VALUE
(e.g. --event DEVICE_DELETED --match device=dev0), also among the events that came before the
reply. Every event read is printed as "event NAME DATA (+S.SSS s)", S counted from the moment the
command was sent; the last line is "done in S.SSS s" (the reply, or the event waited for).

Exits 0 when the command succeeded (and the event came); 1 on an error reply, 2 when the timeout
(default 60 s, for the whole run) passed first, 3 when QEMU could not be reached or closed the
connection, 4 on a usage error.

As a module: Qmp(path, timeout).command(name, **args), .wait_event(name, timeout, **match).
"""
import json
import socket
import sys
import time


class QmpError(Exception):
    pass


class QmpClosed(Exception):
    pass


class Qmp:
    def __init__(self, path, timeout=60.0):
        deadline = time.monotonic() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.sock.close()
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""
        self.events = []  # events read and not yet taken by wait_event
        self.start = time.monotonic()
        greeting = self._read(deadline)
        if "QMP" not in greeting:
            raise QmpError(f"no QMP greeting: {greeting}")
        self.version = greeting["QMP"].get("version", {}).get("qemu", {})
        self.command("qmp_capabilities", _deadline=deadline)

    def _read(self, deadline):
        """The next JSON message, or TimeoutError once deadline (monotonic) has passed."""
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError from None
            if not data:
                raise QmpClosed("QEMU closed the QMP connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        msg = json.loads(line)
        if "event" in msg:
            print(f"event {msg['event']} {json.dumps(msg.get('data', {}))} "
                  f"(+{time.monotonic() - self.start:.3f} s)", flush=True)
            self.events.append(msg)
        return msg

    def command(self, name, _deadline=None, **args):
        """Sends command name with args; returns its "return" value or raises QmpError."""
        deadline = _deadline if _deadline is not None else time.monotonic() + 60
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.start = time.monotonic()
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read(deadline)
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                err = reply["error"]
                raise QmpError(f"{name}: {err.get('class')}: {err.get('desc')}")

    def wait_event(self, name, timeout, **match):
        """The first event name whose data matches, read or already seen; TimeoutError if none."""
        deadline = time.monotonic() + timeout

        def fits(ev):
            data = ev.get("data", {})
            return ev["event"] == name and all(str(data.get(k)) == v for k, v in match.items())

        while True:
            for ev in self.events:
                if fits(ev):
                    self.events.remove(ev)
                    return ev
            self.events.clear()
            self._read(deadline)


def main(argv):
    args = argv[1:]
    event, match, timeout = None, {}, 60.0
    pos = []
    while args:
        a = args.pop(0)
        if a == "--event":
            event = args.pop(0)
        elif a == "--match":
            k, _, v = args.pop(0).partition("=")
            match[k] = v
        elif a == "--timeout":
            timeout = float(args.pop(0))
        elif a in ("-h", "--help"):
            print(__doc__.split("\n\n")[1])
            return 0
        else:
            pos.append(a)
    if len(pos) not in (2, 3):
        print("usage: qmp.py SOCKET COMMAND [ARGUMENTS-JSON] [--event NAME [--match K=V]...] "
              "[--timeout S]", file=sys.stderr)
        return 4
    path, name = pos[0], pos[1]
    arguments = json.loads(pos[2]) if len(pos) == 3 else {}
    deadline = time.monotonic() + timeout
    try:
        q = Qmp(path, timeout)
        print(f"connected to QEMU {q.version.get('major')}.{q.version.get('minor')}."
              f"{q.version.get('micro')}", flush=True)
        ret = q.command(name, _deadline=deadline, **arguments)
        print(f"return {json.dumps(ret)} (+{time.monotonic() - q.start:.3f} s)", flush=True)
        if event:
            q.wait_event(event, max(0.0, deadline - time.monotonic()), **match)
        print(f"done in {time.monotonic() - q.start:.3f} s", flush=True)
        return 0
    except QmpError as e:
        print(f"error: {e}", flush=True)
        return 1
    except TimeoutError:
        print(f"timeout: nothing more after {timeout:g} s", flush=True)
        return 2
    except (QmpClosed, ConnectionError, OSError) as e:
        print(f"closed: {e}", flush=True)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))
