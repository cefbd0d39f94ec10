"""Run a grading kernel inside a bubblewrap sandbox.

What the sandbox guarantees, for the kernel and everything it starts:

* no network: the kernel runs in a network namespace of its own whose only
  interface is loopback; the grader talks to it over Unix sockets in a folder
  of its own (``SOCKETS``), the only folder it shares with the grader, closed
  to new files once the kernel is up;
* a read-only view of an allow-list only: the system (/usr, /etc, ...), the
  Python installation and virtual environment, and the ``course`` helper
  package as the students of the graded assignment have it (``student_package``:
  without the reference code of that assignment and later ones); the course
  root, ``source/``, ``solutions/``, the gradebook, other students' work and the
  instructor's home are not mounted at all;
* a private working folder (``WORKDIR``, also its home), ``/tmp`` and
  ``/dev/shm``: size-limited in-memory folders that disappear with it. Nothing
  the kernel writes reaches the grader's disk: nbgrader's copy of the
  notebook is never mounted, and every other path is read-only;
* an unprivileged user (``nobody`` when the grader is root; the grader's own
  user, in a user namespace, otherwise) with no capabilities and no new
  privileges, its own process tree (it dies with its parent), an empty
  environment (bubblewrap itself starts with none), a per-process
  address-space limit and a file-size limit. The memory and process count of
  the whole tree are limited one level up, per student (``autograder.kernel.cgroups``).
  The launcher moves itself into the student's groups before bubblewrap starts.
  Cells past their time limit are interrupted by message, not by signal.

What it does not guarantee: it shares the kernel (Linux) with the grader, so
it is no defence against kernel exploits; CPU is limited only by the time
limits of the grading run. No test runs in the sandbox: the judge runs them
outside it (``autograder.judge``), so no verdict rests on the sandboxed process.
"""

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.kernel.stderr_noise import QUIET_TENSORFLOW
from coursemodel.layout import may_see

WORKDIR = "/home/student"
KERNEL_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": WORKDIR,
    "MPLCONFIGDIR": f"{WORKDIR}/.config/matplotlib",
    "MPLBACKEND": "Agg",
    "LANG": "C.UTF-8",
    "COURSE_OFFLINE": "1",
    **QUIET_TENSORFLOW,
    "PYTHONDONTWRITEBYTECODE": "1",
}
PASSED_ENV = ("NBGRADER_EXECUTION", "COURSE_FAST", "PYTHONHASHSEED", "OMP_NUM_THREADS")
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
FOLDER_BYTES = {WORKDIR: 512 * 2**20, "/tmp": 512 * 2**20, "/dev/shm": 256 * 2**20}
MAX_FILE_BYTES = 256 * 2**20
UNPRIVILEGED = 65534  # nobody
DROP_PRIVILEGES = ["setpriv", f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED}", "--clear-groups",
                   "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


def bwrap_path():
    """Path of the bubblewrap binary, or a SandboxUnavailable that says how to get it."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed; install it with "
            "'apt-get install bubblewrap' (Debian/Ubuntu) or run without the sandbox "
            "(--no-sandbox) only for trusted notebooks")
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        raise SandboxUnavailable("setpriv (util-linux) is needed to run kernels as an unprivileged user")
    return path


def course_package():
    """The folder of the ``course`` helper package that the grader imports."""
    return Path(importlib.util.find_spec("course").submodule_search_locations[0]).resolve()


def student_package(assignment, folder):
    """A copy of the helper package in ``folder`` as the students of ``assignment`` have it: without the
    files that hold or build on the answers of that assignment or a later one
    (``_data/reference_files.json``, ``coursemodel.layout.may_see``); readable by the kernel's user."""
    package = course_package()
    table = json.loads((package / "_data" / "reference_files.json").read_text())
    shutil.copytree(package, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for path, owner in table.items():
        if not may_see(assignment, owner):
            (Path(folder) / path).unlink(missing_ok=True)
    for path in [Path(folder), *Path(folder).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return Path(folder)


def readable_paths(package=None):
    """(what, where) of the folders the kernel reads: Python, its environment and the course package,
    with ``package`` (a ``student_package``) shown in place of the course package when given."""
    course = course_package()
    targets = {Path(p).resolve() for p in (sys.base_prefix, sys.prefix)} | {course}
    shown = {course: Path(package).resolve()} if package else {}
    return [(str(shown.get(target, target)), str(target)) for target in sorted(targets)]  # parents first


def bwrap_args(readable=(), files=(), writable=()):
    """bubblewrap arguments that confine a command to private in-memory folders, as an unprivileged user,
    without network; ``files`` are (open file descriptor, path) copied in read-only (the kernel's
    connection file), ``writable`` folders are shared with the grader (the kernel's sockets)."""
    root = os.geteuid() == 0
    args = [bwrap_path(), "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--unshare-net",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    # As root, bubblewrap keeps only what setpriv needs to become nobody; otherwise a user namespace.
    args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"] if root else \
        ["--unshare-user", "--disable-userns"]
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    args += ["--dev", "/dev", "--proc", "/proc"]
    for folder, size in FOLDER_BYTES.items():
        args += ["--perms", "1777", "--size", str(size), "--tmpfs", folder]
    made = set(FOLDER_BYTES)

    def parents_of(target):  # bubblewrap would make them 0700, closed to the kernel's user
        parents = [str(p) for p in reversed(Path(target).parents) if str(p) != "/"]
        if any(p in SYSTEM_PATHS for p in parents):
            return []
        new = [p for p in parents if p not in made]
        made.update(new)
        return [arg for p in new for arg in ("--perms", "0755", "--dir", p)]

    for source, target in readable:  # after the private /tmp, which would hide an environment kept under /tmp
        args += [*parents_of(target), "--ro-bind", source, target]
    for folder in writable:
        args += [*parents_of(folder), "--bind", folder, folder]
    for fd, path in files:
        args += [*parents_of(path), "--perms", "0444", "--file", str(fd), path]
    args += ["--remount-ro", "/", "--chdir", WORKDIR, "--clearenv"]
    env = dict(KERNEL_ENV, **{k: os.environ[k] for k in PASSED_ENV if k in os.environ})
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    return args + (["--", *DROP_PRIVILEGES] if root else ["--"])


def probe():
    """Start a trivial sandboxed command; raise SandboxUnavailable with the reason if it fails."""
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(bwrap_args() + ["true"], capture_output=True, text=True, cwd=tmp, env={})
    if result.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap cannot create a sandbox here: {result.stderr.strip()}")


def exec_sandboxed(command, memory_limit_mb, package=None, connection_file=None, sockets=None, cgroup_procs=()):
    """Join the student's cgroups, then replace this process by ``command`` in the sandbox, with limits,
    started with an empty environment."""
    for procs in cgroup_procs:
        Path(procs).write_text(str(os.getpid()))
    limit = memory_limit_mb * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    files = []
    if connection_file:
        fd = os.open(connection_file, os.O_RDONLY)
        os.set_inheritable(fd, True)
        files.append((fd, connection_file))
    argv = bwrap_args(readable_paths(package), files, [sockets] if sockets else []) + command
    os.execve(argv[0], argv, {})


def main(argv=None):
    """Exec ``command`` in the sandbox."""
    parser = argparse.ArgumentParser(prog="python -m autograder.kernel.sandbox")
    parser.add_argument("--connection-file", help="the kernel's connection file, copied in read-only")
    parser.add_argument("--memory-limit-mb", type=int, required=True)
    parser.add_argument("--student-package", help="a student_package to show in place of the course package")
    parser.add_argument("--sockets", help="a folder shared with the grader (the kernel's sockets)")
    parser.add_argument("--cgroup-procs", action="append", default=[], help="a cgroup.procs file to join first")
    parser.add_argument("--nice", type=int, default=0, help="start with this much lower a CPU priority")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    os.nice(args.nice)
    exec_sandboxed(command, args.memory_limit_mb, args.student_package, args.connection_file, args.sockets,
                   args.cgroup_procs)


if __name__ == "__main__":
    main()
