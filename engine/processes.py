"""Is a process still running on this host? (Locks and temporary files of killed runs.)"""
from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (without signalling it)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _windows_process_alive(pid: int) -> bool:
    import ctypes
    kernel32 = ctypes.windll.kernel32
    query_limited_information, still_active, access_denied = 0x1000, 259, 5
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return kernel32.GetLastError() == access_denied
    try:
        code = ctypes.c_ulong()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and \
            code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


# -- who owns a lock or a temporary file ------------------------------------------------------
# A process id means something only inside its PID namespace and its boot: two containers on one
# host (same host name, often) number their processes independently, and a reboot starts over.
# So a record of "process N" also says which namespace and boot it was made in, and when that
# process started (ids are reused); a record can be judged stale only when all of them say that
# its owner is gone from the namespace this process can see.


def _read(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(4096).decode("ascii", "replace").strip()
    except OSError:
        return ""


def boot_id() -> str:
    """This kernel's boot id ('' where the system has none: not Linux)."""
    return _read("/proc/sys/kernel/random/boot_id")


def machine_id() -> str:
    """The installation's machine id ('' where there is none, as in many containers)."""
    return _read("/etc/machine-id") or _read("/var/lib/dbus/machine-id")


def pid_namespace() -> str:
    """The PID namespace this process lives in ('pid:[4026531836]'; '' where unknown)."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def start_ticks(pid: int) -> str:
    """When process ``pid`` started, in clock ticks since boot ('' when gone or unknown)."""
    text = _read(f"/proc/{int(pid)}/stat")
    if not text or ")" not in text:
        return ""
    fields = text.rsplit(")", 1)[1].split()
    return fields[19] if len(fields) > 19 else ""  # field 22 of stat(5): starttime


def process_identity(pid: int = 0) -> dict:
    """What tells process ``pid`` (this one by default) from every other: host, boot, PID
    namespace, id and start time."""
    import socket
    pid = pid or os.getpid()
    return {"host": socket.gethostname(), "boot_id": boot_id(), "machine_id": machine_id(),
            "pid_ns": pid_namespace(), "pid": pid, "pid_start": start_ticks(pid)}


def owner_is_gone(owner: dict) -> bool:
    """Whether the process an ``owner`` record (of :func:`process_identity`) names has provably
    ended. False whenever it cannot be known from here: another host, another PID namespace on
    this host (a container), a record without namespace (an older hsad), or a live process."""
    here = process_identity()
    if owner.get("host") != here["host"]:
        return False
    try:
        pid = int(owner.get("pid"))
    except (TypeError, ValueError):
        return False
    if not here["boot_id"]:  # no PID namespaces here (Windows, macOS): the id is the host's
        return owner.get("boot_id") == "" and pid != os.getpid() and not process_alive(pid)
    if not owner.get("boot_id"):
        return False
    if owner["boot_id"] != here["boot_id"]:
        # the same installation (machine id) booted since: every process of that boot is gone
        return bool(here["machine_id"]) and owner.get("machine_id") == here["machine_id"]
    if not owner.get("pid_ns") or owner.get("pid_ns") != here["pid_ns"]:
        return False
    if pid == os.getpid():
        return str(owner.get("pid_start", "")) != here["pid_start"]
    if not process_alive(pid):
        return True
    started = start_ticks(pid)  # a live process with that id: the owner only if it started then
    return bool(started) and bool(owner.get("pid_start")) and started != str(owner["pid_start"])
