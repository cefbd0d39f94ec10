import numpy as np
import scipy.integrate
import scipy.special
import scipy.stats

from course import widgets


def _model():
    rng = np.random.default_rng(0)
    w, b = rng.normal(size=5) * 0.8, rng.normal(size=5)
    x = b + 0.7 * w + 0.3 * rng.normal(size=5)
    return x, w, b, 0.3


def _posterior(x, w, b, s):
    precision = 1 + w @ w / s**2
    return (w @ (x - b) / s**2) / precision, 1 / np.sqrt(precision)


def test_explorer_evidence_matches_the_closed_form():
    x, w, b, s = _model()
    explorer = widgets.ElboExplorer(x, w, b, s)
    exact = scipy.stats.multivariate_normal(b, s**2 * np.eye(5) + np.outer(w, w)).logpdf(x)
    np.testing.assert_allclose(explorer.log_evidence, exact, atol=1e-6)
    mean, std = _posterior(x, w, b, s)
    np.testing.assert_allclose([explorer.posterior_mean, explorer.posterior_std], [mean, std], atol=1e-5)


def test_elbo_is_a_bound_that_is_tight_at_the_posterior():
    x, w, b, s = _model()
    explorer = widgets.ElboExplorer(x, w, b, s)
    mean, std = _posterior(x, w, b, s)
    np.testing.assert_allclose(explorer.elbo(mean, std), explorer.log_evidence, atol=1e-6)
    for q_mean, q_std in [(0.0, 1.0), (mean + 0.3, std), (mean, 2 * std)]:
        gap = explorer.log_evidence - explorer.elbo(q_mean, q_std)
        kl = np.log(std / q_std) + (q_std**2 + (q_mean - mean) ** 2) / (2 * std**2) - 0.5
        np.testing.assert_allclose(gap, kl, rtol=1e-4, atol=1e-6)


def test_moving_a_slider_updates_the_readout_and_the_picture():
    x, w, b, s = _model()
    explorer = widgets.ElboExplorer(x, w, b, s)
    before = explorer.readout.value
    explorer.q_mean.value = 1.5
    after = explorer.readout.value
    assert before != after and f"{explorer.elbo(1.5, explorer.q_std.value):.3f}" in after
    fig = explorer.figure(1.5, 0.2)
    q_line = fig.axes[1].lines[0]
    assert abs(q_line.get_xdata()[np.argmax(q_line.get_ydata())] - 1.5) < 0.01
    assert len(fig.axes[0].collections) == 1  # the shaded evidence


def _bars_model(x, theta, z):
    from course import data
    means = data.bar_images(3 * scipy.stats.norm.cdf(theta * z))
    return scipy.stats.norm.logpdf(z) + scipy.stats.norm.logpdf(x[:, None, :], means, 0.1).sum(-1)


def test_evidence_explorer_sums_log_areas_and_peaks_near_the_generating_theta():
    from course import data
    x, _ = data.make_bars(60, noise=0.1, seed=4)
    z = np.linspace(-5, 5, 2001)
    explorer = widgets.EvidenceExplorer(x, _bars_model, np.linspace(0.4, 3.0, 14), z)
    one = scipy.integrate.quad(lambda t: np.exp(_bars_model(x[:1], 1.0, np.array([t]))[0, 0]), -5, 5, points=[0.0],
                               limit=500)[0]
    np.testing.assert_allclose(explorer.log_areas(1.0)[0], np.log(one), atol=1e-3)
    assert 0.8 <= explorer.thetas[np.argmax(explorer.curve)] <= 1.4  # positions were drawn with theta = 1
    explorer.theta.value = 2.0
    assert f"{explorer.log_areas(2.0).sum():.1f}" in explorer.readout.value
    fig = explorer.figure(2.0)
    assert len(fig.axes[0].lines) == explorer.num_shown and len(fig.axes[0].collections) == explorer.num_shown


def test_class_explorer_shows_the_class_image_and_its_samples():
    rng = np.random.default_rng(1)
    probs = rng.random((5, 16))
    explorer = widgets.ClassExplorer(probs, np.full(5, 0.2), num_samples=3)
    explorer.k.value = 2
    assert "p(z = 2) = <b>0.200</b>" in explorer.readout.value
    fig = explorer.figure(4)
    shown = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(shown) == 4
    np.testing.assert_allclose(shown[0], probs[4].reshape(4, 4))
    assert all(set(np.unique(sample)) <= {0.0, 1.0} for sample in shown[1:])


def test_class_explorer_samples_follow_the_class_probabilities():
    probs = np.array([[0.0, 1.0, 0.5, 0.5], [1.0, 0.0, 0.1, 0.9]])
    explorer = widgets.ClassExplorer(probs, [0.5, 0.5])
    np.testing.assert_allclose(explorer.samples(1, 20_000).mean(axis=0), probs[1], atol=0.015)


def test_latent_explorer_decodes_the_slider_position():
    seen = []

    def decode(z):
        seen.append(z.copy())
        return np.full(784, min(1.0, abs(float(z[0]))))

    codes = np.random.default_rng(0).normal(size=(50, 2))
    explorer = widgets.LatentExplorer(decode, codes, np.arange(50) % 10)
    explorer.z[0].value = 0.5
    np.testing.assert_allclose(seen[-1], [0.5, 0.0])
    assert "0.50" in explorer.readout.value
    fig = explorer.figure(1.0, -1.0)
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), np.ones((28, 28)))
    marker = fig.axes[0].lines[0]
    assert (marker.get_xdata()[0], marker.get_ydata()[0]) == (1.0, -1.0)


def _log_joint_grid(x, decoder, z_grid):
    """A NumPy stand-in for the student's log_joint_grid (which may return an array)."""
    probs = scipy.special.expit(np.asarray(decoder(z_grid), dtype=np.float64))
    return scipy.stats.bernoulli.logpmf(x, probs).sum(-1) + scipy.stats.norm.logpdf(z_grid).sum(-1)


def _log_likelihood_top(x_top, logits):
    probs = scipy.special.expit(np.asarray(logits, dtype=np.float64)[..., :392])
    return scipy.stats.bernoulli.logpmf(x_top, probs).sum(-1)


def _posterior_explorer(svi_top_half=lambda *args: (np.zeros(2), np.zeros(2)), **functions):
    from course import vae_training

    encoder, decoder = vae_training.load_pretrained(2)
    images = (np.random.default_rng(0).random((3, 784)) < 0.1).astype(np.float32)
    functions = {"log_joint_grid": _log_joint_grid, "log_likelihood_top": _log_likelihood_top,
                 "svi_top_half": svi_top_half, **functions}
    return widgets.PosteriorExplorer(encoder, decoder, images, np.arange(3), **functions, svi_steps=7), images


def test_posterior_explorer_draws_the_students_posterior_and_svi_fit():
    calls = []
    explorer, images = _posterior_explorer(lambda *args: calls.append(args) or (np.array([0.5, -0.5]), np.zeros(2)))
    assert calls == [], "the full digit needs no SVI"
    log_post = explorer.log_posterior(1, top_only=False)
    assert log_post.shape == (81, 81)
    np.testing.assert_allclose(np.exp(log_post).sum(), 1.0, rtol=1e-6)
    expected = _log_joint_grid(images[1], explorer.decoder, explorer.grid).reshape(81, 81)
    np.testing.assert_allclose(log_post, expected - scipy.special.logsumexp(expected), atol=1e-6)
    changed = images.copy()
    changed[1, 392:] = 1 - changed[1, 392:]
    explorer.images = changed
    unchanged = _posterior_explorer()[0].log_posterior(1, True)
    np.testing.assert_allclose(explorer.log_posterior(1, top_only=True), unchanged, atol=1e-6,
                               err_msg="the top half's posterior ignores the bottom pixels")
    explorer.top_only.value = True
    assert "top half only" in explorer.readout.value
    (x_top, decoder, steps, *_), = calls
    np.testing.assert_array_equal(x_top, changed[0, :392])
    assert decoder is explorer.decoder and steps == 7
    labels = [text.get_text() for text in explorer.figure(0, True).axes[1].get_legend().get_texts()]
    assert labels == ["q(z|x) (encoder, full digit)", "SVI fit (your svi_top_half)"]


def test_posterior_explorer_asks_for_stubs_and_names_errors():
    def stub(*args):
        raise NotImplementedError()

    explorer, _ = _posterior_explorer(log_joint_grid=stub)
    assert "write them first" in explorer.readout.value and "log_joint_grid" in explorer.readout.value

    def broken(*args):
        raise ValueError("shapes (3,) and (784,) do not match")

    explorer.log_joint_grid = broken
    explorer.index.value = 2
    assert "ValueError: shapes (3,) and (784,) do not match" in explorer.readout.value
    explorer.log_joint_grid = _log_joint_grid
    explorer.index.value = 1
    assert explorer.readout.value == explorer.describe(1, False)
