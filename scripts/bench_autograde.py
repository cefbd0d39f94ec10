"""Autograde through the real pipeline, sandboxed, for `scripts/bench.py`.

    python scripts/bench_autograde.py --kind submission --workers 2 [--assignments 01_elbo 03_sbn] --out result.json

In a fresh course beside the ``--out`` file (every assignment generated into its gradebook first,
untimed), one ``autograde`` run grades, ``--workers`` notebooks at a time:

* ``submission``: one student's complete submission, the reference solution of every assignment
  (each must get full marks);
* ``blank``: one student's blank release of every assignment (the fixed cost of a notebook: its
  nbgrader run, minus its cells' own seconds, is what grading costs outside the cells);
* ``batch``: ``--count`` students, each submitting the reference solution of the first assignment.

Per notebook: the seconds of its grading, its cells' seconds in grading mode (their timestamps in
the autograded copy) and, for ``submission``, its kernel's peak memory (a probe cell appended to the
submitted copy). The script uses only the grader's public ``autograde``, so it also measures an
older grader put first on ``PYTHONPATH``, whose course it then grades.
"""
import argparse
import json
import time
from pathlib import Path

import nbformat

from autograder import demo
from autograder.engine import grading
from autograder.engine.nbgrader_cli import run_nbgrader
from autograder.engine.options import Options
from coursemodel.layout import Course
from bench_notebooks import KERNEL_PEAK, cell_span_seconds, probe_cell, probed_values


def submit(course, student, assignment, folder, probe=False):
    """``folder``'s notebook of ``assignment`` (solutions or release) as the student's submission."""
    name = Course(course).assignment(assignment).notebook_name
    notebook = nbformat.read(demo.ROOT / folder / assignment / name, as_version=4)
    if probe:
        notebook.cells.append(probe_cell({"kernel_peak_mib": KERNEL_PEAK}))
    target = course / "submitted" / student / assignment
    target.mkdir(parents=True)
    nbformat.write(notebook, target / name)


def graded_notebook(course, record, probe):
    """Seconds (and kernel peak) of one autograded notebook."""
    path = Course(course).assignment(record.assignment).path("autograded", record.student)
    notebook = nbformat.read(path, as_version=4)
    probed = probed_values(notebook.cells.pop()) if probe else {}
    cells = cell_span_seconds(notebook)
    return {"autograde_s": record.seconds, "grading_mode_s": round(cells, 1),
            "outside_cells_s": round(record.seconds - cells, 1), **probed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("submission", "blank", "batch"), default="submission")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--count", type=int, default=40, help="students of a batch")
    parser.add_argument("--assignments", nargs="+", help="default: all")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    course = demo.new_course(args.out.resolve().parent / "course")
    names = args.assignments or Course(course).assignment_names()
    run_nbgrader(course, "generate_assignment", "*", "--force")
    if args.kind == "batch":
        names = names[:1]
        for number in range(args.count):
            submit(course, f"student{number + 1:03d}", names[0], "solutions")
    for assignment in names if args.kind != "batch" else []:
        submit(course, "student1", assignment, "release" if args.kind == "blank" else "solutions",
               probe=args.kind == "submission")
    start = time.perf_counter()
    done = grading.autograde(course, names, Options(workers=args.workers), progress=False)
    seconds = time.perf_counter() - start
    expected = args.count if args.kind == "batch" else len(names)
    wrong = [f"{r.student} {r.assignment}: {r.score}/{r.max_score} {r.messages}" for r in done
             if r.status != "graded" or (args.kind != "blank" and r.score != r.max_score)]
    if wrong or len(done) != expected:
        raise SystemExit(f"{len(done)} of {expected} notebooks graded; not as expected: {wrong[:5]}")
    result = {"kind": args.kind, "workers": args.workers, "seconds": round(seconds, 1), "count": len(done),
              "notebooks_per_minute": round(60 * len(done) / seconds, 2)}
    if args.kind != "batch":
        result["notebooks"] = {r.assignment: graded_notebook(course, r, args.kind == "submission")
                               for r in sorted(done, key=lambda r: r.assignment)}
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
