"""Benchmark: seconds to autograde one complete submission of each assignment, and the
speed-up of 2 parallel workers (sandboxed, through the real nbgrader pipeline).

For each assignment, in a scratch course under build/bench-autograde/: the reference
solution is submitted by two students; they are graded once with 1 worker and once
with 2 workers. Prints a table and writes build/bench_autograde.json.

    .venv/bin/python scripts/bench_autograde.py [ASSIGNMENT ...]
"""

import json
import shutil
import sys
import time
from pathlib import Path

from autograder import demo, grading, records
from autograder.nbgrader_cli import assignments

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = ("s1", "s2")


def grade_pair(course, assignment, workers):
    """Seconds to grade both students' submissions from scratch with ``workers`` workers."""
    shutil.rmtree(records.grading_dir(course, assignment), ignore_errors=True)
    start = time.perf_counter()
    done = grading.autograde(course, assignment, grading.Options(workers=workers), progress=False)
    seconds = time.perf_counter() - start
    bad = [r for r in done if r.score != r.max_score]
    if bad or len(done) != len(STUDENTS):
        raise SystemExit(f"{assignment}: the solution did not get full marks: {bad}")
    return seconds, [r.seconds for r in done]


def main(names):
    course = demo.new_course(ROOT / "build" / "bench-autograde")
    results = []
    for assignment in names or assignments(course):
        nb_name = grading.notebook_name(course, assignment)
        for student in STUDENTS:
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True)
            shutil.copy(ROOT / "solutions" / assignment / nb_name, folder / nb_name)
        grading.ensure_in_gradebook(course, assignment)
        serial, per_notebook = grade_pair(course, assignment, workers=1)
        parallel, _ = grade_pair(course, assignment, workers=2)
        row = {"assignment": assignment, "one_submission_s": round(min(per_notebook), 1),
               "two_serial_s": round(serial, 1), "two_parallel_s": round(parallel, 1),
               "speedup_2_workers": round(serial / parallel, 2)}
        results.append(row)
        print(f"{assignment:16} one submission {row['one_submission_s']:6.1f} s | two: serial "
              f"{row['two_serial_s']:6.1f} s, 2 workers {row['two_parallel_s']:6.1f} s, "
              f"speed-up x{row['speedup_2_workers']:.2f}", flush=True)
    out = ROOT / "build" / "bench_autograde.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"written: {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
