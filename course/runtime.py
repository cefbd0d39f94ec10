"""Seeding, the device line, and full vs. fast (grading) mode, in one place.

Fast mode shrinks heavy cells (training, sweeps) to seconds. It is on while
nbgrader validates or autogrades (``NBGRADER_EXECUTION`` is set) and can be
forced either way with ``COURSE_FAST=1`` or ``COURSE_FAST=0``.

Importing this module loads TensorFlow with its start-up log lines (CUDA
probing, CPU features) kept off stderr: nbgrader gives a test cell zero for any
stderr output, and those lines can arrive late, in whatever cell runs next.
"""
import contextlib
import logging
import os
import sys
import warnings

_FALSE = {"0", "false", "no", "off"}


@contextlib.contextmanager
def stderr_silenced():
    """Point file descriptor 2 at /dev/null for the block (C++ log lines), then restore it."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


with stderr_silenced():
    import tensorflow as tf

    tf.config.list_physical_devices("GPU")  # the CUDA probe logs once, here


def env_flag(name):
    """An on/off environment variable: None when unset or empty, else False for 0/false/no/off, True otherwise."""
    value = os.environ.get(name, "").strip().lower()
    return None if not value else value not in _FALSE


def fast_mode():
    """True when heavy cells should shrink: under nbgrader, or ``COURSE_FAST=1``."""
    override = env_flag("COURSE_FAST")
    if override is not None:
        return override
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def mode_name():
    """A short label for the current mode, for the setup line of a notebook."""
    if env_flag("COURSE_FAST") is not None:
        return "fast (COURSE_FAST)" if fast_mode() else "full (COURSE_FAST=0)"
    if os.environ.get("NBGRADER_EXECUTION"):
        return f"fast (nbgrader {os.environ['NBGRADER_EXECUTION']})"
    return "full"


def pick(full, fast):
    """Return ``fast`` in fast mode and ``full`` otherwise (sizes, step counts)."""
    return fast if fast_mode() else full


def seed_everything(seed=0):
    """Seed Python's, NumPy's and TensorFlow's random number generators."""
    import keras

    keras.utils.set_random_seed(seed)


def device_line():
    """'running on GPU: <name>' or 'running on CPU', as TensorFlow sees it."""
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "running on CPU"
    details = tf.config.experimental.get_device_details(gpus[0])
    return f"running on GPU: {details.get('device_name', gpus[0].name)}"


def quiet_tensorflow():
    """Keep TensorFlow's and Keras's Python-side warnings and logs off stderr."""
    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    for module in ("tensorflow", "keras", "absl"):
        warnings.filterwarnings("ignore", module=module)


def setup(seed=0):
    """Set up a notebook: quiet logs, seed everything, print the device and mode.

    Returns True in fast mode, so a notebook can keep the flag at hand.
    """
    quiet_tensorflow()
    seed_everything(seed)
    print(f"{device_line()} | mode: {mode_name()} | seed: {seed}")
    return fast_mode()
