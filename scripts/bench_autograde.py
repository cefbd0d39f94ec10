"""Autograde one complete submission for `scripts/bench.py`, sandboxed, through the real nbgrader pipeline.

    python scripts/bench_autograde.py --workers 2 [--assignments 01_elbo 03_sbn] --out result.json

In a fresh course beside the ``--out`` file (every assignment generated into its gradebook
first, untimed), one student submits the reference solution of every assignment; one
``autograde`` run then grades them all, ``--workers`` notebooks at a time, and every solution
must get full marks. Per notebook: the seconds of its nbgrader run, its grading-mode seconds
(cells' timestamps in the autograded copy) and its kernel's peak memory (a probe cell appended
to the submitted copy).
"""
import argparse
import json
import time
from pathlib import Path

import nbformat

from autograder import demo, grading
from autograder.nbgrader_cli import assignments, run_nbgrader
from bench_notebooks import KERNEL_PEAK, cell_span_seconds, probe_cell, probed_values

ROOT = Path(__file__).resolve().parents[1]
STUDENT = "student1"


def submit(course, assignment):
    """The reference solution as the student's submission, with the kernel-memory probe appended."""
    name = grading.notebook_name(course, assignment)
    notebook = nbformat.read(ROOT / "solutions" / assignment / name, as_version=4)
    notebook.cells.append(probe_cell({"kernel_peak_mib": KERNEL_PEAK}))
    folder = course / "submitted" / STUDENT / assignment
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / name)


def graded_notebook(course, record):
    """Seconds and kernel peak of one autograded notebook."""
    path = course / "autograded" / STUDENT / record.assignment / grading.notebook_name(course, record.assignment)
    notebook = nbformat.read(path, as_version=4)
    probed = probed_values(notebook.cells.pop())
    return {"autograde_s": record.seconds, "grading_mode_s": round(cell_span_seconds(notebook), 1), **probed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--assignments", nargs="+", help="default: all")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    course = demo.new_course(args.out.resolve().parent / "course")
    names = args.assignments or assignments(course)
    run_nbgrader(course, "generate_assignment", "*", "--force")
    for assignment in names:
        submit(course, assignment)
    start = time.perf_counter()
    done = grading.autograde(course, names, grading.Options(workers=args.workers), progress=False)
    seconds = time.perf_counter() - start
    short = [f"{r.assignment}: {r.score}/{r.max_score} {r.messages}" for r in done if r.score != r.max_score]
    if short or len(done) != len(names):
        raise SystemExit(f"a reference solution did not get full marks: {short}")
    result = {"workers": args.workers, "seconds": round(seconds, 1),
              "notebooks": {r.assignment: graded_notebook(course, r) for r in sorted(done, key=lambda r: r.assignment)}}
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
