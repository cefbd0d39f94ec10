"""One solution notebook top to bottom in full mode (``COURSE_FAST=0``), for `scripts/bench.py`.

    python scripts/bench_notebooks.py solutions/02_naive_bayes/naive_bayes.ipynb --out result.json

The notebook sees the data this process finds (full MNIST through ``COURSE_DATA_DIR``); grading
mode is timed inside the autograder itself (`scripts/bench_autograde.py`). Seconds run from the
start of the first cell to the end of the last, as nbclient records them in the cells (kernel
start apart; ``cell_span_seconds``). The executed notebook is kept beside ``--out``.
After the last cell the kernel reports a few of the notebook's own results (``PROBES``) and
its own peak memory.
"""
import argparse
import json
import os
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CELL_TIMEOUT_S = 600
MARK = "BENCH-PROBE "
KERNEL_PEAK = "round(_resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 1024)"  # the kernel's peak, MiB (Linux: KiB)
# Per assignment: name in the report -> expression evaluated in the notebook's namespace.
PROBES = {
    "01_elbo": {},
    "02_naive_bayes": {"train_digits": "len(x_train_fit)", "steps": "num_steps", "components": "NUM_CLASSES",
                       "test_log_likelihood": "test_ll", "train_log_likelihood": "train_ll"},
    "03_sbn": {"growth_per_latent_unit": "growth", "units_timed": "sizes", "seconds_for_100_digits": "seconds",
               "trained_units": "NUM_UNITS", "trained_test_log_likelihood": "float(sbn.mean_log_likelihood(mnist.x_test[:1000]))"},
    "04_vae": {"train_digits": "len(x_fit)", "latent_dim": "LATENT_DIM", "epochs": "epochs", "train_seconds": "seconds",
               "test_elbo": "history['test'][-1]"},
    "05_posteriors": {"test_digits": "len(mnist.x_test)", "importance_samples": "sample_counts",
                      "importance_estimates": "estimates"},
}


def probe_cell(probes):
    """A code cell that prints ``{name: value of expression}`` as one JSON line."""
    items = ", ".join(f"{name!r}: {expression}" for name, expression in probes.items())
    return nbformat.v4.new_code_cell(
        "import json as _json, resource as _resource, numpy as _np\n"
        f"print({MARK!r} + _json.dumps({{{items}}}, default=lambda v: _np.asarray(v).tolist()))")


def probed_values(cell):
    for output in cell.get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith(MARK):
                return json.loads(line[len(MARK):])
    raise RuntimeError(f"the probe cell printed no results: {cell.get('outputs')}")


def cell_span_seconds(notebook):
    """Seconds from the first code cell's start to the last one's end, from nbclient's timestamps."""
    stamps = [cell.metadata["execution"] for cell in notebook.cells
              if cell.cell_type == "code" and "execution" in cell.get("metadata", {})]
    if not stamps:
        raise RuntimeError("no cell of the notebook carries execution timestamps")
    start = datetime.fromisoformat(stamps[0]["iopub.status.busy"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(stamps[-1]["iopub.status.idle"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def run(path, executed_path=None):
    """Execute the notebook at ``path`` (kept, executed, at ``executed_path``); returns its seconds and probed values."""
    path = Path(path)
    assignment = path.parent.name
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(probe_cell({**PROBES[assignment], "kernel_peak_mib": KERNEL_PEAK}))
    os.environ["COURSE_FAST"] = "0"  # the kernel inherits this process's environment
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    probed = probed_values(notebook.cells.pop())
    if executed_path is not None:
        nbformat.write(notebook, executed_path)
    return {"assignment": assignment, "seconds": round(cell_span_seconds(notebook), 1), **probed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = run(args.notebook, args.out.parent / f"executed-{args.notebook.name}")
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
