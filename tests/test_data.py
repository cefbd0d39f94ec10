import numpy as np
import pytest

from course import data


def test_bundled_subset_is_real_mnist_in_the_documented_layout(capsys):
    mnist = data.load_mnist(binarize=None)
    assert "bundled MNIST subset" in capsys.readouterr().out
    assert mnist.source == "bundled MNIST subset"
    assert mnist.x_train.shape == (10_000, 784) and mnist.x_test.shape == (2_000, 784)
    assert mnist.x_train.dtype == np.float32 and mnist.y_train.dtype == np.uint8
    assert 0.0 <= mnist.x_train.min() and mnist.x_train.max() == 1.0
    # the canonical order of MNIST: the first training and test labels
    assert list(mnist.y_train[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(mnist.y_test[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert set(np.unique(mnist.y_train)) == set(range(10))


def test_threshold_binarization_is_at_one_half():
    grey = data.load_mnist(binarize=None)
    binary = data.load_mnist(binarize="threshold")
    assert set(np.unique(binary.x_train)) == {0.0, 1.0}
    np.testing.assert_array_equal(binary.x_test, (grey.x_test > 0.5).astype(np.float32))


def test_dynamic_binarization_draws_pixels_with_their_intensity():
    grey = data.load_mnist(binarize=None).x_train[:2000]
    rng = np.random.default_rng(0)
    draws = np.mean([data.binarize_dynamic(grey, rng) for _ in range(20)], axis=0)
    assert set(np.unique(data.binarize_dynamic(grey, rng))) == {0.0, 1.0}
    assert abs(draws.mean() - grey.mean()) < 0.01
    seeded = [data.load_mnist(binarize="dynamic", seed=s).x_test for s in (1, 1, 2)]
    np.testing.assert_array_equal(seeded[0], seeded[1])
    assert np.any(seeded[0] != seeded[2])


def test_course_data_dir_is_used_first(tmp_path, monkeypatch):
    images = np.full((3, 28, 28), 255, np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=images, y_train=np.arange(3, dtype=np.uint8),
             x_test=images[:1], y_test=np.zeros(1, np.uint8))
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    mnist = data.load_mnist()
    assert mnist.x_train.shape == (3, 784) and mnist.x_test.shape == (1, 784)
    assert mnist.source.startswith("full MNIST from")


def test_a_course_data_dir_without_mnist_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="COURSE_DATA_DIR"):
        data.load_mnist()


def test_a_failed_download_falls_back_to_the_bundled_subset(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "0")

    def offline():
        raise OSError("no network")

    monkeypatch.setattr(data, "_keras_download", offline)
    mnist = data.load_mnist()
    assert mnist.source == "bundled MNIST subset"
    assert "the Keras download failed: OSError" in capsys.readouterr().out


def test_the_keras_download_is_used_when_it_works(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    images = np.zeros((2, 28, 28), np.uint8)
    monkeypatch.setattr(data, "_keras_download", lambda: ((images, np.zeros(2, np.uint8)), (images, np.ones(2, np.uint8))))
    mnist = data.load_mnist()
    assert mnist.source == "full MNIST from the Keras download" and mnist.x_train.shape == (2, 784)


def test_expected_figures_follow_the_data_set_and_the_mode(monkeypatch):
    figures = dict(full="about -146", subset="about -162", fast="near -377")
    bundled = data.Mnist(*[np.zeros(1)] * 4, source=data.BUNDLED_SOURCE)
    full = data.Mnist(*[np.zeros(1)] * 4, source="full MNIST from the Keras download")
    monkeypatch.setenv("COURSE_FAST", "0")
    assert data.expected(bundled, **figures) == "about -162 (the bundled subset)"
    assert data.expected(full, **figures) == "about -146 (full MNIST)"
    monkeypatch.setenv("COURSE_FAST", "1")
    assert data.expected(full, **figures) == "near -377 (fast mode's shortened run)"


def test_unknown_binarization_is_refused():
    with pytest.raises(ValueError, match="binarize"):
        data.load_mnist(binarize="half")


def test_bars_lie_on_a_one_dimensional_manifold():
    x, z = data.make_bars(500, size=4, noise=0.0, seed=1)
    assert x.shape == (500, 16) and z.shape == (500,) and x.dtype == np.float32
    assert z.min() >= 0.0 and z.max() <= 3.0
    images = x.reshape(500, 4, 4)
    np.testing.assert_array_equal(images, np.repeat(images[:, :1, :], 4, axis=1))  # vertical bars
    np.testing.assert_allclose(images[:, 0, :].sum(axis=1), 1.0, atol=1e-6)  # one bar's worth of ink
    np.testing.assert_allclose(images[:, 0, :] @ np.arange(4), z, atol=1e-5)  # centred at z


def test_bars_noise_is_gaussian_with_the_given_std():
    x_noisy, z = data.make_bars(20_000, noise=0.1, seed=3)
    x_clean, z_clean = data.make_bars(20_000, noise=0.0, seed=3)
    np.testing.assert_array_equal(z, z_clean)
    assert abs(np.std(x_noisy - x_clean) - 0.1) < 0.002
    assert abs(np.mean(x_noisy - x_clean)) < 0.002


def test_bars_are_reproducible_by_seed():
    a, b, c = data.make_bars(10, seed=5), data.make_bars(10, seed=5), data.make_bars(10, seed=6)
    np.testing.assert_array_equal(a[0], b[0])
    assert np.any(a[0] != c[0])


def test_bar_images_light_one_column_at_integer_positions():
    images = data.bar_images([0.0, 2.0, 2.5], size=4).reshape(3, 4, 4)
    np.testing.assert_array_equal(images[0, :, 0], 1.0)
    np.testing.assert_array_equal(images[1, 0], [0.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(images[2, 0], [0.0, 0.0, 0.5, 0.5])


def test_column_bars_follow_the_given_frequencies():
    x, z = data.make_bars(20_000, noise=0.0, seed=2, column_probs=[0.2, 0.4, 0.2, 0.2])
    np.testing.assert_array_equal(z, np.round(z))
    np.testing.assert_allclose(np.bincount(z.astype(int)) / len(z), [0.2, 0.4, 0.2, 0.2], atol=0.01)
    np.testing.assert_array_equal(x, data.bar_images(z).astype(np.float32))


def test_mean_image_logits_are_the_clipped_logits_of_the_mean():
    x = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]], np.float32)
    np.testing.assert_allclose(data.mean_image_logits(x), [np.log(1e-3 / (1 - 1e-3)), np.log((1 - 1e-3) / 1e-3), 0.0], atol=1e-5)
