"""`make bench`: the course's speed, quality and cost on this machine, in one run.

    .venv/bin/python scripts/bench.py [--only NAME ...] [--out-dir build]

Every figure is measured by a task in a fresh process (`bench_vae.py`, `bench_notebooks.py`,
`bench_autograde.py`, the last also with the grader of ``BASELINE``), one after another, with its result, log and scratch files in
``<out-dir>/bench/<task>/``, while this process samples the resident memory of
the task's whole process tree (kernels and sandboxes included) every 0.1 s. Writes
``bench.json`` (everything) and ``bench.md`` (the tables) to ``--out-dir``. Full MNIST is used
when ``COURSE_DATA_DIR`` holds one, else the bundled subset; the report says which.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import psutil

from bench_report import markdown

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = Path(__file__).resolve().parent
ASSIGNMENTS = sorted(path.parent.name for path in (ROOT / "solutions").glob("*/*.ipynb"))
TASK_TIMEOUT_S = 1800
SAMPLE_EVERY_S = 0.1
# The grader before the judge (its tests ran in the student's kernel): its autograde tasks run in the same
# bench run, with that commit's own scripts/bench_autograde.py, as the baseline of the grading figures.
BASELINE = "5ffb546"
GRADING = {"autograde-blank": ["--kind", "blank", "--workers", "1"],
           "autograde-serial": ["--kind", "submission", "--workers", "1"],
           "autograde-2-workers": ["--kind", "submission", "--workers", "2"],
           "autograde-batch": ["--kind", "batch", "--count", "40", "--workers", "2"]}


def tasks():
    """{name: command line} of every figure, in the order they run."""
    # latent 2 at the defaults is trained by assignment 04's own notebook, below
    found = {"vae-latent-20": ["bench_vae.py", "--latent", "20"]}
    for assignment in ASSIGNMENTS:
        notebook = next((ROOT / "solutions" / assignment).glob("*.ipynb"))
        found[f"notebook-{assignment}"] = ["bench_notebooks.py", str(notebook)]
    for name, arguments in GRADING.items():
        found[name] = ["bench_autograde.py", *arguments]
        found[f"baseline-{name}"] = ["bench_autograde.py", *arguments]
    return found


def baseline(out_dir):
    """A Python that imports the course and grader of ``BASELINE`` (``git archive``) with this environment's
    packages (a hard-linked copy of the environment without this checkout's editable install), and that
    commit's scripts folder. Made once."""
    folder = (out_dir / "bench" / "baseline").resolve()
    python = folder / "venv" / "bin" / "python"
    if python.exists():
        return python, folder / "src" / "scripts"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "src").mkdir(parents=True)
    archive = subprocess.run(["git", "archive", BASELINE], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder / "src")], input=archive, check=True)
    shutil.copytree(sys.prefix, folder / "venv", symlinks=True, copy_function=os.link)
    site = next((folder / "venv" / "lib").glob("python3*/site-packages"))
    for path in site.glob("__editable__*"):
        path.unlink()
    (site / "baseline.pth").write_text(f"{folder / 'src'}\n")
    return python, folder / "src" / "scripts"


def tree_rss(process):
    """Resident bytes of ``process`` and all its descendants (shared pages counted in each)."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def measure(command, folder, timeout=TASK_TIMEOUT_S, python=sys.executable, scripts=SCRIPTS):
    """Run ``python <scripts>/<command> --out <folder>/result.json`` in the root above ``scripts`` (a module run
    with ``-m`` is then that tree's own) (log in ``<folder>/log.txt``, scratch
    space in ``folder``); returns its JSON result, seconds and peak MiB."""
    folder = folder.resolve()  # the task runs in another folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    out, log_path = folder / "result.json", folder / "log.txt"
    with open(log_path, "w") as log:
        start = time.perf_counter()
        child = subprocess.Popen([str(python), str(scripts / command[0]), *command[1:], "--out", str(out)],
                                 cwd=scripts.parent, stdout=log, stderr=subprocess.STDOUT)
        watched, peak = psutil.Process(child.pid), 0
        while child.poll() is None:
            try:
                peak = max(peak, tree_rss(watched))
            except psutil.NoSuchProcess:
                pass
            if time.perf_counter() - start > timeout:
                for member in [watched, *watched.children(recursive=True)]:
                    try:
                        member.kill()
                    except psutil.NoSuchProcess:
                        pass
                child.wait()
                raise RuntimeError(f"stopped after {timeout} s")
            time.sleep(SAMPLE_EVERY_S)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        tail = log_path.read_text().strip().splitlines()[-5:]
        raise RuntimeError(f"exit status {child.returncode}: " + " | ".join(tail))
    return {"result": json.loads(out.read_text()), "process_s": round(seconds, 1), "peak_mib": round(peak / 2**20)}


def machine():
    """What the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30),
            "python": platform.python_version(), "tensorflow": version("tensorflow"), "keras": version("keras"),
            "nbgrader": version("nbgrader"), "course_data_dir": bool(os.environ.get("COURSE_DATA_DIR"))}


def run(names, out_dir):
    """Measure ``names`` in order; returns the report (failed tasks hold their error)."""
    report = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": machine(), "tasks": {}}
    start = time.perf_counter()
    for name, command in names.items():
        print(f"{name} ...", end=" ", flush=True)
        try:
            python, scripts = baseline(out_dir) if name.startswith("baseline-") else (sys.executable, SCRIPTS)
            report["tasks"][name] = measure(command, out_dir / "bench" / name, python=python, scripts=scripts)
            print(f"{report['tasks'][name]['process_s']} s, peak {report['tasks'][name]['peak_mib']} MiB", flush=True)
        except (RuntimeError, OSError, ValueError, subprocess.CalledProcessError) as error:
            report["tasks"][name] = {"error": str(error)}
            print(f"FAILED: {error} (log: {out_dir / 'bench' / name / 'log.txt'})", flush=True)
    report["total_s"] = round(time.perf_counter() - start, 1)
    return report


def main():
    everything = tasks()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=sorted(everything),
                        help="run only these tasks (default: all)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "build")
    args = parser.parse_args()
    chosen = {name: command for name, command in everything.items() if not args.only or name in args.only}
    report = run(chosen, args.out_dir)
    (args.out_dir / "bench.json").write_text(json.dumps(report, indent=1))
    (args.out_dir / "bench.md").write_text(markdown(report))
    print(f"written: {args.out_dir / 'bench.md'} and bench.json, in {report['total_s'] / 60:.1f} min")
    failed = [name for name, task in report["tasks"].items() if "error" in task]
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
