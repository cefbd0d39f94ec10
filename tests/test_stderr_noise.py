"""TensorFlow's own stderr lines are recognised, and nothing else is."""
import re

from autograder.kernel.stderr_noise import PATTERN

TF_LINES = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    "I0000 00:00:1795237897.381829    2162 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.\n"
    "E0000 00:00:1795237901.680076    2162 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error\n"
    "W0000 00:00:1795237901.680076    2162 local_rendezvous.cc:405] Local rendezvous is aborting with status: OUT_OF_RANGE\n"
)
KERAS_WARNING = (
    "/opt/venv/lib/python3.11/site-packages/keras/src/layers/core/dense.py:93: UserWarning: "
    "Do not pass an `input_shape`/`input_dim` argument to a layer.\n"
    "  super().__init__(activity_regularizer=activity_regularizer, **kwargs)\n"
)


def test_tensorflow_log_lines_and_library_warnings_match():
    assert re.search(PATTERN, TF_LINES)
    assert re.search(PATTERN, KERAS_WARNING)
    assert re.search(PATTERN, TF_LINES + KERAS_WARNING)


def test_anything_else_on_stderr_still_counts():
    assert not re.search(PATTERN, "my debugging output\n")
    assert not re.search(PATTERN, TF_LINES + "Traceback (most recent call last):\n")
    assert not re.search(PATTERN, "/home/student/answer.py:3: UserWarning: careful\n  x = 1\n")
