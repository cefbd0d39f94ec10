"""`make bench`'s parts: FLOP accounting, the roofline loop, memory sampling, notebook probes, the report."""
import ast
import builtins
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from coursemodel.code import bound_names
from autograder.tests.grading_support import needs_sandbox
from course import vae_training

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import bench  # noqa: E402
import bench_notebooks  # noqa: E402
import bench_report  # noqa: E402
import bench_vae  # noqa: E402


@pytest.mark.parametrize("latent_dim", [2, 20])
def test_flops_per_step_agree_with_the_networks_weights(latent_dim):
    encoder, decoder = vae_training.build(latent_dim)
    kernels = [w.shape for w in encoder.trainable_weights + decoder.trainable_weights if len(w.shape) == 2]
    batch = bench_vae.BATCH_SIZE
    # forward, weight gradient and input gradient: 3 products per kernel, none for the pixels' gradient
    expected = sum(6 * batch * a * b for a, b in kernels) - 2 * batch * vae_training.NUM_PIXELS * bench_vae.HIDDEN_UNITS
    assert bench_vae.flops_per_step(latent_dim) == expected
    assert len(bench_vae.matmul_shapes(latent_dim)) == 3 * len(kernels) - 1


def test_matmul_roofline_runs_its_loop():
    steps_per_s, compile_s = bench_vae.matmul_roofline(latent_dim=2, steps=20)
    assert steps_per_s > 0 and compile_s > 0


def test_quality_uses_the_defaults_of_assignment_04():
    source = (ROOT / "source" / "04_vae" / "vae.ipynb").read_text()
    assert re.search(rf"epochs = runtime\.pick\(full={bench_vae.DEFAULT_EPOCHS},", source)
    assert float(re.search(r"CosineDecay\(([0-9.e-]+), ", source).group(1)) == bench_vae.DEFAULT_LEARNING_RATE
    assert f"HIDDEN_UNITS = {bench_vae.HIDDEN_UNITS}" in source


def _bound_names(notebook_path):
    """Every name a notebook's code cells assign, define or import."""
    return set().union(*(bound_names(cell.source) for cell in nbformat.read(notebook_path, as_version=4).cells
                         if cell.cell_type == "code"))


def test_every_solution_has_probes_naming_its_own_variables():
    solutions = {path.parent.name: path for path in (ROOT / "solutions").glob("*/*.ipynb")}
    assert set(bench_notebooks.PROBES) == set(solutions)
    for assignment, probes in bench_notebooks.PROBES.items():
        bound = _bound_names(solutions[assignment]) | set(dir(builtins))
        for expression in probes.values():
            used = {node.id for node in ast.walk(ast.parse(expression)) if isinstance(node, ast.Name)}
            assert used <= bound, f"{assignment}: {expression!r} uses {used - bound}, not in the notebook"


def test_a_notebook_run_reports_its_cell_span_and_probed_values(tmp_path, monkeypatch):
    monkeypatch.setitem(bench_notebooks.PROBES, "99_probe", {"answer": "answer", "items": "items"})
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# a"),
        nbformat.v4.new_code_cell("import os, time\nanswer = 42 if os.environ['COURSE_FAST'] == '0' else 0"),
        nbformat.v4.new_code_cell("time.sleep(0.5)\nimport numpy as np\nitems = np.arange(3)")])
    path = tmp_path / "99_probe" / "probe.ipynb"
    path.parent.mkdir()
    nbformat.write(notebook, path)
    result = bench_notebooks.run(path)
    assert result["assignment"] == "99_probe"
    assert result["answer"] == 42, "full mode: COURSE_FAST=0 reaches the kernel"
    assert result["items"] == [0, 1, 2]
    assert 0.5 <= result["seconds"] < 10
    assert 20 < result["kernel_peak_mib"] < 4096


def _script(folder, name, body):
    (folder / name).write_text(textwrap.dedent(body))
    return [name]


def test_measure_reads_the_result_and_the_peak_memory_of_the_whole_tree(tmp_path):
    command = _script(tmp_path, "grow.py", """
        import json, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "b = bytearray(300 * 2**20); import time; time.sleep(1.0)"])
        child.wait()
        json.dump({"done": True}, open(sys.argv[-1], "w"))
    """)
    measured = bench.measure(command, tmp_path / "grow", scripts=tmp_path)
    assert measured["result"] == {"done": True}
    assert measured["peak_mib"] >= 300, "the grandchild's 300 MiB must be seen"
    assert measured["process_s"] >= 1.0


def test_measure_reports_a_failing_or_endless_task(tmp_path):
    failing = _script(tmp_path, "fail.py", "raise SystemExit('no data here')\n")
    with pytest.raises(RuntimeError, match="exit status 1: no data here"):
        bench.measure(failing, tmp_path / "fail", scripts=tmp_path)
    endless = _script(tmp_path, "endless.py", "import time\nwhile True: time.sleep(0.1)\n")
    with pytest.raises(RuntimeError, match="stopped after 1 s"):
        bench.measure(endless, tmp_path / "endless", timeout=1, scripts=tmp_path)


def test_every_task_names_an_existing_script_and_covers_every_assignment():
    tasks = bench.tasks()
    assert all((ROOT / "scripts" / command[0]).is_file() for command in tasks.values())
    assert {f"notebook-{assignment}" for assignment in bench.ASSIGNMENTS} <= set(tasks)
    grading = {"autograde-blank", "autograde-serial", "autograde-2-workers", "autograde-batch"}
    assert {"vae-latent-20"} | grading | {f"baseline-{name}" for name in grading} <= set(tasks)
    assert all(tasks[f"baseline-{name}"] == tasks[name] for name in grading), "the same measurement, two graders"


def _grading_tasks(blank_s, outside_s, serial_s, parallel_s, per_minute):
    notebooks = {"01_elbo": {"autograde_s": blank_s, "outside_cells_s": outside_s}}
    return {"autograde-blank": {"result": {"notebooks": notebooks}},
            "autograde-serial": {"result": {"seconds": serial_s, "notebooks": {}}},
            "autograde-2-workers": {"result": {"seconds": parallel_s}},
            "autograde-batch": {"result": {"notebooks_per_minute": per_minute, "count": 40, "seconds": 300.0}}}


def test_the_grading_table_puts_the_baseline_beside_this_grader_and_the_targets():
    tasks = _grading_tasks(4.0, 1.5, 80.0, 42.0, 8.0)
    tasks.update({f"baseline-{name}": task for name, task in _grading_tasks(12.0, 11.0, 172.0, 105.0, 5.0).items()})
    page = "\n".join(bench_report.autograde_section({"tasks": tasks}))
    assert "| fixed cost per notebook (blank releases, 1 worker) | at most 3 s | 12.0 s (11.0 s outside its cells) " \
           "| 4.0 s (1.5 s outside its cells) |" in page
    assert "| one complete submission, serially | at most 60 s | 172.0 s | 80.0 s |" in page
    assert "| at least 1.85x | 1.64x (105.0 s) | 1.90x (42.0 s) |" in page
    assert "| 5.0 notebooks/min (40 in 300.0 s) | 8.0 notebooks/min (40 in 300.0 s) |" in page


def test_the_report_marks_failed_tasks_and_leaves_out_tasks_not_run():
    report = {"date": "2026-01-01 00:00 UTC", "total_s": 90.0, "machine": {
        "cpu": "a CPU", "cores": 2, "memory_gib": 8, "python": "3.11", "tensorflow": "2", "keras": "3", "nbgrader": "0.9",
        "course_data_dir": False}, "tasks": {
        "vae-latent-20": {"result": {
            "latent_dim": 20, "batch_size": 100, "epochs": 30, "test_elbo": -85.25, "train_seconds": 60.0,
            "seconds_per_epoch": 2.0, "reference_examples_per_s": 20000, "keras_fit_examples_per_s": 10000,
            "roofline_examples_per_s": 40000, "keras_fit_jit_compile": False, "reference_over_fit": 2.0,
            "reference_over_roofline": 0.5, "matmul_gflop_per_step": 0.41, "roofline_gflop_per_s": 164.0,
            "reference_gflop_per_s": 82.0, "reference_compile_s": 3.0, "keras_fit_compile_s": 1.0,
            "roofline_compile_s": 0.2, "data": "bundled MNIST subset", "train_digits": 10000, "test_digits": 2000,
            "device": "running on CPU"}, "process_s": 70.0, "peak_mib": 900},
        "notebook-04_vae": {"error": "exit status 1: out of memory"}}}
    page = bench_report.markdown(report)
    assert "bundled MNIST subset: 10,000 training and 2,000 test digits" in page
    assert "| test ELBO | -85.2 nats (latent 20) | 30 epochs on 10,000 digits, 60 s (2.0 s/epoch) | 900 MiB |" in page
    assert "| 20,000 | 1.00 | 82.0 | 3.0 s |" in page and "| 40,000 | 0.50 | 164.0 | 0.2 s |" in page
    assert "failed: exit status 1: out of memory" in page
    assert "## Autograding" not in page


def test_bench_measures_and_reports_a_notebook(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--only", "notebook-01_elbo",
                    "--out-dir", str(tmp_path)], check=True, cwd=ROOT, capture_output=True)
    task = json.loads((tmp_path / "bench.json").read_text())["tasks"]["notebook-01_elbo"]
    assert task["peak_mib"] >= task["result"]["kernel_peak_mib"] > 100, "the tree holds the kernel"
    row = next(line for line in (tmp_path / "bench.md").read_text().splitlines() if line.startswith("| 01_elbo |"))
    assert row.startswith(f"| 01_elbo | {task['result']['seconds']} s | - |")


@needs_sandbox
def test_one_autograde_run_grades_several_assignments_on_two_workers(tmp_path):
    out = tmp_path / "result.json"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_autograde.py"), "--workers", "2",
                    "--assignments", "01_elbo", "03_sbn", "--out", str(out)], check=True, cwd=ROOT, capture_output=True)
    result = json.loads(out.read_text())
    assert set(result["notebooks"]) == {"01_elbo", "03_sbn"}, "every solution got full marks"
    for graded in result["notebooks"].values():
        assert 0 < graded["grading_mode_s"] < graded["autograde_s"]
        assert graded["kernel_peak_mib"] > 100
    # shared workers: the run takes less than its two notebooks one after another
    assert result["seconds"] < sum(graded["autograde_s"] for graded in result["notebooks"].values())
