"""Answers written differently from the reference, and realistic wrong answers, for each assignment.

A ``Variant`` replaces functions of one solution cell. A correct one (``correct=True``) must pass
every listed test cell, hidden tests included: another random call, a loop instead of a
vectorized form, NumPy where the docstring allows it, an equivalent closed form. A planted bug
(``correct=False``) must fail every listed test cell, on realistic inputs, and where ``says`` is given, the
first of them with a message that names the mistake.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    replaces: str  # grade id of the solution cell whose functions the code redefines
    tests: tuple  # grade ids of the test cells that judge it
    correct: bool
    code: str
    says: str = ""  # for a planted bug: words its first failing test's message must contain


VARIANTS = {
    "01_elbo": {
        "logsumexp through exp, unshifted": Variant("logsumexp", ("test_logsumexp",), False, '''
def logsumexp(a, axis=-1):
    return tf.math.log(tf.reduce_sum(tf.exp(tf.cast(a, tf.float32)), axis=axis))
'''),
        "logsumexp shifted by the maximum of the whole tensor": Variant("logsumexp", ("test_logsumexp",), False, '''
def logsumexp(a, axis=-1):
    a = tf.cast(a, tf.float32)
    m = tf.reduce_max(a)  # the maximum of the whole tensor, not along axis
    m = tf.where(tf.math.is_finite(m), m, tf.zeros_like(m))
    return tf.math.log(tf.reduce_sum(tf.exp(a - m), axis=axis)) + m
''', says="by its own maximum"),
        "Bernoulli samples with u > p": Variant("bernoulli", ("test_sample_bernoulli",), False, '''
def sample_bernoulli(probs):
    probs = tf.cast(probs, tf.float32)
    return tf.cast(tf.random.uniform(tf.shape(probs)) > probs, tf.float32)
''', says="compare u < p"),
        "Bernoulli samples with keras.random and u > 1 - p": Variant("bernoulli", ("test_sample_bernoulli",), True, '''
import keras
def sample_bernoulli(probs):
    probs = tf.cast(probs, tf.float32)
    return tf.where(keras.random.uniform(tf.shape(probs)) > 1.0 - probs, 1.0, 0.0)
'''),
        "log_bernoulli through log(sigmoid(.))": Variant("bernoulli", ("test_log_bernoulli",), False, '''
def log_bernoulli(x, logits):
    x, p = tf.cast(x, tf.float32), tf.sigmoid(tf.cast(logits, tf.float32))
    return tf.reduce_sum(x * tf.math.log(p) + (1 - x) * tf.math.log(1 - p), axis=-1)
'''),
        "log_bernoulli with log_sigmoid of both signs": Variant("bernoulli", ("test_log_bernoulli",), True, '''
def log_bernoulli(x, logits):
    x, logits = tf.cast(x, tf.float32), tf.cast(logits, tf.float32)
    return tf.reduce_sum(x * tf.math.log_sigmoid(logits) + (1 - x) * tf.math.log_sigmoid(-logits), axis=-1)
'''),
        "Gaussian samples with log_var as the standard deviation": Variant("gaussian", ("test_sample_normal_diag",), False, '''
def sample_normal_diag(mu, log_var):
    mu, log_var = tf.cast(mu, tf.float32), tf.cast(log_var, tf.float32)
    return mu + log_var * tf.random.normal(tf.shape(mu + log_var))
'''),
        "Gaussian samples with NumPy noise (frozen inside tf.function)": Variant(
            "gaussian", ("test_sample_normal_diag",), False, '''
def sample_normal_diag(mu, log_var):
    mu, log_var = tf.cast(mu, tf.float32), tf.cast(log_var, tf.float32)
    eps = np.random.default_rng().standard_normal(np.broadcast_shapes(mu.shape, log_var.shape)).astype(np.float32)
    return mu + tf.exp(0.5 * log_var) * eps
'''),
        "Gaussian log-density in NumPy (no gradient, no tf.function)": Variant("gaussian", ("test_log_normal_diag",), False, '''
def log_normal_diag(x, mu, log_var):
    x, mu, log_var = (np.asarray(v, np.float32) for v in (x, mu, log_var))
    return (-0.5 * np.sum(np.log(2 * np.pi) + log_var + (x - mu) ** 2 * np.exp(-log_var), axis=-1)).astype(np.float32)
'''),
        "KL with log(variance + 0.001) in place of log_var": Variant("gaussian", ("test_kl_normal_diag_std",), False, '''
def kl_normal_diag_std(mu, log_var):
    mu, log_var = tf.cast(mu, tf.float32), tf.cast(log_var, tf.float32)
    variance = tf.exp(log_var)
    return 0.5 * tf.reduce_sum(variance + tf.square(mu) - 1.0 - tf.math.log(variance + 0.001), axis=-1)
''', says="is exactly 0; yours is"),
        "Gaussian samples with noise of log_var's shape": Variant("gaussian", ("test_sample_normal_diag",), False, '''
def sample_normal_diag(mu, log_var):
    mu, log_var = tf.cast(mu, tf.float32), tf.cast(log_var, tf.float32)
    return mu + tf.exp(0.5 * log_var) * tf.random.normal(tf.shape(log_var))
'''),
        "KL without the -1 per dimension": Variant("gaussian", ("test_kl_normal_diag_std",), False, '''
def kl_normal_diag_std(mu, log_var):
    mu, log_var = tf.cast(mu, tf.float32), tf.cast(log_var, tf.float32)
    return 0.5 * tf.reduce_sum(tf.exp(log_var) + tf.square(mu) - log_var, axis=-1)
'''),
        "KL as -1/2 sum(1 + v - mu^2 - e^v)": Variant("gaussian", ("test_kl_normal_diag_std",), True, '''
def kl_normal_diag_std(mu, log_var):
    mu, log_var = tf.cast(mu, tf.float32), tf.cast(log_var, tf.float32)
    return -0.5 * tf.reduce_sum(1.0 + log_var - mu**2 - tf.exp(log_var), axis=-1)
'''),
        "ELBO estimate by a loop over samples": Variant("elbo_estimate", ("test_elbo_estimate", "test_kl_identity"), True, '''
def elbo_estimate(x, q_mu, q_log_var, w, b, s, num_samples):
    x, q_mu, q_log_var, w, b, s = (tf.cast(v, tf.float32) for v in (x, q_mu, q_log_var, w, b, s))
    terms = []
    for _ in range(num_samples):
        z = sample_normal_diag(q_mu, q_log_var)
        terms.append(log_normal_diag(x, z[..., None] * w + b, 2.0 * tf.math.log(s))
                     + log_normal_diag(z[..., None], 0.0, 0.0) - log_normal_diag(z[..., None], q_mu[..., None], q_log_var[..., None]))
    return tf.add_n(terms) / num_samples
'''),
        "ELBO estimate without the trailing latent axis": Variant("elbo_estimate", ("test_elbo_estimate",), False, '''
def elbo_estimate(x, q_mu, q_log_var, w, b, s, num_samples):
    x, q_mu, q_log_var, w, b, s = (tf.cast(v, tf.float32) for v in (x, q_mu, q_log_var, w, b, s))
    shape = tf.concat([[num_samples], tf.shape(q_mu)], axis=0)
    z = sample_normal_diag(tf.broadcast_to(q_mu, shape), tf.broadcast_to(q_log_var, shape))
    log_likelihood = log_normal_diag(x, z * w + b, 2.0 * tf.math.log(s))
    return tf.reduce_mean(log_likelihood + log_normal_diag(z, 0.0, 0.0) - log_normal_diag(z, q_mu, q_log_var), axis=0)
'''),
        "grid evidence in NumPy by the trapezoid rule": Variant("log_evidence_grid", ("test_log_evidence_grid",), True, '''
import scipy.special
def log_evidence_grid(log_joint, z_grid):
    log_joint = np.asarray(log_joint, dtype=np.float64)
    weights = np.full(log_joint.shape[-1], z_grid[1] - z_grid[0])
    weights[[0, -1]] /= 2
    return scipy.special.logsumexp(log_joint, axis=-1, b=weights).astype(np.float32)
'''),
        "grid evidence by exp, then sum, then log": Variant("log_evidence_grid", ("test_log_evidence_grid",), False, '''
def log_evidence_grid(log_joint, z_grid):
    log_joint = tf.cast(log_joint, tf.float32)
    return tf.math.log(tf.reduce_sum(tf.exp(log_joint), axis=-1) * float(z_grid[1] - z_grid[0]))
'''),
        "grid evidence without the spacing dz": Variant("log_evidence_grid", ("test_log_evidence_grid",), False, '''
def log_evidence_grid(log_joint, z_grid):
    return logsumexp(log_joint, axis=-1)
'''),
    },
    "02_naive_bayes": {
        "class likelihoods by a loop with log_sigmoid": Variant("log_likelihood", (
            "test_log_likelihood_per_class", "test_log_marginal", "test_log_posterior_classes"), True, '''
def log_likelihood_per_class(x, w, c):
    x, w, c = (tf.cast(v, tf.float32) for v in (x, w, c))
    columns = []
    for k in range(w.shape[0]):
        logits = w[k] + c
        columns.append(tf.reduce_sum(x * tf.math.log_sigmoid(logits) + (1 - x) * tf.math.log_sigmoid(-logits), axis=1))
    return tf.stack(columns, axis=1)
'''),
        "log p(x) as log(sum(exp(.)))": Variant("log_likelihood", ("test_log_marginal",), False, '''
def log_marginal(x, w, b, c):
    return tf.math.log(tf.reduce_sum(tf.exp(log_prior(b) + log_likelihood_per_class(x, w, c)), axis=1))
'''),
        "log p(x) by a loop over classes and tf.reduce_logsumexp": Variant("log_likelihood", (
            "test_log_marginal", "test_training_raises_heldout_likelihood"), True, '''
def log_marginal(x, w, b, c):
    joint = log_prior(b) + log_likelihood_per_class(x, w, c)
    return tf.reduce_logsumexp(tf.stack([joint[:, k] for k in range(joint.shape[1])], axis=0), axis=0)
'''),
        "log p(x) in NumPy, so no gradient reaches w, b or c": Variant("log_likelihood", (
            "test_training_raises_heldout_likelihood",), False, '''
def log_marginal(x, w, b, c):
    joint = np.asarray(log_prior(b) + log_likelihood_per_class(x, w, c), dtype=np.float64)
    return tf.constant(scipy.special.logsumexp(joint, axis=1), tf.float32)
'''),
        "class posterior as log(softmax(.))": Variant("log_likelihood", ("test_log_posterior_classes",), False, '''
def log_posterior_classes(x, w, b, c):
    return tf.math.log(tf.nn.softmax(log_prior(b) + log_likelihood_per_class(x, w, c), axis=1))
'''),
        "class posterior with tf.nn.log_softmax": Variant("log_likelihood", ("test_log_posterior_classes",), True, '''
def log_posterior_classes(x, w, b, c):
    return tf.nn.log_softmax(log_prior(b) + log_likelihood_per_class(x, w, c), axis=1)
'''),
    },
    "03_sbn": {
        "joint with log_sigmoid and a loop over configurations": Variant("sbn_exact", (
            "test_sbn_log_joint", "test_sbn_log_marginal_exact", "test_sbn_log_posterior_exact"), True, '''
def sbn_log_joint(x, z, w, b, c):
    x, z, w, b, c = (tf.cast(v, tf.float32) for v in (x, z, w, b, c))
    columns = []
    for s in range(z.shape[0]):
        prior = tf.reduce_sum(z[s] * tf.math.log_sigmoid(b) + (1 - z[s]) * tf.math.log_sigmoid(-b))
        logits = tf.linalg.matvec(w, z[s], transpose_a=True) + c
        columns.append(prior + tf.reduce_sum(x * tf.math.log_sigmoid(logits) + (1 - x) * tf.math.log_sigmoid(-logits), axis=1))
    return tf.stack(columns, axis=1)
'''),
        "exact log p(x) in NumPy, so no gradient reaches w, b or c": Variant(
            "sbn_exact", ("test_sbn_log_marginal_exact",), False, '''
import scipy.special
def sbn_log_marginal_exact(x, w, b, c):
    log_joint = checks.to_numpy(sbn_log_joint(x, all_configurations(int(w.shape[0])), w, b, c)).astype(np.float64)
    return tf.constant(scipy.special.logsumexp(log_joint, axis=1), tf.float32)
'''),
        "posterior normalised after exp": Variant("sbn_exact", ("test_sbn_log_posterior_exact",), False, '''
def sbn_log_posterior_exact(x, w, b, c):
    p = tf.exp(sbn_log_joint(x, all_configurations(int(w.shape[0])), w, b, c))
    return tf.math.log(p / tf.reduce_sum(p, axis=1, keepdims=True))
'''),
        "naive Monte Carlo minus num_samples instead of log(num_samples)": Variant("naive_mc", (
            "test_sbn_log_marginal_naive_mc",), False, '''
def sbn_log_marginal_naive_mc(x, w, b, c, num_samples):
    x, w, b, c = (tf.cast(v, tf.float32) for v in (x, w, b, c))
    z = tf.cast(tf.random.uniform((num_samples, int(w.shape[0]))) < tf.sigmoid(b), tf.float32)
    logits = tf.matmul(z, w) + c
    log_likelihood = tf.matmul(x, logits, transpose_b=True) - tf.reduce_sum(tf.nn.softplus(logits), axis=1)
    return tf.reduce_logsumexp(log_likelihood, axis=1) - float(num_samples)  # S, not log S
''', says="subtracts log S, not S"),
        "naive Monte Carlo as log(mean(exp(.)))": Variant("naive_mc", ("test_sbn_log_marginal_naive_mc",), False, '''
def sbn_log_marginal_naive_mc(x, w, b, c, num_samples):
    x, w, b, c = (tf.cast(v, tf.float32) for v in (x, w, b, c))
    z = tf.cast(tf.random.uniform((num_samples, int(w.shape[0]))) < tf.sigmoid(b), tf.float32)
    logits = tf.matmul(z, w) + c
    log_likelihood = tf.matmul(x, logits, transpose_b=True) - tf.reduce_sum(tf.nn.softplus(logits), axis=1)
    return tf.math.log(tf.reduce_mean(tf.exp(log_likelihood), axis=1))
'''),
        "naive Monte Carlo with keras.random and a loop over images": Variant("naive_mc", (
            "test_sbn_log_marginal_naive_mc",), True, '''
import keras
def sbn_log_marginal_naive_mc(x, w, b, c, num_samples):
    x, w, b, c = (tf.cast(v, tf.float32) for v in (x, w, b, c))
    estimates = []
    for n in range(x.shape[0]):
        z = tf.where(keras.random.uniform((num_samples, int(w.shape[0]))) < tf.sigmoid(b), 1.0, 0.0)
        logits = z @ w + c
        log_likelihood = tf.reduce_sum(x[n] * logits - tf.nn.softplus(logits), axis=1)
        estimates.append(tf.reduce_logsumexp(log_likelihood) - np.log(num_samples))
    return tf.cast(tf.stack(estimates), tf.float32)
'''),
    },
    "04_vae": {
        "training loop over array_split minibatches, eager steps, test ELBO as a NumPy mean": Variant(
            "fit_vae", ("test_fit_vae",), True, '''
import time
def fit_vae(encoder, decoder, optimizer, x_train, x_test, epochs, batch_size=100, elbo=None, seed=0):
    rng = np.random.default_rng(seed)
    train, test, seconds, spent = [], [], [], 0.0
    for epoch in range(epochs):
        began = time.time()
        batches = np.array_split(rng.permutation(x_train), int(np.ceil(len(x_train) / batch_size)))
        losses = np.array([train_step(tf.convert_to_tensor(b), encoder, decoder, optimizer, elbo).numpy() for b in batches])
        spent += time.time() - began
        train.append(-losses.mean())
        test.append(np.mean(elbo_analytic_kl(x_test, encoder, decoder).numpy()))
        seconds.append(spent)
    return dict(train=train, test=test, seconds=seconds)
'''),
        "training loop that drops the last, smaller minibatch": Variant("fit_vae", ("test_fit_vae",), False, '''
import time
def fit_vae(encoder, decoder, optimizer, x_train, x_test, epochs, batch_size=100, elbo=None, seed=0):
    step = tf.function(lambda x: train_step(x, encoder, decoder, optimizer, elbo))
    rng = np.random.default_rng(seed)
    history, start = {"train": [], "test": [], "seconds": []}, time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        losses = [float(step(tf.constant(x_train[order[i:i + batch_size]])))
                  for i in range(0, len(x_train) - batch_size + 1, batch_size)]
        history["train"].append(-float(np.mean(losses)))
        history["test"].append(float(tf.reduce_mean(elbo_analytic_kl(x_test, encoder, decoder))))
        history["seconds"].append(time.perf_counter() - start)
    return history
''', says="keep the last, smaller minibatch"),
        "training loop that ignores the elbo argument": Variant("fit_vae", ("test_fit_vae",), False, '''
import time
def fit_vae(encoder, decoder, optimizer, x_train, x_test, epochs, batch_size=100, elbo=None, seed=0):
    step = tf.function(lambda x: train_step(x, encoder, decoder, optimizer))
    rng = np.random.default_rng(seed)
    history, start = {"train": [], "test": [], "seconds": []}, time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        losses = [float(step(tf.constant(x_train[order[i:i + batch_size]]))) for i in range(0, len(x_train), batch_size)]
        history["train"].append(-float(np.mean(losses)))
        history["test"].append(float(tf.reduce_mean(elbo_analytic_kl(x_test, encoder, decoder))))
        history["seconds"].append(time.perf_counter() - start)
    return history
''', says="pass elbo on to train_step"),
        "reparameterize with keras.random.normal": Variant("reparameterize", ("test_reparameterize",), True, '''
import keras
def reparameterize(mu, log_var):
    return mu + tf.exp(log_var / 2) * keras.random.normal(tf.shape(mu))
'''),
        "reparameterize with one noise draw shared by the batch": Variant("reparameterize", ("test_reparameterize",), False, '''
def reparameterize(mu, log_var):
    eps = tf.random.normal(tf.shape(mu)[-1:])  # one draw of shape (latent_dim,), shared by every row of the batch
    return mu + tf.exp(0.5 * log_var) * eps
''', says="one noise draw is shared by all of them"),
        "reparameterize with one noise draw per row, shared by the latent dimensions": Variant(
            "reparameterize", ("test_reparameterize",), False, '''
def reparameterize(mu, log_var):
    eps = tf.random.normal(tf.stack([tf.shape(mu)[0], 1]))  # one draw per row, shared by the latent dimensions
    return mu + tf.exp(0.5 * log_var) * eps
''', says="correlated"),
        "train_step that updates only the encoder": Variant("train_step", ("test_train_step",), False, '''
def train_step(x, encoder, decoder, optimizer):
    variables = encoder.trainable_variables  # the decoder's variables are left out
    with tf.GradientTape() as tape:
        loss = -tf.reduce_mean(elbo_analytic_kl(x, encoder, decoder))
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss
''', says="the decoder (theta) are unchanged"),
        "MC ELBO vectorized over samples, noise drawn in place, shape (N, S, L)": Variant("elbos", (
            "test_elbo_monte_carlo", "test_elbo_analytic_kl"), True, '''
def elbo_monte_carlo(x, encoder, decoder, num_samples=1):
    x = tf.cast(x, tf.float32)
    mu, log_var = encoder(x)
    n, latent = tf.shape(mu)[0], tf.shape(mu)[1]
    eps = tf.random.normal(tf.stack([n, num_samples, latent]))
    z = mu[:, None, :] + tf.exp(0.5 * log_var)[:, None, :] * eps
    logits = tf.reshape(decoder(tf.reshape(z, (-1, latent))), (n, num_samples, -1))
    log_px = tf.reduce_sum(x[:, None, :] * logits - tf.nn.softplus(logits), axis=-1)
    log_pz = -0.5 * tf.reduce_sum(np.log(2 * np.pi) + z**2, axis=-1)
    log_qz = -0.5 * tf.reduce_sum(np.log(2 * np.pi) + log_var[:, None, :] + eps**2, axis=-1)
    return tf.reduce_mean(log_px + log_pz - log_qz, axis=1)
'''),
        "analytic-KL ELBO vectorized over samples, shape (S, N, L)": Variant("elbos", ("test_elbo_analytic_kl",), True, '''
def elbo_analytic_kl(x, encoder, decoder, num_samples=1):
    x = tf.cast(x, tf.float32)
    mu, log_var = encoder(x)
    z = mu + tf.exp(0.5 * log_var) * tf.random.normal(tf.concat([[num_samples], tf.shape(mu)], axis=0))
    logits = tf.reshape(decoder(tf.reshape(z, (-1, tf.shape(mu)[1]))), (num_samples, tf.shape(mu)[0], -1))
    log_px = tf.reduce_mean(distributions.log_bernoulli(x, logits), axis=0)
    return log_px - 0.5 * tf.reduce_sum(tf.exp(log_var) + mu**2 - 1.0 - log_var, axis=-1)
'''),
        "MC ELBO in NumPy (right values, no gradient)": Variant("elbos", ("test_elbo_monte_carlo",), False, '''
import scipy.stats
def elbo_monte_carlo(x, encoder, decoder, num_samples=1):
    x = np.asarray(x, np.float32)
    mu, log_var = (checks.to_numpy(v) for v in encoder(x))
    total = 0.0
    for _ in range(num_samples):
        z = mu + np.exp(0.5 * log_var) * np.random.standard_normal(mu.shape)
        logits = checks.to_numpy(decoder(z.astype(np.float32)))
        total = total + ((x * logits - np.logaddexp(0, logits)).sum(-1) + scipy.stats.norm.logpdf(z).sum(-1)
                         - scipy.stats.norm.logpdf(z, mu, np.exp(0.5 * log_var)).sum(-1))
    return (total / num_samples).astype(np.float32)
''', says="stay a TensorFlow computation"),
        "MC ELBO with the pixel mean instead of the sum": Variant("elbos", ("test_elbo_monte_carlo",), False, '''
def elbo_monte_carlo(x, encoder, decoder, num_samples=1):
    x = tf.cast(x, tf.float32)
    mu, log_var = encoder(x)
    z = reparameterize(mu, log_var)
    logits = decoder(z)
    log_px = tf.reduce_mean(x * logits - tf.nn.softplus(logits), axis=-1)
    return log_px + distributions.log_normal_diag(z, 0.0, 0.0) - distributions.log_normal_diag(z, mu, log_var)
'''),
        "analytic-KL ELBO with the KL averaged over latent dimensions": Variant("elbos", ("test_elbo_analytic_kl",), False, '''
def elbo_analytic_kl(x, encoder, decoder, num_samples=1):
    x = tf.cast(x, tf.float32)
    mu, log_var = encoder(x)
    total = 0.0
    for _ in range(num_samples):
        total += distributions.log_bernoulli(x, decoder(reparameterize(mu, log_var)))
    return total / num_samples - 0.5 * tf.reduce_mean(tf.exp(log_var) + mu**2 - 1.0 - log_var, axis=-1)
'''),
        "class overlap by a loop over codes, in TensorFlow": Variant("code_confusion", ("test_code_confusion",), True, '''
def code_confusion(codes, labels, num_classes=10):
    codes, labels = tf.cast(codes, tf.float64), np.asarray(labels)
    means = tf.stack([tf.reduce_mean(tf.boolean_mask(codes, labels == k), axis=0) for k in range(num_classes)])
    table = np.zeros((num_classes, num_classes))
    for code, label in zip(codes, labels):
        table[label, int(tf.argmin(tf.reduce_sum((means - code) ** 2, axis=1)))] += 1
    return table / table.sum(axis=1, keepdims=True)
'''),
        "class overlap counted, not as fractions": Variant("code_confusion", ("test_code_confusion",), False, '''
def code_confusion(codes, labels, num_classes=10):
    codes, labels = np.asarray(codes, np.float64), np.asarray(labels)
    means = np.stack([codes[labels == k].mean(axis=0) for k in range(num_classes)])
    nearest = np.argmin(((codes[:, None, :] - means[None, :, :]) ** 2).sum(-1), axis=1)
    return np.stack([np.bincount(nearest[labels == k], minlength=num_classes) for k in range(num_classes)]).astype(float)
''', says="divide by the class's count"),
        "lattice through tf.math.ndtri, built row by row": Variant("manifold_lattice", ("test_manifold_lattice",), True, '''
def manifold_lattice(n, margin=0.05):
    axis = tf.math.ndtri(tf.linspace(margin, 1.0 - margin, n))
    rows = [tf.stack([axis, tf.fill([n], axis[n - 1 - r])], axis=1) for r in range(n)]
    return tf.cast(tf.concat(rows, axis=0), tf.float32)
'''),
        "lattice evenly spaced in z between the quantiles": Variant("manifold_lattice", ("test_manifold_lattice",), False, '''
def manifold_lattice(n, margin=0.05):
    axis = np.linspace(scipy.stats.norm.ppf(margin), scipy.stats.norm.ppf(1 - margin), n)
    return np.array([[z0, z1] for z1 in axis[::-1] for z0 in axis], dtype=np.float32)
'''),
        "interpolation by a loop, in NumPy": Variant("interpolate_codes", ("test_interpolate_codes",), True, '''
import scipy.special
def interpolate_codes(encoder, decoder, x_a, x_b, num_steps):
    mu_a = checks.to_numpy(encoder(x_a[None, :])[0])[0]
    mu_b = checks.to_numpy(encoder(x_b[None, :])[0])[0]
    frames = []
    for t in range(num_steps):
        a = t / (num_steps - 1)
        frames.append(scipy.special.expit(checks.to_numpy(decoder(((1 - a) * mu_a + a * mu_b)[None, :].astype(np.float32)))[0]))
    return np.array(frames, dtype=np.float32)
'''),
        "interpolation of the pixels, then encoded and decoded": Variant("interpolate_codes", ("test_interpolate_codes",), False, '''
def interpolate_codes(encoder, decoder, x_a, x_b, num_steps):
    alphas = tf.linspace(0.0, 1.0, num_steps)[:, None]
    blended = (1.0 - alphas) * tf.cast(x_a, tf.float32) + alphas * tf.cast(x_b, tf.float32)
    return tf.sigmoid(decoder(encoder(blended)[0]))
'''),
        "derived KL as -1/2 (1 + v - mu^2 - e^v)": Variant("kl_derived", ("test_kl_derived",), True, '''
def kl_derived(mu, log_var):
    return -0.5 * (1 + log_var - mu**2 - np.exp(log_var))
'''),
        "derived KL with sigma for sigma^2": Variant("kl_derived", ("test_kl_derived",), False, '''
def kl_derived(mu, log_var):
    return 0.5 * (np.exp(0.5 * log_var) + mu**2 - 1 - log_var)
'''),
        "encoder whose log-variance head ends in a softplus (a variance never below 1)": Variant(
            "networks", ("test_networks",), False, '''
class Encoder(keras.Model):
    def __init__(self, latent_dim, hidden_units):
        super().__init__()
        self.hidden = keras.layers.Dense(hidden_units, activation="tanh")
        self.mu = keras.layers.Dense(latent_dim)
        self.log_var = keras.layers.Dense(latent_dim, activation="softplus")

    def call(self, x):
        h = self.hidden(x)
        return self.mu(h), self.log_var(h)
'''),
        "MC ELBO with log(sigmoid) and log(1 - sigmoid)": Variant("elbos", ("test_elbo_monte_carlo",), False, '''
def elbo_monte_carlo(x, encoder, decoder, num_samples=1):
    x = tf.cast(x, tf.float32)
    mu, log_var = encoder(x)
    total = 0.0
    for _ in range(num_samples):
        z = reparameterize(mu, log_var)
        p = tf.sigmoid(decoder(z))
        log_px = tf.reduce_sum(x * tf.math.log(p) + (1 - x) * tf.math.log(1 - p), axis=-1)
        total += log_px + distributions.log_normal_diag(z, 0.0, 0.0) - distributions.log_normal_diag(z, mu, log_var)
    return total / num_samples
'''),
        "analytic-KL ELBO with log(sigmoid) and log(1 - sigmoid)": Variant("elbos", ("test_elbo_analytic_kl",), False, '''
def elbo_analytic_kl(x, encoder, decoder, num_samples=1):
    x = tf.cast(x, tf.float32)
    mu, log_var = encoder(x)
    total = 0.0
    for _ in range(num_samples):
        p = tf.sigmoid(decoder(reparameterize(mu, log_var)))
        total += tf.reduce_sum(x * tf.math.log(p) + (1 - x) * tf.math.log(1 - p), axis=-1)
    return total / num_samples - distributions.kl_normal_diag_std(mu, log_var)
'''),
        "softplus as -log_sigmoid(-a)": Variant("softplus", ("test_softplus",), True, '''
def softplus(a):
    return -tf.math.log_sigmoid(-tf.cast(a, tf.float32))
'''),
        "softplus as a logsumexp of 0 and a (e^a lost below -17)": Variant("softplus", ("test_softplus",), False, '''
def softplus(a):
    a = tf.cast(a, tf.float32)
    return tf.reduce_logsumexp(tf.stack([tf.zeros_like(a), a]), axis=0)
'''),
        "softplus as log(1 + exp(a))": Variant("softplus", ("test_softplus",), False, '''
def softplus(a):
    return tf.math.log(1.0 + tf.exp(tf.cast(a, tf.float32)))
'''),
    },
    "05_posteriors": {
        "importance weights by a loop over samples": Variant("importance", ("test_log_marginal_importance",), True, '''
def log_marginal_importance(x, encoder, decoder, num_samples):
    x = tf.cast(x, tf.float32)
    mu, log_var = encoder(x)
    log_w = []
    for _ in range(num_samples):
        z = mu + tf.exp(0.5 * log_var) * tf.random.normal(tf.shape(mu))
        log_w.append(distributions.log_bernoulli(x, decoder(z)) + distributions.log_normal_diag(z, 0.0, 0.0)
                     - distributions.log_normal_diag(z, mu, log_var))
    return tf.reduce_logsumexp(tf.stack(log_w), axis=0) - np.log(num_samples)
'''),
        "importance weights with the decoder called on the (S, N, 2) samples directly": Variant(
            "importance", ("test_log_marginal_importance",), True, '''
def log_marginal_importance(x, encoder, decoder, num_samples):
    x = tf.cast(x, tf.float32)
    mu, log_var = encoder(x)
    z = mu + tf.exp(0.5 * log_var) * tf.random.normal(tf.concat([[num_samples], tf.shape(mu)], axis=0))
    log_w = (distributions.log_bernoulli(x, decoder(z)) + distributions.log_normal_diag(z, 0.0, 0.0)
             - distributions.log_normal_diag(z, mu, log_var))
    return tf.reduce_logsumexp(log_w, axis=0) - tf.math.log(float(num_samples))
'''),
        "log-joint with log(sigmoid) and log(1 - sigmoid)": Variant(
            "log_joint_grid", ("test_log_joint_and_numerical_marginal",), False, '''
def log_joint_grid(x, decoder, z_grid):
    x = tf.reshape(tf.cast(x, tf.float32), (1, -1))
    p = tf.sigmoid(decoder(z_grid))
    log_px = tf.reduce_sum(x * tf.math.log(p) + (1 - x) * tf.math.log(1 - p), axis=-1)
    return log_px + distributions.log_normal_diag(z_grid, 0.0, 0.0)
'''),
        "importance estimate as log(mean(exp(.)))": Variant("importance", ("test_log_marginal_importance",), False, '''
def log_marginal_importance(x, encoder, decoder, num_samples):
    x = tf.cast(x, tf.float32)
    mu, log_var = encoder(x)
    z = mu + tf.exp(0.5 * log_var) * tf.random.normal(tf.concat([[num_samples], tf.shape(mu)], axis=0))
    logits = tf.reshape(decoder(tf.reshape(z, (-1, 2))), (num_samples, -1, 784))
    log_w = (distributions.log_bernoulli(x, logits) + distributions.log_normal_diag(z, 0.0, 0.0)
             - distributions.log_normal_diag(z, mu, log_var))
    return tf.math.log(tf.reduce_mean(tf.exp(log_w), axis=0))
'''),
        "reparameterization gradients from one noise draw shared by all samples": Variant(
            "estimators", ("test_estimators",), False, '''
def grad_reparameterization(theta, f, num_samples):
    theta = tf.cast(theta, tf.float32)
    thetas = theta * tf.ones([num_samples])
    eps = tf.random.normal([])  # one draw, shared by all num_samples estimates
    with tf.GradientTape() as tape:
        tape.watch(thetas)
        total = tf.reduce_sum(f(thetas + eps))
    return tape.gradient(total, thetas)
''', says="one noise draw is shared by all of them"),
        "importance estimate minus num_samples instead of log(num_samples)": Variant(
            "importance", ("test_log_marginal_importance",), False, '''
def log_marginal_importance(x, encoder, decoder, num_samples):
    x = tf.cast(x, tf.float32)
    mu, log_var = encoder(x)
    z = mu + tf.exp(0.5 * log_var) * tf.random.normal(tf.concat([[num_samples], tf.shape(mu)], axis=0))
    log_w = (distributions.log_bernoulli(x, decoder(z)) + distributions.log_normal_diag(z, 0.0, 0.0)
             - distributions.log_normal_diag(z, mu, log_var))
    return tf.reduce_logsumexp(log_w, axis=0) - float(num_samples)  # S, not log S
''', says="subtracts log S, not S"),
        "minibatch gradients by differentiating the analytic-KL ELBO along a shift of mu, NumPy score": Variant(
            "minibatch_gradients", ("test_minibatch_gradients",), True, '''
def minibatch_gradients(x, mu, log_var, decoder, eps):
    x, mu, log_var, eps = (np.asarray(v, np.float32) for v in (x, mu, log_var, eps))
    shift = tf.zeros((len(eps), 1, 1))
    with tf.GradientTape() as tape:
        tape.watch(shift)
        m = mu + shift * tf.constant([1.0, 0.0])
        z = m + np.exp(0.5 * log_var) * eps
        kl = 0.5 * tf.reduce_sum(tf.exp(log_var) + m**2 - 1.0 - log_var, axis=-1)
        elbo = tf.reduce_mean(distributions.log_bernoulli(x, decoder(z)) - kl, axis=1)
    reparameterization = tape.gradient(elbo, shift)[:, 0, 0]
    log_lik = checks.to_numpy(distributions.log_bernoulli(x, decoder(mu + np.exp(0.5 * log_var) * eps)))
    score = (log_lik * eps[..., 0] / np.exp(0.5 * log_var[:, 0])).mean(axis=1) - mu[:, 0].mean()
    return reparameterization, score.astype(np.float32)
'''),
        "minibatch gradients without the KL term": Variant("minibatch_gradients", ("test_minibatch_gradients",), False, '''
def minibatch_gradients(x, mu, log_var, decoder, eps):
    x, mu, log_var, eps = (tf.cast(v, tf.float32) for v in (x, mu, log_var, eps))
    sigma = tf.exp(0.5 * log_var)
    z = mu + sigma * eps
    with tf.GradientTape() as tape:
        tape.watch(z)
        log_lik = distributions.log_bernoulli(x, decoder(z))
    return (tf.reduce_mean(tape.gradient(log_lik, z)[..., 0], axis=1),
            tf.reduce_mean(log_lik * eps[..., 0] / sigma[:, 0], axis=1))
''', says="KL term"),
        "score-function gradients with eps, not eps / sigma": Variant(
            "minibatch_gradients", ("test_minibatch_gradients",), False, '''
def minibatch_gradients(x, mu, log_var, decoder, eps):
    x, mu, log_var, eps = (tf.cast(v, tf.float32) for v in (x, mu, log_var, eps))
    z = mu + tf.exp(0.5 * log_var) * eps
    with tf.GradientTape() as tape:
        tape.watch(z)
        log_lik = distributions.log_bernoulli(x, decoder(z))
    kl_gradient = -tf.reduce_mean(mu[:, 0])
    return (tf.reduce_mean(tape.gradient(log_lik, z)[..., 0], axis=1) + kl_gradient,
            tf.reduce_mean(log_lik * eps[..., 0], axis=1) + kl_gradient)
''', says="eps / sigma"),
        "completions in NumPy, row by row": Variant("complete_bottom", ("test_complete_bottom",), True, '''
import scipy.special
def complete_bottom(x_top, decoder, mu, log_var, eps, u):
    rows = []
    for e, v in zip(np.asarray(eps, np.float32), np.asarray(u, np.float32)):
        z = (np.asarray(mu, np.float32) + np.exp(0.5 * np.asarray(log_var, np.float32)) * e)[None, :]
        p = scipy.special.expit(checks.to_numpy(decoder(z))[0])
        rows.append(np.concatenate([np.asarray(x_top, np.float32), (v < p[392:]).astype(np.float32)]))
    return np.stack(rows)
'''),
        "completions with u > p": Variant("complete_bottom", ("test_complete_bottom",), False, '''
def complete_bottom(x_top, decoder, mu, log_var, eps, u):
    z = tf.cast(mu, tf.float32) + tf.exp(0.5 * tf.cast(log_var, tf.float32)) * tf.cast(eps, tf.float32)
    bottoms = tf.cast(tf.cast(u, tf.float32) > tf.sigmoid(decoder(z))[:, 392:], tf.float32)
    return tf.concat([tf.repeat(tf.cast(x_top, tf.float32)[None, :], tf.shape(bottoms)[0], axis=0), bottoms], axis=1)
''', says="u < p, not u > p"),
        "SVI in an eager loop, keras noise, NumPy results": Variant("top_half", ("test_svi_top_half",), True, '''
import keras
def svi_top_half(x_top, decoder, num_steps, num_samples, learning_rate):
    x_top = tf.cast(tf.reshape(x_top, (-1,)), tf.float32)
    mu, log_var = tf.Variable(np.zeros(2, np.float32)), tf.Variable(np.zeros(2, np.float32))
    optimizer = keras.optimizers.Adam(learning_rate)
    for _ in range(num_steps):
        with tf.GradientTape() as tape:
            z = mu + tf.exp(0.5 * log_var) * keras.random.normal((num_samples, 2))
            loss = -tf.reduce_mean(log_likelihood_top(x_top, decoder(z)) + distributions.log_normal_diag(z, 0.0, 0.0)
                                   - distributions.log_normal_diag(z, mu, log_var))
        optimizer.apply_gradients(zip(tape.gradient(loss, [mu, log_var]), [mu, log_var]))
    return mu.numpy(), log_var.numpy()
'''),
        "SVI without the KL to the prior": Variant("top_half", ("test_svi_top_half",), False, '''
def svi_top_half(x_top, decoder, num_steps, num_samples, learning_rate):
    x_top = tf.cast(tf.reshape(x_top, (-1,)), tf.float32)
    mu, log_var = tf.Variable(tf.zeros(2)), tf.Variable(tf.zeros(2))
    optimizer = tf.keras.optimizers.Adam(learning_rate)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            z = mu + tf.exp(0.5 * log_var) * tf.random.normal((num_samples, 2))
            loss = -tf.reduce_mean(log_likelihood_top(x_top, decoder(z)))
        optimizer.apply_gradients(zip(tape.gradient(loss, [mu, log_var]), [mu, log_var]))

    for _ in range(num_steps):
        step()
    return mu.numpy(), log_var.numpy()
'''),
        "SVI with the KL averaged over latent dimensions": Variant("top_half", ("test_svi_top_half",), False, '''
def svi_top_half(x_top, decoder, num_steps, num_samples, learning_rate):
    x_top = tf.cast(tf.reshape(x_top, (-1,)), tf.float32)
    mu, log_var = tf.Variable(tf.zeros(2)), tf.Variable(tf.zeros(2))
    optimizer = tf.keras.optimizers.Adam(learning_rate)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            z = mu + tf.exp(0.5 * log_var) * tf.random.normal((num_samples, 2))
            kl = 0.5 * tf.reduce_mean(tf.exp(log_var) + mu**2 - 1.0 - log_var)
            loss = kl - tf.reduce_mean(log_likelihood_top(x_top, decoder(z)))
        optimizer.apply_gradients(zip(tape.gradient(loss, [mu, log_var]), [mu, log_var]))

    for _ in range(num_steps):
        step()
    return mu.numpy(), log_var.numpy()
'''),
        "SVI that barely moves (a tenth of the steps)": Variant("top_half", ("test_svi_top_half",), False, '''
def svi_top_half(x_top, decoder, num_steps, num_samples, learning_rate):
    x_top = tf.cast(tf.reshape(x_top, (-1,)), tf.float32)
    mu, log_var = tf.Variable(tf.zeros(2)), tf.Variable(tf.zeros(2))
    optimizer = tf.keras.optimizers.Adam(learning_rate)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            z = mu + tf.exp(0.5 * log_var) * tf.random.normal((num_samples, 2))
            loss = distributions.kl_normal_diag_std(mu, log_var) - tf.reduce_mean(log_likelihood_top(x_top, decoder(z)))
        optimizer.apply_gradients(zip(tape.gradient(loss, [mu, log_var]), [mu, log_var]))

    for _ in range(num_steps // 10):
        step()
    return mu.numpy(), log_var.numpy()
'''),
    },
}
