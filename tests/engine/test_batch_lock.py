"""One batch per output: a second batch on the same output folder leaves a running one alone."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from hsad.engine.batch import DONE, FAILED, plan_batch, run_batch
from hsad.engine.batch.lock import OutputBusy, lock_path, output_lock
from hsad.engine.processes import process_alive, process_identity
from hsad.engine.batch.runner import remove_leftovers_unless_busy
from hsad.engine.pipeline import DetectParameters
from support import partial_path, scene_with_targets, write_cube

RX = DetectParameters(method="rx")


@pytest.fixture
def one_scene(tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    cube, _ = scene_with_targets(rows=24, cols=20, bands=12, seed=0, targets=((3, 4),))
    write_cube(root / "s.bsq", cube)
    return plan_batch(root, out, "rx"), out


@pytest.fixture
def running_process():
    """A live process that is not this one: the other batch."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process.pid
    process.kill()
    process.wait()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _hold(output: str, pid: int, host: str = None, **identity) -> str:
    """A lock as process ``pid`` of this host, boot and PID namespace writes it (``identity``
    changes what it records)."""
    path = lock_path(output)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    owner = {**process_identity(pid), "host": host or socket.gethostname(), "started": "earlier",
             **identity}
    with open(path, "w") as handle:
        json.dump(owner, handle)
    return path


def test_the_lock_exists_while_a_scene_is_scored_and_is_gone_after(one_scene, tmp_path):
    jobs, out = one_scene
    output = jobs[0].output
    with output_lock(output):
        held = json.load(open(lock_path(output)))
        assert held["pid"] == os.getpid() and held["host"] == socket.gethostname()
        with pytest.raises(OutputBusy, match=f"process {os.getpid()}"):
            with output_lock(output):
                pass
    assert not os.path.exists(lock_path(output))
    summary = run_batch(jobs, out, RX)
    assert summary.records[0].status == DONE
    assert not os.path.exists(lock_path(output))
    assert not [n for n in os.listdir(out) if n.endswith(".hsad-lock")]


def test_a_running_batch_keeps_its_scene_and_its_partial_file(one_scene, running_process):
    jobs, out = one_scene
    output = jobs[0].output
    lock = _hold(output, running_process)
    partial = partial_path(output, running_process)  # what that batch is writing
    partial.write_bytes(b"being written")
    summary = run_batch(jobs, out, RX)
    record = summary.records[0]
    assert record.status == FAILED
    assert "is being scored by another batch" in record.error and lock in record.error
    assert "\n" not in record.error
    assert partial.read_bytes() == b"being written"
    assert not os.path.exists(output)
    assert json.load(open(lock))["pid"] == running_process  # still the other batch's
    remove_leftovers_unless_busy(output)  # the cleanup after a cancelled local cluster
    assert partial.exists()


def test_the_lock_of_a_killed_batch_is_taken_over(one_scene):
    jobs, out = one_scene
    dead = _dead_pid()
    assert not process_alive(dead)
    _hold(jobs[0].output, dead)
    leftover = partial_path(jobs[0].output, dead)
    leftover.write_bytes(b"half")
    summary = run_batch(jobs, out, RX)
    assert summary.records[0].status == DONE
    assert not leftover.exists() and not os.path.exists(lock_path(jobs[0].output))


def test_a_lock_from_another_host_is_respected(one_scene):
    jobs, out = one_scene
    lock = _hold(jobs[0].output, os.getpid(), host="another-host.example")
    summary = run_batch(jobs, out, RX)
    assert summary.records[0].status == FAILED
    assert "on another-host.example" in summary.records[0].error
    assert f"delete {lock}" in summary.records[0].error


def test_a_lock_being_written_is_busy_until_it_is_old(one_scene):
    jobs, out = one_scene
    lock = lock_path(jobs[0].output)
    os.makedirs(os.path.dirname(lock), exist_ok=True)
    open(lock, "w").close()  # created, not written yet
    assert run_batch(jobs, out, RX).records[0].status == FAILED
    old = time.time() - 3600
    os.utime(lock, (old, old))  # its creator died before writing it
    assert run_batch(jobs, out, RX).records[0].status == DONE


def test_process_alive():
    assert process_alive(os.getpid())
    assert not process_alive(_dead_pid())
    assert not process_alive(0)


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_a_signal_while_the_lock_is_being_written_leaves_no_lock(tmp_path, monkeypatch):
    """SIGTERM right after a batch finished a scene lands in the next scene's lock creation."""
    import hsad.engine.batch.lock as lock

    dump = json.dump

    def dump_then_interrupted(owner, handle):
        dump(owner, handle)
        signal.raise_signal(signal.SIGINT)  # Python's own handler: KeyboardInterrupt

    monkeypatch.setattr(lock.json, "dump", dump_then_interrupted)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # even if inherited ignored
    output = str(tmp_path / "s_rx.tif")
    try:
        with pytest.raises(KeyboardInterrupt):
            with output_lock(output):
                pass
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not os.path.exists(lock_path(output))


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_a_signal_while_the_lock_is_being_removed_leaves_no_lock(tmp_path, monkeypatch):
    """Ctrl-C the moment a scene ends lands while its lock is read back for removal."""
    import hsad.engine.batch.lock as lock

    holder = lock._holder

    def holder_then_interrupted(path):
        found = holder(path)
        signal.raise_signal(signal.SIGINT)
        return found

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    output = str(tmp_path / "s_rx.tif")
    try:
        with pytest.raises(KeyboardInterrupt):
            with output_lock(output):
                monkeypatch.setattr(lock, "_holder", holder_then_interrupted)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not os.path.exists(lock_path(output))
