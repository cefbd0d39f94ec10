"""Train, evaluate, save and load the course's reference VAE (``course.vae``).

``course.vae`` is assignment 04's reference solution; this module trains it with
compiled epochs, measures its ELBO, and loads the pretrained models that
assignment 05 starts from. Assignment 05 and the benchmarks use it.
"""
import contextlib
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from course.data import NUM_PIXELS
from course.runtime import stderr_silenced
from course.vae import Decoder, Encoder, elbo_analytic_kl, train_step

PRETRAINED_DIR = Path(__file__).parent / "_data"


def build(latent_dim=2, hidden_units=500):
    """A new (encoder, decoder) pair of ``course.vae``, with their weights created."""
    encoder, decoder = Encoder(latent_dim, hidden_units), Decoder(latent_dim, hidden_units)
    encoder(tf.zeros((1, NUM_PIXELS)))
    decoder(tf.zeros((1, latent_dim)))
    return encoder, decoder


def make_train_step(encoder, decoder, optimizer, jit_compile=True):
    """``course.vae.train_step`` of these networks and optimizer, compiled (with XLA by default)."""
    return tf.function(lambda x: train_step(x, encoder, decoder, optimizer), jit_compile=jit_compile)


def make_epoch(step, x_train, batch_size=100):
    """A compiled epoch: shuffle on the device and run ``step`` on every full minibatch in-graph."""
    x_train = tf.constant(x_train, tf.float32)
    num_batches = int(x_train.shape[0]) // batch_size

    @tf.function
    def epoch():
        order = tf.random.shuffle(tf.range(tf.shape(x_train)[0]))
        total = tf.constant(0.0)
        for i in tf.range(num_batches):
            total += step(tf.gather(x_train, order[i * batch_size:(i + 1) * batch_size]))
        return total / num_batches

    return epoch


def mean_elbo(x, encoder, decoder, batch_size=2000):
    """Mean ELBO (one sample, analytic KL) over ``x``, evaluated in batches."""
    values = [elbo_analytic_kl(tf.constant(x[i:i + batch_size], tf.float32), encoder, decoder)
              for i in range(0, len(x), batch_size)]
    return float(tf.reduce_mean(tf.concat(values, axis=0)))


def cosine_adam(learning_rate, epochs, steps_per_epoch):
    """Adam whose learning rate decays from ``learning_rate`` to 5% of it along a cosine over the run."""
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, max(1, epochs * steps_per_epoch), alpha=0.05)
    return keras.optimizers.Adam(schedule)


def train(encoder, decoder, x_train, epochs, x_test=None, learning_rate=2e-3, batch_size=100, progress=False):
    """Train with Adam (cosine-decayed learning rate).

    Returns ``{"train": (epochs, elbos), "test": (epochs, elbos), "seconds": (epochs, seconds)}``: the
    mean training ELBO of each epoch, the test ELBO after it (only with ``x_test``), and the wall time
    of each epoch (the first one includes tracing and XLA compilation).
    """
    optimizer = cosine_adam(learning_rate, epochs, len(x_train) // batch_size)
    epoch = make_epoch(make_train_step(encoder, decoder, optimizer), x_train, batch_size)
    curves = {"train": ([], []), "seconds": ([], [])}
    if x_test is not None:
        curves["test"] = ([], [])
    bar = tqdm(range(1, epochs + 1), disable=not progress, desc="training", unit="epoch")
    for number in bar:
        curves["train"][0].append(number)
        curves["seconds"][0].append(number)
        start = time.perf_counter()
        with stderr_silenced() if number == 1 else contextlib.nullcontext():  # XLA's compile log lines
            curves["train"][1].append(-float(epoch()))
        curves["seconds"][1].append(time.perf_counter() - start)
        if x_test is not None:
            curves["test"][0].append(number)
            curves["test"][1].append(mean_elbo(x_test, encoder, decoder))
            bar.set_postfix(test_elbo=f"{curves['test'][1][-1]:.1f}")
    return curves


def pretrained_path(latent_dim):
    return PRETRAINED_DIR / f"vae_latent{latent_dim}.npz"


def save_weights(path, encoder, decoder):
    """Store both networks' weights (and their sizes) in one compressed .npz file."""
    arrays = {f"encoder_{i}": w for i, w in enumerate(encoder.get_weights())}
    arrays.update({f"decoder_{i}": w for i, w in enumerate(decoder.get_weights())})
    np.savez_compressed(path, **arrays)


def load_pretrained(latent_dim=2):
    """The pretrained (encoder, decoder) shipped with the course for ``latent_dim`` 2 or 20."""
    path = pretrained_path(latent_dim)
    if not path.is_file():
        raise FileNotFoundError(f"no pretrained VAE for latent_dim={latent_dim} ({path.name}); "
                                "run `python scripts/train_pretrained_vae.py` to make one")
    with np.load(path) as weights:
        encoder, decoder = build(latent_dim, weights["encoder_0"].shape[1])
        encoder.set_weights([weights[f"encoder_{i}"] for i in range(len(encoder.get_weights()))])
        decoder.set_weights([weights[f"decoder_{i}"] for i in range(len(decoder.get_weights()))])
    return encoder, decoder
