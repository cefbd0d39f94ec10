"""The course's reference VAE (Kingma & Welling 2013, Appendix C).

Encoder q(z | x) = N(mu(x), diag exp(log_var(x))) and decoder
p(x | z) = Bernoulli(sigmoid(logits(z))), each with one tanh hidden layer.
Assignment 05 and the benchmarks use it; it is also the reference solution of
assignment 04, so hand this module to students after that assignment.
"""
import contextlib
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from course.distributions import kl_normal_diag_std, log_bernoulli
from course.runtime import stderr_silenced

PRETRAINED_DIR = Path(__file__).parent / "_data"
NUM_PIXELS = 784


def build_encoder(latent_dim=2, hidden_units=500):
    """x (N, 784) -> (mu, log_var), each (N, latent_dim)."""
    x = keras.Input((NUM_PIXELS,), name="x")
    hidden = keras.layers.Dense(hidden_units, activation="tanh", name="hidden")(x)
    mu = keras.layers.Dense(latent_dim, name="mu")(hidden)
    log_var = keras.layers.Dense(latent_dim, name="log_var")(hidden)
    return keras.Model(x, [mu, log_var], name="encoder")


def build_decoder(latent_dim=2, hidden_units=500):
    """z (N, latent_dim) -> Bernoulli logits (N, 784)."""
    z = keras.Input((latent_dim,), name="z")
    hidden = keras.layers.Dense(hidden_units, activation="tanh", name="hidden")(z)
    return keras.Model(z, keras.layers.Dense(NUM_PIXELS, name="logits")(hidden), name="decoder")


def elbo(x, encoder, decoder):
    """Per-example ELBO (N,): one reparameterized sample for log p(x|z), closed-form KL."""
    mu, log_var = encoder(x)
    z = mu + tf.exp(0.5 * log_var) * tf.random.normal(tf.shape(mu))
    return log_bernoulli(x, decoder(z)) - kl_normal_diag_std(mu, log_var)


def make_train_step(encoder, decoder, optimizer, jit_compile=True):
    """A compiled step of the optimizer on the negative mean ELBO of a minibatch."""
    variables = encoder.trainable_variables + decoder.trainable_variables

    @tf.function(jit_compile=jit_compile)
    def train_step(x):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(elbo(x, encoder, decoder))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    return train_step


def make_epoch(train_step, x_train, batch_size=100):
    """A compiled epoch: shuffle on the device and run ``train_step`` on every full minibatch in-graph."""
    x_train = tf.constant(x_train, tf.float32)
    num_batches = int(x_train.shape[0]) // batch_size

    @tf.function
    def epoch():
        order = tf.random.shuffle(tf.range(tf.shape(x_train)[0]))
        total = tf.constant(0.0)
        for i in tf.range(num_batches):
            total += train_step(tf.gather(x_train, order[i * batch_size:(i + 1) * batch_size]))
        return total / num_batches

    return epoch


def mean_elbo(x, encoder, decoder, batch_size=2000):
    """Mean ELBO over ``x``, evaluated in batches."""
    values = [elbo(tf.constant(x[i:i + batch_size], tf.float32), encoder, decoder) for i in range(0, len(x), batch_size)]
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
        hidden_units = weights["encoder_0"].shape[1]
        encoder, decoder = build_encoder(latent_dim, hidden_units), build_decoder(latent_dim, hidden_units)
        encoder.set_weights([weights[f"encoder_{i}"] for i in range(len(encoder.get_weights()))])
        decoder.set_weights([weights[f"decoder_{i}"] for i in range(len(decoder.get_weights()))])
    return encoder, decoder
