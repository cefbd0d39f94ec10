"""Assertions for the notebooks' test cells, with messages that teach, and the ways a test reaches the code it tests.

Each check first copies what it is given into a plain NumPy array (never a
subclass, so that no answer can choose how it compares), compares in float64
against an independent reference and, on failure, raises AssertionError whose message starts with the
likely misconception passed in by the test.

A test calls the student's functions directly, or through ``gradient``,
``compiled``, ``weights``, ``train_steps``, ``draws`` and ``source`` when it
needs more than a call. In the student's
kernel these run there; at grading, the tests run in the grader's judge, where
the student's names stand for the kernel's objects (``autograder.judge``):
each helper then becomes one request to the kernel, answered with plain values.
"""
import inspect

import numpy as np


def _judged(fn, helper, *args, **kwargs):
    """What the judge answers for ``helper`` when ``fn`` stands for an object of the student's kernel, else None."""
    ask = getattr(type(fn), "__judged__", None)
    return None if ask is None else ask(fn, helper, *args, **kwargs)


def gradient(fn, *args, wrt=None, **kwargs):
    """``(value, gradients)``: ``value = fn(*args, **kwargs)`` and the gradients of the sum of all its elements
    with respect to the positional arguments ``wrt`` (indices; default all), each taken as a float32 tensor
    unless it is a tensor already. A gradient is None where no gradient reaches that argument."""
    judged = _judged(fn, "gradient", *args, wrt=wrt, **kwargs)
    if judged is not None:
        return judged
    import tensorflow as tf

    args = list(args)
    wrt = list(range(len(args))) if wrt is None else list(wrt)
    for i in wrt:
        args[i] = args[i] if tf.is_tensor(args[i]) else tf.convert_to_tensor(args[i], tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        for i in wrt:
            tape.watch(args[i])
        value = fn(*args, **kwargs)
        total = tf.add_n([tf.reduce_sum(part) for part in tf.nest.flatten(value)])
    return value, [tape.gradient(total, args[i]) for i in wrt]


def compiled(fn):
    """``fn`` compiled into a TensorFlow graph (``tf.function``), as a training loop would run it."""
    judged = _judged(fn, "compiled")
    if judged is not None:
        return judged
    import tensorflow as tf

    return tf.function(fn)


def weights(model):
    """The values of ``model``'s trainable variables, in its order, as NumPy arrays."""
    judged = _judged(model, "weights")
    return judged if judged is not None else [to_numpy(variable) for variable in model.trainable_variables]


def train_steps(step, batches, *args, optimizer="Adam", learning_rate=1e-3):
    """Run ``step(batch, *args, opt)`` compiled (``tf.function``) on each batch in turn, with one Keras optimizer
    ``opt`` of that name and learning rate made for the run; the losses it returned, as floats."""
    judged = _judged(step, "train_steps", batches, *args, optimizer=optimizer, learning_rate=learning_rate)
    if judged is not None:
        return judged
    import keras
    import tensorflow as tf

    made = getattr(keras.optimizers, optimizer)(learning_rate)
    compiled = tf.function(lambda batch: step(batch, *args, made))
    return [float(compiled(tf.convert_to_tensor(batch, tf.float32))) for batch in batches]


def draws(fn, count, *args, **kwargs):
    """The values of ``count`` calls ``fn(*args, **kwargs)`` (each an array or a number), stacked into one NumPy
    array of shape ``(count, ...)``: repeated draws of a random function."""
    judged = _judged(fn, "draws", count, *args, **kwargs)
    return judged if judged is not None else np.stack([to_numpy(fn(*args, **kwargs)) for _ in range(count)])


def source(fn):
    """The source text of the function ``fn``."""
    judged = _judged(fn, "source")
    return judged if judged is not None else inspect.getsource(fn)


def to_numpy(value):
    """A plain NumPy array (a copy, not a subclass) from a tensor, array, list or number."""
    return np.array(value, copy=True, subok=False)


def as_float64(value):
    """``to_numpy(value)`` as float64, the form every comparison uses."""
    return to_numpy(value).astype(np.float64)


def assert_shape(value, shape, hint=""):
    """The value has exactly ``shape``."""
    actual = to_numpy(value).shape
    assert actual == tuple(shape), f"{hint}\nshape is {actual}, expected {tuple(shape)}".strip()


def assert_close(actual, expected, hint="", rtol=1e-5, atol=1e-6):
    """Same shape and values within ``rtol``/``atol`` of the reference."""
    actual, expected = as_float64(actual), as_float64(expected)
    assert_shape(actual, expected.shape, hint)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=hint)


def assert_finite(value, hint=""):
    """No NaN or infinity anywhere."""
    value = as_float64(value)
    bad = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
    assert bad == 0, f"{hint}\n{bad} of {np.size(value)} values are NaN or infinite".strip()


def assert_float32(value, hint="return float32 (cast inputs with tf.cast(x, tf.float32))"):
    """The value's dtype is float32."""
    dtype = to_numpy(value).dtype
    assert dtype == np.float32, f"{hint}\ndtype is {dtype}".strip()


def assert_within_sigmas(estimate, expected, std_error, sigmas=5.0, hint=""):
    """A Monte Carlo ``estimate`` lies within ``sigmas`` standard errors of ``expected``."""
    estimate, expected = as_float64(estimate), as_float64(expected)
    limit = sigmas * as_float64(std_error)
    gap = np.abs(estimate - expected)
    assert np.all(gap <= limit), (
        f"{hint}\nestimate {estimate} is {np.max(gap / limit) * sigmas:.1f} standard errors "
        f"from {expected} (allowed: {sigmas})"
    ).strip()
