"""Interactive widgets (ipywidgets) used by the notebooks.

ElboExplorer, ClassExplorer and PosteriorExplorer compute everything with the
course's own code, independently of the student's functions, so they work in
the release before any stub is filled in; LatentExplorer draws whatever
decoder it is given.
"""
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from scipy.special import logsumexp
from scipy.stats import norm

from course.plots import density_curves, gaussian_contours, image_grid


class _Explorer:
    """Controls that redraw a one-line readout and a matplotlib figure."""

    def _build(self, controls):
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        for control in controls:
            control.observe(self._redraw, names="value")
        self.widget = widgets.VBox([widgets.HBox(controls), self.readout, self.output])
        self._redraw()

    def _redraw(self, _change=None):
        values = self.values()
        self.readout.value = self.describe(*values)
        with self.output:
            self.output.clear_output(wait=True)
            fig = self.figure(*values)
            display(fig)
            plt.close(fig)

    def _ipython_display_(self):
        display(self.widget)


class ElboExplorer(_Explorer):
    """Sliders for a Gaussian q(z) over the 1-D latent of a linear-Gaussian model.

    The model is p(z) = N(0, 1), p(x | z) = N(w z + b, s^2 I). The widget draws
    p(x, z) for the fixed x on a grid (its area is the evidence p(x)) and q(z),
    and reads out the ELBO, by Gauss-Hermite quadrature under q (exact here, as
    the integrand is quadratic in z), against log p(x); the gap is KL(q || p(z | x)).
    """

    def __init__(self, x, w, b, s, z_lim=(-4.0, 4.0), num_points=4001):
        self._x, self._w, self._b = (np.asarray(v, dtype=np.float64).reshape(-1) for v in (x, w, b))
        self._s = float(s)
        self.z = np.linspace(*z_lim, num_points)
        dz = self.z[1] - self.z[0]
        self.log_joint = self.log_joint_at(self.z)
        self.log_evidence = float(logsumexp(self.log_joint) + np.log(dz))
        posterior = np.exp(self.log_joint - self.log_evidence)
        self.posterior_mean = float(np.sum(posterior * self.z) * dz)
        self.posterior_std = float(np.sqrt(np.sum(posterior * (self.z - self.posterior_mean) ** 2) * dz))
        self.q_mean = widgets.FloatSlider(value=0.0, min=z_lim[0], max=z_lim[1], step=0.02,
                                          description="q mean", continuous_update=False)
        self.q_std = widgets.FloatSlider(value=1.0, min=0.02, max=2.0, step=0.01,
                                         description="q std", continuous_update=False)
        self._build([self.q_mean, self.q_std])

    def log_joint_at(self, z):
        """log p(x, z) of the fixed x at latent values z (any shape)."""
        z = np.asarray(z, dtype=np.float64)
        means = z[..., None] * self._w + self._b
        return norm.logpdf(z) + norm.logpdf(self._x, means, self._s).sum(axis=-1)

    def elbo(self, q_mean, q_std):
        """ELBO = E_q[log p(x, z) - log q(z)] by Gauss-Hermite quadrature under q."""
        nodes, weights = np.polynomial.hermite.hermgauss(32)
        z = q_mean + np.sqrt(2.0) * q_std * nodes
        integrand = self.log_joint_at(z) - norm.logpdf(z, q_mean, q_std)
        return float(weights @ integrand / np.sqrt(np.pi))

    def values(self):
        return self.q_mean.value, self.q_std.value

    def describe(self, q_mean, q_std):
        elbo = self.elbo(q_mean, q_std)
        return (
            f"log p(x) = <b>{self.log_evidence:.3f}</b> &nbsp; ELBO = <b>{elbo:.3f}</b> &nbsp; "
            f"gap = KL(q || p(z|x)) = <b>{self.log_evidence - elbo:.3f}</b> &nbsp; "
            f"(exact posterior: mean {self.posterior_mean:.3f}, std {self.posterior_std:.3f})"
        )

    def figure(self, q_mean, q_std):
        """p(x, z) shaded (area = p(x)) with q(z) on a twin axis."""
        fig, ax = plt.subplots(figsize=(7, 3.5))
        density_curves(self.z, {"p(x, z)": np.exp(self.log_joint)}, fill="p(x, z)", ax=ax,
                       title=f"area under p(x, z) = p(x) = {np.exp(self.log_evidence):.3g}")
        ax.set_ylabel("p(x, z)")
        twin = ax.twinx()
        twin.plot(self.z, norm.pdf(self.z, q_mean, q_std), color="tab:orange", label="q(z)")
        twin.set_ylabel("q(z)", color="tab:orange")
        twin.set_ylim(bottom=0)
        twin.legend(loc="upper left")
        fig.tight_layout()
        return fig


class ClassExplorer(_Explorer):
    """A slider over the classes k of a mixture of Bernoullis: p(x | z = k) and samples of it.

    ``pixel_probs`` (K, D) holds p(x_d = 1 | z = k); ``class_probs`` (K,) holds p(z = k).
    """

    def __init__(self, pixel_probs, class_probs, num_samples=7, seed=0):
        self.pixel_probs = np.asarray(pixel_probs, dtype=np.float64)
        self.class_probs = np.asarray(class_probs, dtype=np.float64)
        self.num_samples = num_samples
        self._rng = np.random.default_rng(seed)
        self.k = widgets.IntSlider(value=0, min=0, max=len(self.pixel_probs) - 1, description="class k",
                                   continuous_update=False)
        self._build([self.k])

    def values(self):
        return (self.k.value,)

    def describe(self, k):
        return f"p(z = {k}) = <b>{self.class_probs[k]:.3f}</b>"

    def samples(self, k, n):
        """``n`` images drawn pixel-wise from p(x | z = k)."""
        probs = self.pixel_probs[k]
        return (self._rng.random((n, probs.size)) < probs).astype(np.float32)

    def figure(self, k):
        """p(x | z = k) first, then Bernoulli samples from it."""
        probs = self.pixel_probs[k]
        samples = self.samples(k, self.num_samples)
        titles = ["p(x | z=k)"] + [f"sample {i + 1}" for i in range(self.num_samples)]
        return image_grid(np.vstack([probs[None], samples]), ncols=self.num_samples + 1, titles=titles,
                          title=f"class k = {k}")


class LatentExplorer(_Explorer):
    """Two sliders for a 2-D latent point z: the encoded test digits with z marked, and p(x | z).

    ``decode`` maps z, an array of shape (2,), to the 784 pixel probabilities of p(x | z);
    ``codes`` (N, 2) and ``labels`` (N,) are the encoded digits drawn as a scatter plot.
    """

    def __init__(self, decode, codes, labels):
        self.decode = decode
        self.codes = np.asarray(codes, dtype=np.float32)
        self.labels = np.asarray(labels)
        limit = float(np.ceil(max(3.0, np.abs(self.codes).max())))
        self.z = [widgets.FloatSlider(value=0.0, min=-limit, max=limit, step=0.05, description=f"z[{i}]",
                                      continuous_update=False) for i in range(2)]
        self._build(self.z)

    def values(self):
        return self.z[0].value, self.z[1].value

    def describe(self, z0, z1):
        return f"z = (<b>{z0:.2f}</b>, <b>{z1:.2f}</b>)"

    def figure(self, z0, z1):
        """The codes with z marked (left) and the decoded image p(x | z) (right)."""
        fig, (ax_codes, ax_image) = plt.subplots(1, 2, figsize=(9, 4), gridspec_kw={"width_ratios": [4, 3]})
        ax_codes.scatter(self.codes[:, 0], self.codes[:, 1], c=self.labels, cmap="tab10", s=4)
        ax_codes.plot([z0], [z1], "kx", markersize=14, markeredgewidth=3)
        ax_codes.set_xlabel("z[0]")
        ax_codes.set_ylabel("z[1]")
        ax_codes.set_title("encoded test digits")
        image = np.asarray(self.decode(np.array([z0, z1], dtype=np.float32))).reshape(28, 28)
        ax_image.imshow(image, cmap="gray", vmin=0.0, vmax=1.0)
        ax_image.set_axis_off()
        ax_image.set_title("p(x | z)")
        fig.tight_layout()
        return fig


class PosteriorExplorer(_Explorer):
    """Pick a test digit (and whether to keep only its top half): the true posterior p(z | x)
    on a grid, the encoder's q(z | x), and a Gaussian fitted to the posterior by stochastic VI.

    ``encoder`` and ``decoder`` are a 2-D VAE's networks (e.g. ``course.vae.load_pretrained(2)``).
    """

    def __init__(self, encoder, decoder, images, labels, lim=4.0, delta=0.1, svi_steps=150, seed=0):
        import tensorflow as tf

        self._tf = tf
        self.encoder, self.decoder = encoder, decoder
        self.images = np.asarray(images, dtype=np.float32)
        self.labels = np.asarray(labels)
        self.axis = np.arange(-lim, lim + delta / 2, delta, dtype=np.float32)
        z0, z1 = np.meshgrid(self.axis, self.axis, indexing="ij")
        self.grid = np.stack([z0.ravel(), z1.ravel()], axis=1)
        self.grid_logits = decoder(self.grid)
        self.svi_steps = svi_steps
        self.seed = seed
        self.index = widgets.IntSlider(value=0, min=0, max=len(self.images) - 1, description="test digit",
                                       continuous_update=False)
        self.top_only = widgets.Checkbox(value=False, description="top half only")
        self._build([self.index, self.top_only])

    def log_posterior(self, index, top_only):
        """log p(z | x) on the grid, (G, G), with only the top 392 pixels when ``top_only``."""
        from course.distributions import log_bernoulli, log_normal_diag

        pixels = 392 if top_only else 784
        x = self.images[index, :pixels]
        log_joint = log_bernoulli(x, self.grid_logits[:, :pixels]) + log_normal_diag(self.grid, 0.0, 0.0)
        log_joint = log_joint.numpy().astype(np.float64)
        return (log_joint - logsumexp(log_joint)).reshape(len(self.axis), len(self.axis))

    def svi_fit(self, index, top_only, num_samples=32, learning_rate=0.05):
        """(mu, log_var) of a Gaussian q(z) fitted by maximising the ELBO with reparameterized samples."""
        from course.distributions import kl_normal_diag_std, log_bernoulli

        tf = self._tf
        pixels = 392 if top_only else 784
        x = tf.constant(self.images[index, :pixels])
        mu, log_var = tf.Variable(tf.zeros(2)), tf.Variable(tf.zeros(2))
        optimizer = tf.keras.optimizers.Adam(learning_rate)
        generator = tf.random.Generator.from_seed(self.seed)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                z = mu + tf.exp(0.5 * log_var) * generator.normal((num_samples, 2))
                loss = kl_normal_diag_std(mu, log_var) - tf.reduce_mean(log_bernoulli(x, self.decoder(z)[:, :pixels]))
            optimizer.apply_gradients(zip(tape.gradient(loss, [mu, log_var]), [mu, log_var]))

        for _ in range(self.svi_steps):
            step()
        return mu.numpy(), log_var.numpy()

    def _box(self, posterior):
        """Corners of the posterior mean +- 4 standard deviations, from the grid."""
        z0, z1 = np.meshgrid(self.axis, self.axis, indexing="ij")
        mean = np.array([np.sum(posterior * z0), np.sum(posterior * z1)])
        std = np.sqrt(np.array([np.sum(posterior * (z0 - mean[0]) ** 2), np.sum(posterior * (z1 - mean[1]) ** 2)]))
        return mean - 4 * std - 0.1, mean + 4 * std + 0.1

    def values(self):
        return self.index.value, self.top_only.value

    def describe(self, index, top_only):
        return f"test digit {index} (label {self.labels[index]}){', top half only' if top_only else ''}"

    def figure(self, index, top_only):
        """The (half) digit, and contours of p(z | x), q(z | x) and the SVI fit."""
        fig, (ax_image, ax) = plt.subplots(1, 2, figsize=(9, 4), gridspec_kw={"width_ratios": [1, 3]})
        image = self.images[index].reshape(28, 28).copy()
        if top_only:
            image[14:] = 0.5
        ax_image.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax_image.set_axis_off()
        posterior = np.exp(self.log_posterior(index, top_only))
        ax.contourf(self.axis, self.axis, posterior.T / posterior.max(), levels=np.linspace(0.02, 1, 12),
                    cmap="Greys", extend="max")
        q_mu, q_log_var = (v.numpy()[0] for v in self.encoder(self.images[index:index + 1]))
        svi_mu, svi_log_var = self.svi_fit(index, top_only)
        box = [self._box(posterior)]
        for (mu, log_var), color, name in [((q_mu, q_log_var), "tab:blue", "q(z|x) (encoder, full digit)"),
                                           ((svi_mu, svi_log_var), "tab:red", "SVI fit")]:
            gaussian_contours(ax, self.axis, self.axis, mu, log_var, color, label=name)
            std = np.exp(0.5 * log_var)
            box.append((mu - 3 * std, mu + 3 * std))
        lo, hi = np.min([b[0] for b in box], axis=0), np.max([b[1] for b in box], axis=0)
        centre, half = (lo + hi) / 2, max(np.max(hi - lo) / 2, 0.5)
        ax.set_xlim(centre[0] - half, centre[0] + half)
        ax.set_ylim(centre[1] - half, centre[1] + half)
        ax.set_xlabel("z[0]")
        ax.set_ylabel("z[1]")
        ax.set_title("p(z | x) (grey) against Gaussian approximations")
        ax.legend(loc="upper right", fontsize=8)
        fig.tight_layout()
        return fig
