"""Data sets of the course: MNIST (full or the bundled subset) and the 4x4 bars.

``load_mnist`` looks for MNIST in this order:

1. ``$COURSE_DATA_DIR/mnist.npz`` (Keras layout) when that variable is set;
2. the Keras download (``keras.datasets.mnist``, cached under ``~/.keras``),
   skipped when ``COURSE_OFFLINE=1``;
3. the real MNIST subset bundled with the course (10,000 train and 2,000 test
   digits), with a one-line notice.

Binarization: ``"threshold"`` sets a pixel to 1 when its intensity is above
0.5 (the fixed binarization of the classic course setting); ``"dynamic"``
draws each pixel from a Bernoulli with its intensity as probability (one
draw here; call ``binarize_dynamic`` per minibatch to redraw while training);
``None`` keeps grey levels in [0, 1].
"""
import functools
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from course.runtime import env_flag, fast_mode

BUNDLED_MNIST = Path(__file__).parent / "_data" / "mnist_subset.npz"
IMAGE_SHAPE = (28, 28)
NUM_PIXELS = 28 * 28
DOWNLOAD_TIMEOUT_S = 20
BUNDLED_SOURCE = "bundled MNIST subset"


@dataclass(frozen=True)
class Mnist:
    """MNIST as float32 images (N, 784) and uint8 labels, with where it came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


def expected(mnist, *, full, subset, fast):
    """What a correct implementation reaches in this run, as measured with the reference solution: ``fast`` in
    fast mode's shortened run, else ``full`` or ``subset`` for the data set ``mnist`` came from."""
    if fast_mode():
        return f"{fast} (fast mode's shortened run)"
    if mnist.source == BUNDLED_SOURCE:
        return f"{subset} (the bundled subset)"
    return f"{full} (full MNIST)"


def binarize_threshold(x, threshold=0.5):
    """0/1 float32 images: 1 where the intensity is above ``threshold``."""
    return (np.asarray(x) > threshold).astype(np.float32)


def binarize_dynamic(x, rng):
    """0/1 float32 images drawn pixel-wise from Bernoulli(intensity)."""
    x = np.asarray(x, dtype=np.float32)
    return (rng.random(x.shape, dtype=np.float32) < x).astype(np.float32)


def mean_image_logits(x, eps=1e-3):
    """Logits of the mean image of ``x`` (N, D), clipped to [eps, 1 - eps]: a model's "average digit"."""
    mean = np.clip(np.asarray(x, dtype=np.float64).mean(axis=0), eps, 1 - eps)
    return np.log(mean / (1 - mean)).astype(np.float32)


def load_mnist(binarize="threshold", seed=0):
    """Load MNIST as a ``Mnist`` with images flattened to (N, 784) float32.

    ``binarize`` is ``"threshold"``, ``"dynamic"`` (one Bernoulli draw, seeded
    by ``seed``) or ``None`` (grey levels in [0, 1]).
    """
    if binarize not in ("threshold", "dynamic", None):
        raise ValueError(f"binarize must be 'threshold', 'dynamic' or None, not {binarize!r}")
    (x_train, y_train), (x_test, y_test), source = _load_raw()
    x_train = x_train.reshape(len(x_train), NUM_PIXELS).astype(np.float32) / 255.0
    x_test = x_test.reshape(len(x_test), NUM_PIXELS).astype(np.float32) / 255.0
    if binarize == "threshold":
        x_train, x_test = binarize_threshold(x_train), binarize_threshold(x_test)
    elif binarize == "dynamic":
        rng = np.random.default_rng(seed)
        x_train, x_test = binarize_dynamic(x_train, rng), binarize_dynamic(x_test, rng)
    return Mnist(x_train, y_train.astype(np.uint8), x_test, y_test.astype(np.uint8), source)


@functools.lru_cache(maxsize=1)
def _load_raw():
    """((x_train, y_train), (x_test, y_test), source) as uint8, from the first place that has it."""
    data_dir = os.environ.get("COURSE_DATA_DIR", "").strip()
    if data_dir:
        path = Path(data_dir).expanduser() / "mnist.npz"
        if not path.is_file():
            raise FileNotFoundError(
                f"COURSE_DATA_DIR is set to {data_dir!r} but {path} does not exist; "
                "point it at a folder holding a Keras-layout mnist.npz, or unset it."
            )
        return (*_read_npz(path), f"full MNIST from {path}")
    if env_flag("COURSE_OFFLINE"):
        return _bundled("COURSE_OFFLINE is set")
    try:
        return (*_keras_download(), "full MNIST from the Keras download")
    except Exception as error:  # offline, blocked or a broken cache: fall back
        return _bundled(f"the Keras download failed: {type(error).__name__}")


def _read_npz(path):
    with np.load(path) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])


def _keras_download():
    import keras

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        return keras.datasets.mnist.load_data()
    finally:
        socket.setdefaulttimeout(previous)


def _bundled(reason):
    train, test = _read_npz(BUNDLED_MNIST)
    print(
        f"Using the bundled MNIST subset ({len(train[0]):,} train / {len(test[0]):,} test digits; "
        f"{reason}). Set COURSE_DATA_DIR for the full set."
    )
    return train, test, BUNDLED_SOURCE


def bar_images(positions, size=4):
    """Noiseless bars images (len(positions), size * size) with their bars at ``positions``.

    Column j has intensity ``max(0, 1 - |j - position|)``: an integer position lights exactly one
    column, and other values share the bar between two neighbours.
    """
    positions = np.asarray(positions, dtype=np.float64).reshape(-1)
    columns = np.maximum(0.0, 1.0 - np.abs(np.arange(size)[None, :] - positions[:, None]))
    return np.repeat(columns[:, None, :], size, axis=1).reshape(len(positions), size * size)


def make_bars(n, size=4, noise=0.1, seed=0, column_probs=None):
    """``n`` bars images on a 1-D manifold, and their latent positions.

    Each image is a ``size`` x ``size`` grid with one vertical bar (see ``bar_images``) at the
    position ``z ~ Uniform(0, size - 1)``, plus Gaussian pixel noise of standard deviation
    ``noise``. With ``column_probs`` (one probability per column) the bar instead sits on a
    whole column, column j with probability ``column_probs[j]``.

    Returns ``(x, z)``: x float32 (n, size * size) in row-major order, z float32 (n,).
    """
    rng = np.random.default_rng(seed)
    if column_probs is None:
        z = rng.uniform(0.0, size - 1, size=n)
    else:
        z = rng.choice(size, size=n, p=column_probs)
    z = z.astype(np.float32)
    images = bar_images(z, size) + noise * rng.standard_normal((n, size * size))
    return images.astype(np.float32), z
