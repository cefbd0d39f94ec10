"""Memory and process-count limits for a student's whole process tree, with Linux cgroups.

A ``StudentGroup`` is one group per controller (cgroup v1: ``memory`` and
``pids``) or one group (cgroup v2), always created beneath the cgroup the
grader itself runs in; the sandbox launcher moves itself in before it starts
the kernel (``procs_files``), so every process the notebook starts is counted. ``close`` kills
what is left in the group and removes it. Where no controller can be used,
``unavailable()`` says so in one line, and a worker grades only when the
instructor allows the weaker sandbox (per-process limits only).
"""

import os
import signal
import time
import uuid
from pathlib import Path

CONTROLLERS = ("memory", "pids")


def _mounts():
    """{controller: mount point} of cgroup v1, and the cgroup v2 mount point (or None)."""
    v1, v2 = {}, None
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        separator = fields.index("-")
        kind, options = fields[separator + 1], fields[separator + 3].split(",")
        if kind == "cgroup":
            for name in CONTROLLERS:
                if name in options:
                    v1[name] = Path(fields[4])
        elif kind == "cgroup2":
            v2 = Path(fields[4])
    return v1, v2


def _own_paths():
    """{controller or '' for v2: path of this process's cgroup inside its hierarchy}."""
    own = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        for name in names.split(",") if names else [""]:
            own[name] = path.lstrip("/")
    return own


def _writable(folder):
    return folder.is_dir() and os.access(folder, os.W_OK)


def parents():
    """{controller: folder beneath which this grader may create groups} for each usable controller."""
    v1, v2 = _mounts()
    own = _own_paths()
    found = {name: v1[name] / own[name] for name in CONTROLLERS if name in v1 and name in own
             and _writable(v1[name] / own[name])}
    if not found and v2 is not None and "" in own:
        base = v2 / own[""]
        enabled = (base / "cgroup.subtree_control").read_text().split() if _writable(base) else []
        found = {name: base for name in CONTROLLERS if name in enabled}
    return found


def unavailable():
    """None when memory and process limits work here; otherwise one line that says what is missing."""
    missing = [name for name in CONTROLLERS if name not in parents()]
    if not missing:
        return None
    return (f"cgroup controller(s) {', '.join(missing)} not usable here: the notebook's "
            f"{' and '.join('memory' if m == 'memory' else 'process count' for m in missing)} "
            "is limited per process only")


def remove_stale(min_age=60):
    """Remove the groups a killed grading process left behind, killing what is still in them, and the
    empty groups older than ``min_age`` seconds (a new group is empty only until its kernel joins it)."""
    for parent in set(parents().values()):
        for folder in parent.glob("autograder-*-*"):
            owner_gone = not Path("/proc", folder.name.split("-")[1]).exists()
            try:
                if owner_gone:
                    _kill_all(folder)
                if owner_gone or time.time() - folder.stat().st_mtime > min_age:
                    folder.rmdir()
            except OSError:  # in use, or already removed by another worker
                pass


def _kill_all(folder):
    """Kill every process in one group, until it is empty (5 s at most)."""
    for _ in range(50):
        pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


class StudentGroup:
    """The cgroups of one student's grading run (create, let the sandbox join, close)."""

    def __init__(self, memory_bytes, max_processes):
        self.folders = []
        try:
            self._create(f"autograder-{os.getpid()}-{uuid.uuid4().hex[:12]}", memory_bytes, max_processes)
        except OSError:
            self.close()
            raise

    def _create(self, name, memory_bytes, max_processes):
        for controller, parent in parents().items():
            folder = parent / name
            if folder not in self.folders:
                folder.mkdir()
                self.folders.append(folder)
            v2 = (folder / "memory.max").exists() or (folder / "pids.max").exists()
            if controller == "memory":
                limit = folder / ("memory.max" if v2 else "memory.limit_in_bytes")
                limit.write_text(str(memory_bytes))
                swap = folder / ("memory.swap.max" if v2 else "memory.memsw.limit_in_bytes")
                if swap.exists():
                    try:
                        swap.write_text("0" if v2 else str(memory_bytes))
                    except OSError:  # swap accounting off: the memory limit still holds
                        pass
            else:
                (folder / "pids.max").write_text(str(max_processes))

    def procs_files(self):
        """The ``cgroup.procs`` files a process writes its pid into to join this group."""
        return [str(folder / "cgroup.procs") for folder in self.folders]

    def out_of_memory(self):
        """True when the memory limit made the kernel's OOM killer stop a process of this group."""
        for folder in self.folders:
            for name in ("memory.oom_control", "memory.events"):
                path = folder / name
                if path.exists():
                    counts = dict(line.split() for line in path.read_text().splitlines() if line.count(" ") == 1)
                    if int(counts.get("oom_kill", 0)) > 0:
                        return True
        return False

    def set_priority(self, nice):
        """Give every thread in the group CPU priority ``nice`` (raising it needs root: otherwise left as is)."""
        for folder in self.folders[:1]:
            for pid in (folder / "cgroup.procs").read_text().split():
                for task in Path("/proc", pid, "task").glob("*"):
                    try:
                        os.setpriority(os.PRIO_PROCESS, int(task.name), nice)
                    except OSError:  # gone, or not allowed as an ordinary user
                        pass

    def kill(self):
        """Kill every process in the group."""
        for folder in reversed(self.folders):
            _kill_all(folder)

    def close(self):
        """Kill every process left in the group, then remove it."""
        self.kill()
        for folder in reversed(self.folders):
            try:
                folder.rmdir()
            except OSError:
                time.sleep(0.5)
                folder.rmdir()
        self.folders = []
