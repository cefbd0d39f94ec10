"""Minibatch training shared by the notebooks: a compiled step and a loop that records curves."""
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm


def make_step(loss_fn, variables, optimizer):
    """A ``tf.function`` that takes one optimizer step on ``loss_fn(batch)`` and returns the loss."""

    @tf.function
    def step(batch):
        with tf.GradientTape() as tape:
            loss = loss_fn(batch)
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return loss

    return step


def minibatches(x, batch_size, seed=0):
    """Endless minibatches of ``x`` drawn without replacement, reshuffled every epoch."""
    batch_size = min(batch_size, len(x))
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(len(x))
        for start in range(0, len(x) - batch_size + 1, batch_size):
            yield x[order[start:start + batch_size]]


def fit(step, x_train, num_steps, batch_size=100, evaluate=None, eval_every=100, seed=0, progress=False, transform=None):
    """Call ``step`` on ``num_steps`` minibatches of ``x_train``; returns the recorded curves.

    ``transform(batch)``, when given, makes each minibatch before the step sees it (for example a
    fresh binarization of grey images).

    ``evaluate()`` returns ``{name: value}``; it is recorded before the first step, every
    ``eval_every`` steps and after the last, as ``{name: (steps, values)}``. With
    ``progress=True`` a tqdm bar shows the last loss.
    """
    curves = {}

    def record(step_number):
        for name, value in (evaluate() if evaluate else {}).items():
            steps, values = curves.setdefault(name, ([], []))
            steps.append(step_number)
            values.append(float(value))

    batches = minibatches(x_train, batch_size, seed)
    if transform is not None:
        batches = map(transform, batches)
    bar = tqdm(range(num_steps), disable=not progress, desc="training", unit="step")
    for step_number in bar:
        if step_number % eval_every == 0:
            record(step_number)
            loss = step(next(batches))
            bar.set_postfix(loss=f"{float(loss):.2f}")
        else:
            step(next(batches))
    record(num_steps)
    return curves
