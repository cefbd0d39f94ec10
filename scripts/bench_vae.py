"""VAE quality and speed at the notebook defaults (assignment 04), measured in one run.

Usage: COURSE_DATA_DIR=/path/to/mnist-folder python scripts/bench_vae.py [--epochs 50] [--json build/bench_vae.json]

* quality: the course's reference VAE (course.vae) trained for a number of epochs per
  latent size (2 and 20); test ELBO on the thresholded test digits, seconds in all and per epoch;
* throughput: examples per second of the reference training step (compiled epoch, XLA)
  against the same networks trained with Keras ``Model.fit``, with trace/compile time apart.
"""
import argparse
import json
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from course import data, runtime, vae


class KerasFitVAE(keras.Model):
    """The same encoder and decoder, trained through Keras's own ``Model.fit`` loop."""

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def call(self, x):
        return self.decoder(self.encoder(x)[0])

    def train_step(self, x):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(vae.elbo(x, self.encoder, self.decoder))
        self.optimizer.apply_gradients(zip(tape.gradient(loss, self.trainable_variables), self.trainable_variables))
        return {"loss": loss}


def quality(mnist, latent_dim, epochs, learning_rate=2e-3):
    """Train the reference VAE at the notebook defaults; returns its test ELBO, epochs and timing."""
    runtime.seed_everything(latent_dim)
    encoder, decoder = vae.build_encoder(latent_dim), vae.build_decoder(latent_dim)
    optimizer = vae.cosine_adam(learning_rate, epochs, len(mnist.x_train) // 100)
    epoch = vae.make_epoch(vae.make_train_step(encoder, decoder, optimizer), mnist.x_train)
    start = time.perf_counter()
    epoch()
    first = time.perf_counter() - start
    for _ in range(epochs - 1):
        epoch()
    elapsed = time.perf_counter() - start
    test_elbo = float(np.mean([vae.mean_elbo(mnist.x_test, encoder, decoder) for _ in range(5)]))
    return {"latent_dim": latent_dim, "test_elbo": round(test_elbo, 2), "epochs": epochs,
            "train_seconds": round(elapsed, 1), "seconds_per_epoch": round((elapsed - first) / max(epochs - 1, 1), 2),
            "first_epoch_seconds": round(first, 1)}


def throughput(mnist, latent_dim=20, epochs=3, batch_size=100):
    """Examples per second of the reference step and of Keras Model.fit, after one warm-up epoch each."""
    x = mnist.x_train
    runtime.seed_everything(0)
    encoder, decoder = vae.build_encoder(latent_dim), vae.build_decoder(latent_dim)
    epoch = vae.make_epoch(vae.make_train_step(encoder, decoder, keras.optimizers.Adam(1e-3)), x, batch_size)
    start = time.perf_counter()
    float(epoch())
    reference_compile = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(epochs):
        float(epoch())
    reference = epochs * (len(x) // batch_size) * batch_size / (time.perf_counter() - start)

    runtime.seed_everything(0)
    model = KerasFitVAE(vae.build_encoder(latent_dim), vae.build_decoder(latent_dim))
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    start = time.perf_counter()
    model.fit(x, epochs=1, batch_size=batch_size, verbose=0)
    fit_compile = time.perf_counter() - start
    start = time.perf_counter()
    model.fit(x, epochs=epochs, batch_size=batch_size, verbose=0)
    fit = epochs * len(x) / (time.perf_counter() - start)
    return {"latent_dim": latent_dim, "examples": len(x), "reference_examples_per_s": round(reference),
            "keras_fit_examples_per_s": round(fit), "ratio_reference_over_fit": round(reference / fit, 2),
            "reference_first_epoch_s": round(reference_compile, 1), "keras_fit_first_epoch_s": round(fit_compile, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50, help="training epochs per latent size")
    parser.add_argument("--json", type=Path, default=Path("build/bench_vae.json"))
    args = parser.parse_args()
    mnist = data.load_mnist(binarize="threshold")
    results = {"data": mnist.source, "device": runtime.device_line(), "throughput": throughput(mnist),
               "quality": [quality(mnist, latent, args.epochs) for latent in (2, 20)]}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
