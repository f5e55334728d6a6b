#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs umdevd inside the sandbox that its systemd unit asks for, without
systemd: the tests cannot start a unit here (no systemd as PID 1), so this
applies the unit's own settings, read from the unit file, the way systemd
applies them, then executes umdevd with the given arguments.

    UMDEV_SANDBOX_UNIT=umdevd.service UMDEV_SANDBOX_EXEC=umdevd unit_sandbox.py ARG...

Applied: CapabilityBoundingSet=, NoNewPrivileges=, SystemCallFilter=~ (the
groups resolved by systemd-analyze), SystemCallErrorNumber=,
SystemCallArchitectures=native, RestrictAddressFamilies=,
RestrictNamespaces=, MemoryDenyWriteExecute=, LockPersonality=,
RestrictRealtime=, RestrictSUIDSGID=, UMask=. A setting the unit has and
this script does not know fails loudly, so the unit cannot grow untested.
"""
import ctypes
import errno
import os
import socket
import stat
import subprocess
import sys

import seccomp

# Settings that constrain nothing umdevd does, or are not sandboxing.
NOT_SANDBOXING = {"Type", "ExecStart", "ExecReload", "KillSignal", "TimeoutStopSec",
                  "StateDirectory", "StateDirectoryMode", "RuntimeDirectory",
                  "RuntimeDirectoryPreserve", "Restart", "KeyringMode"}

CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]

NAMESPACE_FLAGS = {"mnt": 0x00020000, "cgroup": 0x02000000, "uts": 0x04000000,
                   "ipc": 0x08000000, "user": 0x10000000, "pid": 0x20000000,
                   "net": 0x40000000}

PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 38, 24
PROT_WRITE, PROT_EXEC, SHM_EXEC = 0x2, 0x4, 0o100000


def service_settings(path):
    """[Service] settings in order: (key, value) pairs, repeated keys kept."""
    section, settings = None, []
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, value = line.split("=", 1)
            settings.append((key.strip(), value.strip()))
    return settings


def syscall_group(name, seen=None):
    """The system calls of a systemd group (@name), nested groups resolved."""
    seen = seen if seen is not None else set()
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True,
                         text=True, check=True).stdout
    calls = set()
    for word in out.split():
        if word.startswith("#") or word == name:
            continue
        if word.startswith("@"):
            if word not in seen:
                seen.add(word)
                calls |= syscall_group(word, seen)
        elif word.replace("_", "").isalnum():
            calls.add(word)
    return calls


def add(f, action, call, *args):
    try:
        f.add_rule(action, call, *args)
    except (RuntimeError, ValueError):
        pass  # not a system call of this architecture


def main():
    unit, target = os.environ["UMDEV_SANDBOX_UNIT"], os.environ["UMDEV_SANDBOX_EXEC"]
    settings = service_settings(unit)
    libc = ctypes.CDLL(None, use_errno=True)
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    deny_errno = errno.EPERM
    no_new_privs = False
    denied_calls = set()
    for key, value in settings:
        if key == "SystemCallErrorNumber":
            deny_errno = getattr(errno, value)
    for key, value in settings:
        if key in NOT_SANDBOXING:
            continue
        if key == "CapabilityBoundingSet":
            keep = set(value.split())
            last = int(open("/proc/sys/kernel/cap_last_cap").read())
            for cap in range(last + 1):
                if cap >= len(CAPS) or CAPS[cap] not in keep:
                    if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0):
                        sys.exit(f"unit_sandbox: cannot drop capability {cap}")
        elif key == "NoNewPrivileges":
            no_new_privs = value == "yes"  # set below, before the filter is loaded
        elif key == "SystemCallFilter" and value.startswith("~"):
            for item in value[1:].split():
                denied_calls |= syscall_group(item) if item.startswith("@") else {item}
        elif key == "SystemCallErrorNumber":
            pass
        elif key == "SystemCallArchitectures" and value == "native":
            pass  # a libseccomp filter admits the native architecture alone
        elif key == "RestrictAddressFamilies":
            allowed = {getattr(socket, name) for name in value.split()}
            for family in range(64):
                if family not in allowed:
                    add(f, seccomp.ERRNO(errno.EAFNOSUPPORT), "socket",
                        seccomp.Arg(0, seccomp.EQ, family))
        elif key == "RestrictNamespaces":
            allowed = set(value.split()) if value not in ("yes", "no") else (
                set() if value == "yes" else set(NAMESPACE_FLAGS))
            for ns, flag in NAMESPACE_FLAGS.items():
                if ns in allowed:
                    continue
                add(f, seccomp.ERRNO(deny_errno), "unshare", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
                add(f, seccomp.ERRNO(deny_errno), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
                add(f, seccomp.ERRNO(deny_errno), "setns", seccomp.Arg(1, seccomp.MASKED_EQ, flag, flag))
            # As systemd: clone3's flags are out of a filter's reach, so it is refused
            # and the C library falls back to clone.
            add(f, seccomp.ERRNO(errno.ENOSYS), "clone3")
        elif key == "MemoryDenyWriteExecute" and value == "yes":
            wx = PROT_WRITE | PROT_EXEC
            add(f, seccomp.ERRNO(deny_errno), "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, wx, wx))
            add(f, seccomp.ERRNO(deny_errno), "mprotect", seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
            add(f, seccomp.ERRNO(deny_errno), "pkey_mprotect", seccomp.Arg(2, seccomp.MASKED_EQ, PROT_EXEC, PROT_EXEC))
            add(f, seccomp.ERRNO(deny_errno), "shmat", seccomp.Arg(2, seccomp.MASKED_EQ, SHM_EXEC, SHM_EXEC))
        elif key == "LockPersonality" and value == "yes":
            # Only PER_LINUX stays: stricter than systemd, which also lets the
            # query (0xffffffff) through; one rule cannot compare an argument twice.
            add(f, seccomp.ERRNO(deny_errno), "personality", seccomp.Arg(0, seccomp.NE, 0))
        elif key == "RestrictRealtime" and value == "yes":
            for policy in (1, 2, 6):  # SCHED_FIFO, SCHED_RR, SCHED_DEADLINE
                add(f, seccomp.ERRNO(deny_errno), "sched_setscheduler", seccomp.Arg(1, seccomp.EQ, policy))
        elif key == "RestrictSUIDSGID" and value == "yes":
            for bit in (stat.S_ISUID, stat.S_ISGID):
                add(f, seccomp.ERRNO(deny_errno), "chmod", seccomp.Arg(1, seccomp.MASKED_EQ, bit, bit))
                add(f, seccomp.ERRNO(deny_errno), "fchmod", seccomp.Arg(1, seccomp.MASKED_EQ, bit, bit))
                add(f, seccomp.ERRNO(deny_errno), "fchmodat", seccomp.Arg(2, seccomp.MASKED_EQ, bit, bit))
        elif key == "UMask":
            os.umask(int(value, 8))
        else:
            sys.exit(f"unit_sandbox: {unit}: {key}={value} is not emulated; teach unit_sandbox.py")
    for call in sorted(denied_calls):
        add(f, seccomp.ERRNO(deny_errno), call)
    if no_new_privs and libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
        sys.exit("unit_sandbox: cannot set no_new_privs")
    if "ptrace" in denied_calls and "ASAN_OPTIONS" in os.environ:
        # LeakSanitizer stops the world at exit with ptrace, which the filter
        # denies (@debug): in an ASan build the leak check is left to the
        # other suites, which run umdevd unsandboxed.
        os.environ["ASAN_OPTIONS"] += ":detect_leaks=0"
    f.load()
    os.execv(target, [target, *sys.argv[1:]])


if __name__ == "__main__":
    main()
