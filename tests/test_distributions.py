import numpy as np
import scipy.special
import scipy.stats

from course import distributions


def test_log_bernoulli_matches_scipy_and_stays_finite():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, size=(4, 9)).astype(np.float32)
    logits = rng.normal(scale=3, size=(4, 9)).astype(np.float32)
    expected = scipy.stats.bernoulli.logpmf(x, scipy.special.expit(logits)).sum(-1)
    np.testing.assert_allclose(distributions.log_bernoulli(x, logits), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(distributions.log_bernoulli([1.0, 0.0], [-100.0, 100.0]), -200.0, rtol=1e-6)


def test_log_normal_diag_matches_scipy():
    rng = np.random.default_rng(1)
    x, mu, log_var = rng.normal(size=(3, 5, 2))
    expected = scipy.stats.norm.logpdf(x, mu, np.exp(0.5 * log_var)).sum(-1)
    np.testing.assert_allclose(distributions.log_normal_diag(x, mu, log_var), expected, rtol=1e-5, atol=1e-5)


def test_kl_normal_diag_std_matches_monte_carlo():
    mu, log_var = np.array([0.5, -1.0]), np.array([0.2, -0.7])
    rng = np.random.default_rng(2)
    z = mu + np.exp(0.5 * log_var) * rng.standard_normal((400_000, 2))
    mc = np.mean(scipy.stats.norm.logpdf(z, mu, np.exp(0.5 * log_var)).sum(-1) - scipy.stats.norm.logpdf(z).sum(-1))
    np.testing.assert_allclose(distributions.kl_normal_diag_std(mu, log_var), mc, atol=0.01)
    np.testing.assert_allclose(distributions.kl_normal_diag_std(np.zeros(3), np.zeros(3)), 0.0, atol=1e-7)
