import numpy as np
import tensorflow as tf

from course import training


def test_minibatches_cover_every_example_once_per_epoch():
    x = np.arange(10)
    batches = training.minibatches(x, batch_size=5, seed=0)
    epoch = np.concatenate([next(batches), next(batches)])
    assert sorted(epoch) == list(range(10))
    assert len(next(training.minibatches(x, batch_size=50))) == 10  # a batch never exceeds the data


def test_make_step_descends_the_loss():
    target = tf.constant([3.0, -1.0])
    theta = tf.Variable(tf.zeros(2))
    step = training.make_step(lambda batch: tf.reduce_sum((theta - target) ** 2) * tf.reduce_mean(batch),
                              [theta], tf.keras.optimizers.SGD(0.1))
    losses = [float(step(tf.ones(4))) for _ in range(50)]
    assert losses[-1] < 1e-3 < losses[0]
    np.testing.assert_allclose(theta.numpy(), target.numpy(), atol=0.02)


def test_fit_records_curves_at_both_ends_and_every_eval_every_steps():
    calls = []
    curves = training.fit(lambda batch: calls.append(len(batch)) or 0.0, np.zeros((30, 2)), num_steps=7,
                          batch_size=10, evaluate=lambda: {"seen": len(calls)}, eval_every=3)
    assert calls == [10] * 7
    steps, values = curves["seen"]
    assert steps == [0, 3, 6, 7] and values == [0, 3, 6, 7]


def test_fit_hands_each_minibatch_through_transform_before_the_step():
    from course import data

    seen = []
    grey = np.full((40, 6), 0.5, np.float32)
    rng = np.random.default_rng(0)
    training.fit(lambda batch: seen.append(batch) or 0.0, grey, num_steps=8, batch_size=10,
                 transform=lambda batch: data.binarize_dynamic(batch, rng))
    assert all(set(np.unique(batch)) <= {0.0, 1.0} for batch in seen)
    assert not np.array_equal(seen[0], seen[4])  # the same images, binarized afresh in the next epoch
