"""Plots shared by the notebooks: image grids, learning curves, densities over a latent."""
import math

import matplotlib.pyplot as plt
import numpy as np


def _as_numpy(values):
    return values.numpy() if hasattr(values, "numpy") else np.asarray(values)


def image_grid(images, image_shape=None, ncols=8, titles=None, title=None, cmap="gray",
               vmin=0.0, vmax=1.0, cell_size=1.2):
    """Draw flattened images (N, H*W) or (N, H, W) on a grid; returns the figure.

    ``image_shape`` defaults to the square that fits the number of pixels.
    """
    images = _as_numpy(images)
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        image_shape = image_shape or (side, side)
        if image_shape[0] * image_shape[1] != images.shape[1]:
            raise ValueError(f"images have {images.shape[1]} pixels; pass image_shape (H, W)")
        images = images.reshape(len(images), *image_shape)
    count = len(images)
    ncols = max(1, min(ncols, count))
    nrows = max(1, math.ceil(count / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell_size * ncols, cell_size * nrows + 0.3 * bool(title)),
                             squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index < count:
            ax.imshow(images[index], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[index]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def learning_curves(curves, xlabel="step", ylabel="value", title=None, ax=None):
    """Plot named curves ``{label: (x, y)}`` on one axis; returns the axis."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for label, (x, y) in curves.items():
        ax.plot(_as_numpy(x), _as_numpy(y), label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def density_curves(z, densities, fill=None, xlabel="z", title=None, ax=None):
    """Plot densities over a 1-D latent ``{label: values}``; shade the one named by ``fill``.

    The shaded area of an unnormalized p(x, z) over z is the evidence p(x).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    z = _as_numpy(z)
    for label, values in densities.items():
        values = _as_numpy(values)
        (line,) = ax.plot(z, values, label=label)
        if label == fill:
            ax.fill_between(z, values, color=line.get_color(), alpha=0.25)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def gaussian_contours(ax, axis0, axis1, mu, log_var, color, label=None):
    """Contours of N(mu, diag exp(log_var)) over the grid axis0 x axis1, at 10/30/60/90% of its peak."""
    std = np.exp(0.5 * np.asarray(log_var, dtype=np.float64))
    g0, g1 = np.meshgrid(axis0, axis1, indexing="ij")
    log_density = -0.5 * (((g0 - mu[0]) / std[0]) ** 2 + ((g1 - mu[1]) / std[1]) ** 2)
    ax.contour(axis0, axis1, np.exp(log_density).T, levels=[0.1, 0.3, 0.6, 0.9], colors=color)
    if label:
        ax.plot([], [], color=color, label=label)
