"""Assertions for the notebooks' test cells, with messages that teach, and the ways a test reaches the code it tests.

Each check first copies what it is given into a plain NumPy array (never a
subclass, so that no answer can choose how it compares), compares in float64
against an independent reference and, on failure, raises AssertionError whose message starts with the
likely misconception passed in by the test.

A test calls the student's functions directly, or through ``gradient``,
``compiled``, ``weights``, ``train_steps``, ``with_optimizer``, ``draws`` and
``source`` when it needs more than a call. In the student's
kernel these run there; at grading, the tests run in the grader's judge, where
the student's names stand for the kernel's objects (``autograder.judge``):
each helper then becomes one request to the kernel, answered with plain values.
"""
import contextlib
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


def with_optimizer(fn, *args, optimizer="Adam", learning_rate=1e-3, **kwargs):
    """``(fn(*args, optimizer=opt, **kwargs), steps)``: ``fn`` given one Keras optimizer ``opt`` of that name and
    learning rate made for the call, and the number of steps ``opt`` took (its ``iterations``)."""
    judged = _judged(fn, "with_optimizer", *args, optimizer=optimizer, learning_rate=learning_rate, **kwargs)
    if judged is not None:
        return judged
    import keras

    made = getattr(keras.optimizers, optimizer)(learning_rate)
    return fn(*args, optimizer=made, **kwargs), int(made.iterations)


def draws(fn, count, *args, **kwargs):
    """The values of ``count`` calls ``fn(*args, **kwargs)`` (each an array or a number), stacked into one NumPy
    array of shape ``(count, ...)``: repeated draws of a random function."""
    judged = _judged(fn, "draws", count, *args, **kwargs)
    return judged if judged is not None else np.stack([to_numpy(fn(*args, **kwargs)) for _ in range(count)])


def source(fn):
    """The source text of the function ``fn``."""
    judged = _judged(fn, "source")
    return judged if judged is not None else inspect.getsource(fn)


def kl_by_integration(mu, log_var):
    """KL(N(mu, exp(log_var)) || N(0, 1)) of one dimension, by the trapezoid rule on 2,001 points over
    mu +- 12 standard deviations: an independent reference, with no closed form of the KL in it."""
    std = np.exp(0.5 * log_var)
    z = np.linspace(mu - 12 * std, mu + 12 * std, 2_001)
    log_q = -0.5 * (np.log(2 * np.pi) + log_var + ((z - mu) / std) ** 2)
    log_p = -0.5 * (np.log(2 * np.pi) + z**2)
    return float(np.trapezoid(np.exp(log_q) * (log_q - log_p), z))


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


def diagnosis(answer, mistakes, otherwise, rtol=1e-4, atol=1e-3):
    """A failed check's hint that follows from the evidence: the hint of the first of ``mistakes`` ({hint: the
    value that mistake gives on this input}) whose value ``answer`` matches, else ``otherwise``, which should say
    plainly what was observed."""
    answer = as_float64(answer)
    for hint, value in mistakes.items():
        value = as_float64(value)
        if answer.shape == value.shape and np.allclose(answer, value, rtol=rtol, atol=atol):
            return hint
    return otherwise


@contextlib.contextmanager
def shape_hint(hint):
    """Inside the block, a shape error (TensorFlow's InvalidArgumentError or a ValueError, raised here or in the
    student's kernel) becomes an AssertionError whose message starts with ``hint``; other errors pass unchanged."""
    try:
        yield
    except Exception as error:
        if type(error).__name__ not in ("InvalidArgumentError", "ValueError"):
            raise
        raise AssertionError(f"{hint}\n{type(error).__name__}: {error}") from None


def assert_fresh_noise(draws, noiseless, what, fix):
    """Draws for identical inputs differ from row to row (one row per input; a 1-D array is one value per row).
    When every row is the same, the message says whether it equals ``noiseless`` (the value without noise;
    None: no such value) or a noise draw shared by every row, then ``fix``."""
    rows = to_numpy(draws).reshape(len(draws), -1)
    if len(np.unique(rows, axis=0)) > 1:
        return
    cause = ("equal to the value without noise: no noise was drawn"
             if noiseless is not None and np.allclose(rows[0], np.ravel(noiseless)) else
             "one noise draw is shared by all of them")
    raise AssertionError(f"all {len(rows):,} {what} are the same, {cause}; {fix}")


def assert_within_sigmas(estimate, expected, std_error, sigmas=5.0, hint=""):
    """A Monte Carlo ``estimate`` lies within ``sigmas`` standard errors of ``expected``."""
    estimate, expected = as_float64(estimate), as_float64(expected)
    limit = sigmas * as_float64(std_error)
    gap = np.abs(estimate - expected)
    assert np.all(gap <= limit), (
        f"{hint}\nestimate {estimate} is {np.max(gap / limit) * sigmas:.1f} standard errors "
        f"from {expected} (allowed: {sigmas})"
    ).strip()
