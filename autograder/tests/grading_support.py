"""Names the autograder tests share (a plain module: ``conftest`` is ambiguous across test folders)."""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from distributed import Client

from autograder import demo
from autograder.kernel import cgroups

ASSIGNMENT = demo.expected()["assignment"]
needs_sandbox = pytest.mark.skipif(shutil.which("bwrap") is None,
                                   reason="bubblewrap is not installed (make install installs it)")


def tree(root, skip=None):
    """{relative path: (size, mtime)} of every file under ``root`` outside ``skip``."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file() and (skip is None or skip not in p.parents)}


GRADER_OUTPUTS = ("submitted", "autograded", "feedback", "grading", "gradebook.db")


def checksums(root, skip=GRADER_OUTPUTS):
    """{relative path: SHA-256} of every file and link under ``root`` outside the top-level ``skip`` names."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in skip or not (path.is_file() or path.is_symlink()):
            continue
        found[str(relative)] = (f"link to {path.readlink()}" if path.is_symlink()
                                else hashlib.sha256(path.read_bytes()).hexdigest())
    return found


class HandStartedCluster:
    """``dask scheduler`` and ``dask worker`` processes on localhost, as an instructor starts them by hand
    (the scheduler leaves retries to the grader, as the README asks); ``refusing`` workers have no
    bubblewrap."""

    def __init__(self, folder, workers=2, refusing=0):
        self.scheduler_file = str(folder / "scheduler.json")
        env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
        self.processes = [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--scheduler-file", self.scheduler_file,
             "--port", "0", "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        for number in range(workers + refusing):
            worker_env = dict(env, PATH="/nonexistent") if number >= workers else env
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", self.scheduler_file,
                 "--nthreads", "1", "--no-dashboard", "--local-directory", str(folder / f"worker{number}"),
                 "--preload", "autograder.engine.cluster"],
                env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.client = None

    def wait(self, workers, timeout=180):
        """A client once ``workers`` workers have joined."""
        deadline = time.monotonic() + timeout
        while not Path(self.scheduler_file).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.client = Client(scheduler_file=self.scheduler_file, timeout=timeout)
        self.client.wait_for_workers(workers, timeout=timeout)
        return self.client

    def close(self):
        if self.client is not None:
            self.client.close()
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class WorkerKiller(threading.Thread):
    """Kills (SIGKILL) the worker process grading a student's notebook, ``kills[student]`` times, each time
    ``after`` seconds into the grading."""

    def __init__(self, client, kills, after=3.0):
        super().__init__(daemon=True)
        self.client, self.kills, self.after = client, dict(kills), after
        self.killed = []  # (student, worker address)
        self.done = threading.Event()

    def run(self):
        def executing(dask_worker):  # nested, so that Dask sends it by value to workers that lack this module
            """The worker's process id and the keys of the tasks it is running (not of those waiting on it)."""
            return os.getpid(), [str(task.key) for task in dask_worker.state.executing]

        seen = {}
        while not self.done.is_set() and any(self.kills.values()):
            now = time.monotonic()
            for address, (pid, keys) in self.client.run(executing, on_error="ignore").items():
                for key in keys:
                    student = next((s for s, left in self.kills.items() if left and f"-{s}-" in key), None)
                    if student is not None and now - seen.setdefault((address, key), now) >= self.after:
                        os.kill(pid, signal.SIGKILL)
                        self.kills[student] -= 1
                        self.killed.append((student, address))
            time.sleep(0.2)


WORKER_KILLER = "worker-killer"  # a correct notebook whose worker the test kills twice
GRADING_PROCESSES = ("autograder-worker-", "bwrap", "autograder.kernel.sandbox", "spawn_main", "distributed.cli")


def descendants(*pids):
    """Command lines of every living grading process (kernel, sandbox, Dask worker) descended from ``pids``
    (this process by default)."""
    import psutil

    found = []
    for pid in pids or (os.getpid(),):
        try:
            found += [" ".join(p.cmdline()) for p in psutil.Process(pid).children(recursive=True)
                      if any(name in " ".join(p.cmdline()) for name in GRADING_PROCESSES)]
        except psutil.NoSuchProcess:
            pass
    return found


def student_groups():
    """Every student cgroup that exists now."""
    return [folder for parent in set(cgroups.parents().values()) for folder in parent.glob("autograder-*")]
