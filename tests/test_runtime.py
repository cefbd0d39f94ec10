import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from course import runtime


@pytest.mark.parametrize(
    "nbgrader, fast, expected",
    [(None, None, False), ("autograde", None, True), ("validate", None, True),
     (None, "1", True), (None, "true", True), ("autograde", "0", False), (None, "off", False)],
)
def test_fast_mode_reads_nbgrader_and_the_override(monkeypatch, nbgrader, fast, expected):
    for name, value in (("NBGRADER_EXECUTION", nbgrader), ("COURSE_FAST", fast)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert runtime.fast_mode() is expected
    assert runtime.pick(full="full", fast="fast") == ("fast" if expected else "full")
    assert runtime.mode_name().startswith("fast" if expected else "full")


def test_seed_everything_makes_tensorflow_and_numpy_repeat():
    runtime.seed_everything(7)
    first = (tf.random.normal((3,)).numpy(), np.random.rand(3))
    runtime.seed_everything(7)
    second = (tf.random.normal((3,)).numpy(), np.random.rand(3))
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def test_device_line_names_the_device():
    line = runtime.device_line()
    expected = "running on GPU" if tf.config.list_physical_devices("GPU") else "running on CPU"
    assert line.startswith(expected)


def test_setup_prints_device_mode_and_seed(capsys, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.delenv("COURSE_FAST", raising=False)
    assert runtime.setup(seed=3) is True
    out = capsys.readouterr().out
    assert "running on" in out and "fast (nbgrader autograde)" in out and "seed: 3" in out


def test_importing_the_runtime_keeps_tensorflow_start_up_lines_off_stderr():
    script = "import course.runtime, tensorflow as tf; tf.reduce_sum(tf.ones(3)).numpy()"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"TensorFlow wrote to stderr: {result.stderr[:500]}"


def test_stderr_silenced_restores_file_descriptor_2():
    script = (
        "import os, sys\n"
        "from course.runtime import stderr_silenced\n"
        "with stderr_silenced():\n    os.write(2, b'hidden\\n')\n"
        "os.write(2, b'visible\\n')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stderr == "visible\n"


@pytest.mark.parametrize("value, expected", [(None, None), ("", None), ("1", True), ("yes", True),
                                             ("0", False), ("False", False), ("off", False)])
def test_env_flag(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("COURSE_SOME_FLAG", raising=False)
    else:
        monkeypatch.setenv("COURSE_SOME_FLAG", value)
    assert runtime.env_flag("COURSE_SOME_FLAG") is expected
