"""Log-densities in TensorFlow, as written by hand in assignment 01 (float32, event axis last)."""
import numpy as np
import tensorflow as tf

LOG_2PI = float(np.log(2.0 * np.pi))


def log_bernoulli(x, logits):
    """log p(x | logits) of independent Bernoulli variables, summed over the last axis."""
    x = tf.cast(x, tf.float32)
    logits = tf.cast(logits, tf.float32)
    return tf.reduce_sum(x * logits - tf.nn.softplus(logits), axis=-1)


def log_normal_diag(x, mu, log_var):
    """log N(x | mu, diag(exp(log_var))), summed over the last axis."""
    x, mu, log_var = (tf.cast(v, tf.float32) for v in (x, mu, log_var))
    return -0.5 * tf.reduce_sum(LOG_2PI + log_var + tf.square(x - mu) * tf.exp(-log_var), axis=-1)


def kl_normal_diag_std(mu, log_var):
    """KL(N(mu, diag(exp(log_var))) || N(0, I)) in closed form, summed over the last axis."""
    mu, log_var = (tf.cast(v, tf.float32) for v in (mu, log_var))
    return 0.5 * tf.reduce_sum(tf.exp(log_var) + tf.square(mu) - 1.0 - log_var, axis=-1)
