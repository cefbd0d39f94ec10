import numpy as np
import pytest

from course import plots


def test_image_grid_draws_every_image_with_its_title():
    images = np.random.default_rng(0).random((10, 784)).astype(np.float32)
    fig = plots.image_grid(images, ncols=4, titles=list(range(10)), title="digits")
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 12 and len(drawn) == 10
    np.testing.assert_array_equal(drawn[3].images[0].get_array(), images[3].reshape(28, 28))
    assert drawn[9].get_title() == "9" and fig._suptitle.get_text() == "digits"


def test_image_grid_infers_square_shapes_and_accepts_tensors():
    import tensorflow as tf

    fig = plots.image_grid(tf.zeros((3, 16)))
    assert fig.axes[0].images[0].get_array().shape == (4, 4)
    fig = plots.image_grid(np.zeros((2, 6)), image_shape=(2, 3))
    assert fig.axes[0].images[0].get_array().shape == (2, 3)


def test_image_grid_rejects_a_shape_that_does_not_fit():
    with pytest.raises(ValueError, match="image_shape"):
        plots.image_grid(np.zeros((2, 10)))


def test_learning_curves_plots_each_named_curve():
    ax = plots.learning_curves({"train": ([0, 1, 2], [-200, -150, -120]), "test": ([0, 2], [-210, -130])},
                               ylabel="log-likelihood")
    assert [line.get_label() for line in ax.lines] == ["train", "test"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [-210, -130])
    assert ax.get_ylabel() == "log-likelihood"


def test_density_curves_shades_only_the_named_density():
    z = np.linspace(-3, 3, 50)
    ax = plots.density_curves(z, {"p(x, z)": np.exp(-z**2), "q(z)": np.exp(-(z - 1) ** 2)}, fill="p(x, z)")
    assert len(ax.lines) == 2 and len(ax.collections) == 1


def test_gaussian_contours_peak_at_the_mean():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    axis = np.linspace(-3, 3, 121)
    plots.gaussian_contours(ax, axis, axis, [1.0, -0.5], np.log([0.25, 0.04]), "red", label="q")
    contour = ax.collections[0] if ax.collections else None
    assert contour is not None and ax.get_legend_handles_labels()[1] == ["q"]
    vertices = np.concatenate([path.vertices for path in contour.get_paths() if len(path.vertices)])
    np.testing.assert_allclose(vertices.mean(axis=0), [1.0, -0.5], atol=0.05)
    assert np.ptp(vertices[:, 0]) > np.ptp(vertices[:, 1])  # wider along the larger variance
