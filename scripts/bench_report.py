"""The Markdown page of `scripts/bench.py`'s report (``build/bench.md``); tasks not run are left out."""

NOT_RUN = "-"


def _task(report, name):
    """The task's entry, or None when it was not run."""
    return report["tasks"].get(name)


def _cell(task, render):
    """``render(result)`` for a measured task, its error for a failed one, a dash for one not run."""
    if task is None:
        return NOT_RUN
    if "error" in task:
        return f"failed: {task['error'][:120]}"
    return render(task["result"])


def _memory(task):
    return _cell(task, lambda _: f"{task['peak_mib']:,} MiB")


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(value) for value in row) + " |" for row in rows]


def _data_line(report):
    """Which MNIST the tasks used, from the first task that loaded it."""
    for task in report["tasks"].values():
        result = task.get("result", {})
        if "data" in result:
            return (f"{result['data']}: {result['train_digits']:,} training and {result['test_digits']:,} test digits, "
                    "thresholded at 0.5. Grading mode always uses the bundled subset, as the autograder's sandbox does.")
    return "no task that loads MNIST by itself was run"


def header(report):
    m = report["machine"]
    device = next((t["result"]["device"] for t in report["tasks"].values() if "device" in t.get("result", {})), "")
    return ["# Benchmarks", "",
            f"Measured {report['date']} by `make bench` in {report['total_s'] / 60:.1f} min, on {m['cpu']} with "
            f"{m['cores']} cores and {m['memory_gib']} GiB ({device or 'device not reported'}); Python {m['python']}, "
            f"TensorFlow {m['tensorflow']}, Keras {m['keras']}, nbgrader {m['nbgrader']}.", "",
            f"Data: {_data_line(report)}", "",
            "Peak memory: the most resident memory the task's whole process tree (kernels, sandboxes and "
            "grading workers included) held at once, sampled every 0.1 s; pages shared between processes "
            "count once per process.", ""]


def throughput_section(report):
    task = _task(report, "vae-latent-20")
    if task is None:
        return []
    if "error" in task:
        return ["## VAE training throughput", "", _cell(task, None), ""]
    r = task["result"]
    rows = [("reference step (`course.vae`: compiled epoch, XLA)", f"{r['reference_examples_per_s']:,}", "1.00",
             r["reference_gflop_per_s"], f"{r['reference_compile_s']} s"),
            (f"same networks, Keras `Model.fit` (jit_compile={r['keras_fit_jit_compile']})",
             f"{r['keras_fit_examples_per_s']:,}", f"{r['reference_over_fit']:.2f}", "-", f"{r['keras_fit_compile_s']} s"),
            ("dense-matmul roofline (the step's matrix products only, XLA loop)", f"{r['roofline_examples_per_s']:,}",
             f"{r['reference_over_roofline']:.2f}", r["roofline_gflop_per_s"], f"{r['roofline_compile_s']} s")]
    return ["## VAE training throughput", "",
            f"Latent {r['latent_dim']}, minibatches of {r['batch_size']}. Reference: the median of the {r['epochs'] - 1} "
            f"epochs after the first of the quality run below; Keras `Model.fit`: one epoch after a compiling "
            f"warm-up; roofline: one epoch's steps. {r['matmul_gflop_per_step']} GFLOP of matrix products per step.", "",
            *_table(("training loop", "examples/s", "reference / this", "GFLOP/s", "trace + compile"), rows), ""]


# Quality rows: (task, model, figure, value, settings and time); value and settings render a result.
QUALITY_ROWS = [
    ("notebook-04_vae", "VAE, assignment 04's reference solution at its defaults (full mode, its own training step)",
     "test ELBO", lambda r: f"{r['test_elbo']:.1f} nats (latent {r['latent_dim']})",
     lambda r: f"{r['epochs']} epochs on {r['train_digits']:,} digits, {r['train_seconds']:.0f} s "
               f"({r['train_seconds'] / r['epochs']:.2f} s/epoch)"),
    ("vae-latent-20", "reference VAE (`course.vae`, compiled XLA epochs) at the same defaults", "test ELBO",
     lambda r: f"{r['test_elbo']:.1f} nats (latent {r['latent_dim']})",
     lambda r: f"{r['epochs']} epochs on {r['train_digits']:,} digits, {r['train_seconds']:.0f} s "
               f"({r['seconds_per_epoch']} s/epoch)"),
    ("notebook-02_naive_bayes", "mixture of Bernoullis (assignment 02 solution, full mode)", "test log-likelihood",
     lambda r: f"{r['test_log_likelihood']:.1f} nats (train {r['train_log_likelihood']:.1f})",
     lambda r: f"K = {r['components']}, {r['steps']:,} steps on {r['train_digits']:,} digits"),
    ("notebook-03_sbn", "exact SBN log-likelihood by enumeration (assignment 03 solution)", "time per added latent unit",
     lambda r: f"x{r['growth_per_latent_unit']:.2f} (M = {r['units_timed'][-3]} to {r['units_timed'][-1]})",
     lambda r: f"{r['seconds_for_100_digits'][-1]:.3f} s for 100 digits at M = {r['units_timed'][-1]}; "
               f"M = {r['trained_units']} trained: test {r['trained_test_log_likelihood']:.1f} nats"),
]


def quality_section(report):
    rows = [(model, figure, _cell(task, value), _cell(task, settings), _memory(task))
            for name, model, figure, value, settings in QUALITY_ROWS if (task := _task(report, name)) is not None]
    if not rows:
        return []
    return ["## Quality", "", *_table(("model", "figure", "value", "settings and time", "peak memory"), rows), ""]


def notebooks_section(report):
    serial = _task(report, "autograde-serial")
    graded_names = set(serial["result"]["notebooks"]) if serial and "error" not in serial else set()
    names = sorted({key.split("-", 1)[1] for key in report["tasks"] if key.startswith("notebook-")} | graded_names)
    if not names:
        return []

    def graded(name, render):
        return _cell(serial, lambda r: render(r["notebooks"][name]) if name in r["notebooks"] else NOT_RUN)

    rows = []
    for name in names:
        full = _task(report, f"notebook-{name}")
        rows.append((name, _cell(full, lambda r: f"{r['seconds']} s"), graded(name, lambda g: f"{g['grading_mode_s']} s"),
                     _cell(full, lambda r: graded(name, lambda g: f"{r['seconds'] / g['grading_mode_s']:.1f}")),
                     graded(name, lambda g: f"{g['autograde_s']} s"),
                     _cell(full, lambda r: f"{r['kernel_peak_mib']:,.0f} MiB"),
                     graded(name, lambda g: f"{g['kernel_peak_mib']:,.0f} MiB")))
    return ["## Solution notebooks, top to bottom", "",
            "Full mode: the notebook as a student runs it (`COURSE_FAST=0`), executed by nbclient. Grading mode: "
            "inside `nbgrader autograde` in the sandbox (the serial run below). Notebook seconds run from the first "
            "cell's start to the last cell's end (kernel start apart; in grading mode also the grader's preparation, "
            "which imports the modules it guards before the first cell); the nbgrader run is the whole grading of "
            "that notebook (nbgrader, sandbox, kernel, guard, tests, scores). Kernel peak: the kernel process's own "
            "peak resident memory.", "",
            *_table(("assignment", "full mode", "grading mode", "full / grading", "nbgrader run", "kernel peak, full",
                     "kernel peak, grading"), rows), ""]


TARGETS = {"fixed": "at most 3 s", "serial": "at most 60 s", "speedup": "at least 1.85x", "batch": "-"}


def _grading_figures(report, prefix):
    """{figure: text} of one grader's autograde tasks (``prefix`` "" or "baseline-")."""
    blank, serial, parallel, batch = (_task(report, f"{prefix}autograde-{kind}")
                                      for kind in ("blank", "serial", "2-workers", "batch"))

    def mean(result, key):
        values = [graded[key] for graded in result["notebooks"].values()]
        return sum(values) / len(values)

    return {"fixed": _cell(blank, lambda r: f"{mean(r, 'autograde_s'):.1f} s "
                                            f"({mean(r, 'outside_cells_s'):.1f} s outside its cells)"),
            "serial": _cell(serial, lambda r: f"{r['seconds']} s"),
            "speedup": _cell(parallel, lambda r: _cell(serial, lambda s: f"{s['seconds'] / r['seconds']:.2f}x "
                                                                          f"({r['seconds']} s)")),
            "batch": _cell(batch, lambda r: f"{r['notebooks_per_minute']} notebooks/min ({r['count']} in "
                                            f"{r['seconds']} s)")}


def autograde_section(report):
    if not any(name.startswith(("autograde-", "baseline-autograde-")) for name in report["tasks"]):
        return []
    now, before = _grading_figures(report, ""), _grading_figures(report, "baseline-")
    labels = {"fixed": "fixed cost per notebook (blank releases, 1 worker)",
              "serial": "one complete submission, serially",
              "speedup": "speed-up with 2 workers (one complete submission)",
              "batch": "a batch of 40 submissions of 01, 2 workers"}
    rows = [(labels[key], TARGETS[key], before[key], now[key]) for key in labels]
    return ["## Autograding", "",
            "Sandboxed, through nbgrader, in the same run: this grader (tests decided by the judge, outside the kernel) "
            "and the baseline (the grader of the commit in `scripts/bench.py`, whose tests ran in the kernel). A "
            "complete submission is "
            "one student's reference solutions of every assignment; the fixed cost is the mean grading time of each "
            "assignment's blank release, and its part outside the notebook's own cells.", "",
            *_table(("figure", "target", "baseline", "this grader"), rows), ""]


def markdown(report):
    sections = [header(report), throughput_section(report), quality_section(report), notebooks_section(report),
                autograde_section(report)]
    return "\n".join(line for section in sections for line in section)
