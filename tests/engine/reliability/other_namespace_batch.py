"""A batch holding one output's lock from another PID namespace, as process ``WANTED``.

Run by test_writing_rules.py inside ``unshare -Urpf --mount-proc``: it sets the namespace's next
process id so that the lock holder has an id that no process has outside (what two containers
on one host look like to each other), takes the lock, starts the partial file, and waits.

    python other_namespace_batch.py OUTPUT READY_FILE WANTED
"""
import os
import sys
import time

output, ready, wanted = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open("/proc/sys/kernel/ns_last_pid", "w") as handle:
    handle.write(str(wanted - 1))
child = os.fork()
if child == 0:
    from hsad.engine.batch.lock import output_lock
    from hsad.engine.outputs.staging import temporary_path
    with output_lock(output):
        with open(temporary_path(output), "wb") as handle:
            handle.write(b"being written")
        with open(ready, "w") as handle:
            handle.write(str(os.getpid()))
        time.sleep(120)
    os._exit(0)
os.waitpid(child, 0)
