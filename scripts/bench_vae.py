"""VAE figures for `scripts/bench.py`: quality and training throughput against two baselines.

    python scripts/bench_vae.py --latent 20 --out result.json

* quality: the course's reference VAE (``course.vae``, trained by ``course.vae_training``) at assignment 04's defaults
  (30 epochs, Adam with a cosine decay from 2e-3, minibatches of 100); its test ELBO.
* throughput: examples per second of its training step (a compiled epoch of XLA steps), from
  the median epoch of that training, against the same networks trained with Keras
  ``Model.fit`` (one epoch), and against the dense-matmul roofline: a compiled loop of exactly
  the matrix products of a training step (forward and backward, same shapes), nothing else.
  Trace/compile time apart.
"""
import argparse
import json
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from course import data, runtime, vae, vae_training

BATCH_SIZE = 100
HIDDEN_UNITS = 500
DEFAULT_EPOCHS = 30  # assignment 04: epochs = runtime.pick(full=30, ...)
DEFAULT_LEARNING_RATE = 2e-3
WARM_UP_EXAMPLES = 2_000  # Model.fit's first call traces and compiles


class KerasFitVAE(keras.Model):
    """The same encoder and decoder, trained through Keras's own ``Model.fit`` loop."""

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def call(self, x):
        return self.decoder(self.encoder(x)[0])

    def train_step(self, x):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(vae.elbo_analytic_kl(x, self.encoder, self.decoder))
        self.optimizer.apply_gradients(zip(tape.gradient(loss, self.trainable_variables), self.trainable_variables))
        return {"loss": loss}


def dense_layers(latent_dim, hidden_units=HIDDEN_UNITS):
    """(inputs, outputs, input needs a gradient) of every dense layer of the VAE, in order."""
    pixels = vae_training.NUM_PIXELS
    return [(pixels, hidden_units, False), (hidden_units, latent_dim, True), (hidden_units, latent_dim, True),
            (latent_dim, hidden_units, True), (hidden_units, pixels, True)]


def matmul_shapes(latent_dim, batch_size=BATCH_SIZE):
    """The (m, k, n) products of one training step: forward x @ W, then dW = x^T @ g and dx = g @ W^T."""
    shapes = []
    for fan_in, fan_out, needs_input_gradient in dense_layers(latent_dim):
        shapes += [(batch_size, fan_in, fan_out), (fan_in, batch_size, fan_out)]
        if needs_input_gradient:
            shapes.append((batch_size, fan_out, fan_in))
    return shapes


def flops_per_step(latent_dim, batch_size=BATCH_SIZE):
    return sum(2 * m * k * n for m, k, n in matmul_shapes(latent_dim, batch_size))


def matmul_roofline(latent_dim, steps, batch_size=BATCH_SIZE):
    """Steps per second of a compiled loop doing only one training step's matrix products.

    The loop is the gradient step of the VAE without its nonlinearities, sampling and loss: the
    same 14 products (``matmul_shapes``) in the same order, each feeding the next, and a plain
    update of every weight so that nothing can be hoisted out of the loop or dropped. The
    elementwise work left (updates, the two heads' sum) is under 1% of the arithmetic.
    Returns (steps per second, seconds of the first call: trace and compile).
    """
    pixels, hidden = vae_training.NUM_PIXELS, HIDDEN_UNITS
    rng = np.random.default_rng(0)
    x = tf.constant((rng.random((batch_size, pixels)) < 0.2).astype(np.float32))
    weights = [tf.constant((rng.normal(size=shape) / np.sqrt(shape[0])).astype(np.float32))
               for shape in ((pixels, hidden), (hidden, latent_dim), (hidden, latent_dim), (latent_dim, hidden),
                             (hidden, pixels))]

    def step(i, params):
        w1, w_mu, w_var, w3, w4 = params
        h = tf.matmul(x, w1)
        mu, log_var = tf.matmul(h, w_mu), tf.matmul(h, w_var)
        z = mu + log_var
        h2 = tf.matmul(z, w3)
        g = tf.matmul(h2, w4)  # the logits stand in for their gradient
        d_w4, d_h2 = tf.matmul(h2, g, transpose_a=True), tf.matmul(g, w4, transpose_b=True)
        d_w3, d_z = tf.matmul(z, d_h2, transpose_a=True), tf.matmul(d_h2, w3, transpose_b=True)
        d_var = d_z + log_var
        d_w_mu, d_w_var = tf.matmul(h, d_z, transpose_a=True), tf.matmul(h, d_var, transpose_a=True)
        d_h = tf.matmul(d_z, w_mu, transpose_b=True) + tf.matmul(d_var, w_var, transpose_b=True)
        d_w1 = tf.matmul(x, d_h, transpose_a=True)
        return i + 1, [w - 1e-9 * d for w, d in zip(params, (d_w1, d_w_mu, d_w_var, d_w3, d_w4))]

    @tf.function(jit_compile=True)
    def loop(num_steps):
        return tf.while_loop(lambda i, _: i < num_steps, step, (tf.constant(0), weights))[1][0][0, 0]

    start = time.perf_counter()
    float(loop(tf.constant(1)))
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()
    float(loop(tf.constant(steps)))
    return steps / (time.perf_counter() - start), compile_seconds


def keras_fit_rate(x, latent_dim):
    """Examples per second of the same networks trained with ``Model.fit``, after a compiling warm-up."""
    runtime.seed_everything(0)
    model = KerasFitVAE(*vae_training.build(latent_dim, HIDDEN_UNITS))
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    start = time.perf_counter()
    model.fit(x[:WARM_UP_EXAMPLES], epochs=1, batch_size=BATCH_SIZE, verbose=0)
    warm_up = time.perf_counter() - start
    start = time.perf_counter()
    model.fit(x, epochs=1, batch_size=BATCH_SIZE, verbose=0)
    rate = len(x) // BATCH_SIZE * BATCH_SIZE / (time.perf_counter() - start)
    return rate, warm_up - WARM_UP_EXAMPLES / rate, bool(model.jit_compile)


def measure(mnist, latent_dim, epochs):
    """Quality and throughput of the reference VAE, and its two throughput baselines, in one process."""
    runtime.seed_everything(latent_dim)
    encoder, decoder = vae_training.build(latent_dim, HIDDEN_UNITS)
    seconds = vae_training.train(encoder, decoder, mnist.x_train, epochs, learning_rate=DEFAULT_LEARNING_RATE,
                        batch_size=BATCH_SIZE)["seconds"][1]
    test_elbo = float(np.mean([vae_training.mean_elbo(mnist.x_test, encoder, decoder) for _ in range(5)]))
    steps_per_epoch = len(mnist.x_train) // BATCH_SIZE
    steady = float(np.median(seconds[1:])) if epochs > 1 else seconds[0]
    reference = steps_per_epoch * BATCH_SIZE / steady
    fit, fit_compile, fit_jit = keras_fit_rate(mnist.x_train, latent_dim)
    roofline_steps_per_s, roofline_compile = matmul_roofline(latent_dim, steps_per_epoch)
    roofline = roofline_steps_per_s * BATCH_SIZE
    flops = flops_per_step(latent_dim)
    return {
        "latent_dim": latent_dim, "batch_size": BATCH_SIZE, "epochs": epochs, "test_elbo": round(test_elbo, 2),
        "train_seconds": round(sum(seconds), 1), "seconds_per_epoch": round(steady, 2),
        "reference_examples_per_s": round(reference), "keras_fit_examples_per_s": round(fit),
        "roofline_examples_per_s": round(roofline), "keras_fit_jit_compile": fit_jit,
        "reference_over_fit": round(reference / fit, 2), "reference_over_roofline": round(reference / roofline, 2),
        "matmul_gflop_per_step": round(flops / 1e9, 4), "roofline_gflop_per_s": round(roofline_steps_per_s * flops / 1e9, 1),
        "reference_gflop_per_s": round(reference / BATCH_SIZE * flops / 1e9, 1),
        "reference_compile_s": round(seconds[0] - steady, 1), "keras_fit_compile_s": round(fit_compile, 1),
        "roofline_compile_s": round(roofline_compile, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latent", type=int, default=20, help="latent dimensions")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, help="training epochs")
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the result")
    args = parser.parse_args()
    mnist = data.load_mnist(binarize="threshold")
    result = measure(mnist, args.latent, args.epochs)
    result.update(data=mnist.source, train_digits=len(mnist.x_train), test_digits=len(mnist.x_test),
                  device=runtime.device_line())
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
