import numpy as np
import pytest
import tensorflow as tf

from course import checks


def test_assert_close_passes_on_tensors_and_names_the_misconception_on_failure():
    checks.assert_close(tf.constant([1.0, 2.0]), np.array([1.0, 2.0]))
    with pytest.raises(AssertionError, match="sum over pixels"):
        checks.assert_close(tf.constant([1.0]), [2.0], "sum over pixels")


def test_assert_close_checks_the_shape_first():
    with pytest.raises(AssertionError, match=r"shape is \(2, 1\), expected \(2,\)"):
        checks.assert_close(np.zeros((2, 1)), np.zeros(2), "keep the batch axis")


def test_assert_finite_counts_the_bad_values():
    checks.assert_finite([1.0, -3.0])
    with pytest.raises(AssertionError, match="2 of 3 values"):
        checks.assert_finite([np.nan, np.inf, 0.0], "use logits")


def test_assert_float32():
    checks.assert_float32(tf.zeros(2))
    with pytest.raises(AssertionError, match="float64"):
        checks.assert_float32(np.zeros(2))


def test_assert_within_sigmas_uses_the_standard_error():
    checks.assert_within_sigmas(0.31, 0.30, std_error=0.01)
    with pytest.raises(AssertionError, match="standard errors"):
        checks.assert_within_sigmas(0.40, 0.30, std_error=0.01, hint="u < p")


class Agreeable(np.ndarray):
    """An answer that claims to equal whatever it is compared with."""

    def __eq__(self, other):
        return np.ones(np.shape(other), bool)

    def __array_ufunc__(self, *args, **kwargs):
        return np.zeros(1)

    def __array_function__(self, *args, **kwargs):
        return True

    def numpy(self):
        return self


def test_an_answer_cannot_choose_how_it_compares():
    liar = np.zeros(3).view(Agreeable)
    copy = checks.to_numpy(liar)
    assert type(copy) is np.ndarray and checks.as_float64(liar).dtype == np.float64
    with pytest.raises(AssertionError):
        checks.assert_close(liar, np.ones(3))
    with pytest.raises(AssertionError):
        checks.assert_finite(np.array([np.nan]).view(Agreeable))


def test_draws_stacks_repeated_calls_of_a_random_function():
    rng = np.random.default_rng(0)
    values = checks.draws(lambda n, scale=1.0: tf.constant(scale * rng.standard_normal(n)), 5, 3, scale=2.0)
    assert type(values) is np.ndarray and values.shape == (5, 3)
    assert len({tuple(row) for row in values}) == 5, "each draw is a call of its own"


def test_with_optimizer_makes_one_optimizer_for_the_call_and_counts_its_steps():
    variable = tf.Variable(3.0)

    def descend(steps, optimizer, target=1.0):
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = (variable - target) ** 2
            optimizer.apply_gradients([(tape.gradient(loss, variable), variable)])
        return float(variable)

    value, steps = checks.with_optimizer(descend, 7, optimizer="SGD", learning_rate=0.1, target=2.0)
    assert steps == 7 and value == pytest.approx(2.0 + 0.8**7, rel=1e-5)


def test_assert_fresh_noise_tells_no_noise_from_shared_noise():
    checks.assert_fresh_noise(np.random.default_rng(0).normal(size=(5, 2)), np.zeros(2), "rows", "fix it")
    with pytest.raises(AssertionError, match="all 5 rows are the same, equal to the value without noise: no noise was drawn; fix it"):
        checks.assert_fresh_noise(np.ones((5, 2)), np.ones(2), "rows", "fix it")
    with pytest.raises(AssertionError, match="all 4 estimates are the same, one noise draw is shared by all of them; draw more"):
        checks.assert_fresh_noise(tf.fill([4], 2.5), 3.0, "estimates", "draw more")


def test_shape_hint_turns_a_shape_error_into_the_hint_and_lets_other_errors_pass():
    with pytest.raises(AssertionError, match=r"^give z a trailing axis\nInvalidArgumentError: .*Incompatible shapes"):
        with checks.shape_hint("give z a trailing axis"):
            tf.zeros(3) * tf.zeros(16)
    with pytest.raises(AssertionError, match=r"^a hint\nValueError: bad"):
        with checks.shape_hint("a hint"):
            raise ValueError("bad")
    with pytest.raises(NotImplementedError):
        with checks.shape_hint("not for an unwritten stub"):
            raise NotImplementedError


def test_kl_by_integration_agrees_with_the_closed_form():
    for mu, log_var in [(0.0, 0.0), (0.5, 0.3), (-1.5, -1.0), (2.0, -4.0), (-0.3, 2.0)]:
        closed = 0.5 * (np.exp(log_var) + mu**2 - 1.0 - log_var)
        assert abs(checks.kl_by_integration(mu, log_var) - closed) < 1e-9


def test_diagnosis_names_a_mistake_only_when_the_answer_matches_it():
    mistakes = {"the -1 per dimension is missing": 1.5, "the KL is negated": -0.2}
    assert checks.diagnosis(tf.constant(1.5), mistakes, "observed") == "the -1 per dimension is missing"
    assert checks.diagnosis(-0.2, mistakes, "observed") == "the KL is negated"
    assert checks.diagnosis(-0.0015, mistakes, "yours is -0.0015") == "yours is -0.0015"
    assert checks.diagnosis([1.5, 1.5], mistakes, "another shape") == "another shape"
    assert checks.diagnosis([-np.inf, 2.0], {"underflow": [-np.inf, 2.0]}, "") == "underflow"
