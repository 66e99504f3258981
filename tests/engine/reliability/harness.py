"""Running a corpus case and judging what it left: the one set of rules every case must meet.

A run is judged by its exit code, its message (one line naming the file, no traceback, no raw
warning) and the folder it ran in: every input byte unchanged (side-cars included), nothing
new but what the case allows.
"""
from __future__ import annotations

import faulthandler
import hashlib
import os
import resource
import signal
import stat
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from support import hsad_command

# What a hostile input may make hsad allocate beyond what the process already holds: a
# blow-up fails the test (MemoryError, exit 1) instead of swapping the machine.
MEMORY_CAP = 2 * 1024 ** 3
SUBPROCESS_MEMORY_CAP = 3 * 1024 ** 3
SUBPROCESS_TIMEOUT = 120
# An in-process run that hangs (a FIFO opened after all) ends the test session with the stack of
# every thread, rather than hanging it.
IN_PROCESS_TIMEOUT = 120


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    warnings: list


def snapshot(folder: Path) -> dict:
    """{relative path: what it is} of everything under ``folder`` (links not followed):
    a sha256 for files, the target for links, the kind for FIFOs and folders."""
    seen = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            mode = os.lstat(path).st_mode
            key = os.path.relpath(path, folder)
            if stat.S_ISLNK(mode):
                seen[key] = "link -> " + os.readlink(path)
            elif stat.S_ISDIR(mode):
                seen[key] = "folder"
            elif stat.S_ISREG(mode):
                seen[key] = _file_hash(path)
            else:
                seen[key] = f"special {stat.S_IFMT(mode):o}"
    return seen


# Files larger than this (a terabyte of holes) are identified by their size, their allocated
# blocks and a hash of their first and last MB: hashing them whole would take hours.
WHOLE_HASH_LIMIT = 256 * 1024 ** 2


def _file_hash(path: str) -> str:
    digest = hashlib.sha256()
    status = os.stat(path)
    with open(path, "rb") as handle:
        if status.st_size <= WHOLE_HASH_LIMIT:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
            return digest.hexdigest()
        digest.update(handle.read(1 << 20))
        handle.seek(-(1 << 20), os.SEEK_END)
        digest.update(handle.read(1 << 20))
    return f"{digest.hexdigest()} {status.st_size} {getattr(status, 'st_blocks', 0)}"


def left_behind(before: dict, after: dict, folder: Path, allowed=()) -> tuple:
    """(inputs changed or gone, new entries not allowed)."""
    allowed = {os.path.relpath(a, folder) for a in allowed}
    changed = sorted(k for k, v in before.items() if after.get(k) != v)
    new = sorted(k for k in after if k not in before and k not in allowed)
    return changed, new


def run_in_process(argv: list, capfd) -> Outcome:
    """``hsad ARGV`` in this process (what the `hsad` script runs), under a memory cap."""
    from hsad.engine.cli.main import main
    capfd.readouterr()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = vm_size() + MEMORY_CAP
    handler = signal.getsignal(signal.SIGTERM)
    resource.setrlimit(resource.RLIMIT_AS, (min(cap, hard) if hard != resource.RLIM_INFINITY
                                            else cap, hard))
    faulthandler.dump_traceback_later(IN_PROCESS_TIMEOUT, exit=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                code = main([str(a) for a in argv])
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        faulthandler.cancel_dump_traceback_later()
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.signal(signal.SIGTERM, handler)
    out, err = capfd.readouterr()
    return Outcome(code, out, err, [f"{w.category.__name__}: {w.message}" for w in caught])


class FdCapture:
    """What pytest's capfd does, for scripts: file descriptors 1 and 2 into temporary files
    (GDAL writes to them from C, past sys.stderr); ``readouterr()`` returns and restarts."""

    def __init__(self):
        import tempfile
        self._files = [tempfile.TemporaryFile() for _ in (1, 2)]
        self._saved = [os.dup(1), os.dup(2)]
        self._start()

    def _start(self) -> None:
        import sys
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, handle in zip((1, 2), self._files):
            handle.seek(0)
            handle.truncate()
            os.dup2(handle.fileno(), fd)

    def readouterr(self) -> tuple:
        import sys
        sys.stdout.flush()
        sys.stderr.flush()
        texts = []
        for handle in self._files:
            handle.seek(0)
            texts.append(handle.read().decode(errors="replace"))
        self._start()
        return tuple(texts)

    def close(self) -> None:
        for fd, saved in zip((1, 2), self._saved):
            os.dup2(saved, fd)
            os.close(saved)
        for handle in self._files:
            handle.close()


def run_as_process(argv: list) -> Outcome:
    """``hsad ARGV`` as a real process, its address space capped (a blow-up fails it)."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (SUBPROCESS_MEMORY_CAP, SUBPROCESS_MEMORY_CAP))
    done = subprocess.run(hsad_command() + [os.fsencode(str(a)) for a in argv],
                          capture_output=True, timeout=SUBPROCESS_TIMEOUT, preexec_fn=cap)
    return Outcome(done.returncode, done.stdout.decode(errors="replace"),
                   done.stderr.decode(errors="replace"), [])


def vm_size() -> int:
    """This process's address space (what RLIMIT_AS counts), in bytes."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def judge(case, setup, outcome: Outcome) -> list:
    """What is wrong with a run of ``case`` (empty when it behaved)."""
    problems = []
    if outcome.code != case.exit_code:
        problems.append(f"exit {outcome.code}, expected {case.exit_code}")
    text = outcome.stderr
    lines = [line for line in text.splitlines() if line.strip()]
    if "Traceback" in text:
        problems.append("a traceback")
    if "Warning" in text or outcome.warnings:
        problems.append(f"a raw warning: {outcome.warnings or text}")
    if case.exit_code == 2:
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines of message")
    matching = [line for line in lines if case.expect in line and setup.names in line]
    if case.expect and not matching:
        problems.append(f"no line says '{case.expect}' naming {setup.names}")
    return problems


def message_of(setup, outcome: Outcome) -> str:
    """The line of the message that names the file (what docs/reliability.md shows)."""
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    naming = [line for line in lines if setup.names in line]
    return (naming or lines or [""])[0]
