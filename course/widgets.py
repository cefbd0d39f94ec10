"""Interactive widgets (ipywidgets) used by the notebooks.

No widget holds an answer of its notebook. ElboExplorer and EvidenceExplorer
compute by numerical integration and quadrature where the graded functions are
closed forms, Monte Carlo or the student's own grid sums; ClassExplorer and LatentExplorer draw the model they are given;
PosteriorExplorer draws with the student's own functions, and says which ones
to write first while they are still stubs.
"""
import html

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from scipy.special import logsumexp
from scipy.stats import norm

from course.checks import to_numpy
from course.plots import density_curves, gaussian_contours, image_grid


class _Explorer:
    """Controls that redraw a one-line readout and a matplotlib figure.

    ``uses`` names the student's functions the figure calls: while one of them is a stub, or fails,
    the readout says so and no figure is drawn.
    """

    uses = ()

    def _build(self, controls):
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        for control in controls:
            control.observe(self._redraw, names="value")
        self.widget = widgets.VBox([widgets.HBox(controls), self.readout, self.output])
        self._redraw()

    def _redraw(self, _change=None):
        values = self.values()
        with self.output:
            self.output.clear_output(wait=True)
            try:
                fig = self.figure(*values)
            except Exception as error:  # the student's code: a message in the readout, not a traceback
                plt.close("all")
                self.readout.value = self._problem(error)
                return
            display(fig)
            plt.close(fig)
        self.readout.value = self.describe(*values)

    def _problem(self, error):
        names = ", ".join(f"<code>{name}</code>" for name in self.uses)
        if isinstance(error, NotImplementedError):
            return f"<b>This explorer draws with your {names}: write them first, then run this cell again.</b>"
        return (f"<b>This explorer draws with your {names}, and one of them raised "
                f"<code>{html.escape(f'{type(error).__name__}: {error}'[:300])}</code>.</b>")

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


class EvidenceExplorer(_Explorer):
    """A slider for the parameter theta of a 1-D latent model: the evidence of a data set.

    ``log_joint(x, theta, z)`` gives log p(x_n, z_g | theta), shape (N, G), for the images x (N, D)
    at the grid points z (G,), evenly spaced. The evidence of the data set is the product of
    the areas under p(x_n, z), one per image; the widget shades those of the first ``num_shown``
    images and draws log p(data) = sum_n log p(x_n) against theta, by the rectangle rule and
    scipy's logsumexp.
    """

    def __init__(self, x, log_joint, thetas, z, num_shown=4):
        self._x = np.asarray(x, dtype=np.float64)
        self._log_joint = log_joint
        self.z = np.asarray(z, dtype=np.float64)
        self.num_shown = num_shown
        self.thetas = np.asarray(thetas, dtype=np.float64)
        self.curve = np.array([self.log_areas(theta).sum() for theta in self.thetas])
        self.theta = widgets.FloatSlider(value=float(self.thetas[len(self.thetas) // 2]), min=float(self.thetas[0]),
                                         max=float(self.thetas[-1]), step=0.05, description="theta",
                                         continuous_update=False)
        self._build([self.theta])

    def log_areas(self, theta, x=None):
        """log p(x_n | theta) of every image (N,): the log of the area under p(x_n, z | theta)."""
        log_joint = self._log_joint(self._x if x is None else x, theta, self.z)
        return logsumexp(log_joint, axis=-1) + np.log(self.z[1] - self.z[0])

    def values(self):
        return (self.theta.value,)

    def describe(self, theta):
        total = self.log_areas(theta).sum()
        best = self.thetas[np.argmax(self.curve)]
        return (f"theta = <b>{theta:.2f}</b>: log p(data) = sum of {len(self._x)} log-areas = <b>{total:.1f}</b> "
                f"&nbsp; (the largest on the curve: {self.curve.max():.1f}, at theta = {best:.2f})")

    def figure(self, theta):
        """The shown images' p(x_n, z), scaled to a common peak of 1 (left); log p(data) over theta (right)."""
        fig, (ax_areas, ax_curve) = plt.subplots(1, 2, figsize=(10, 3.5))
        shown = self._x[:self.num_shown]
        log_joint = self._log_joint(shown, theta, self.z)
        areas = self.log_areas(theta, shown)
        scaled = np.exp(log_joint - log_joint.max())
        density_curves(self.z, {f"x_{n}: log area {area:.1f}": row for n, (row, area) in enumerate(zip(scaled, areas))},
                       ax=ax_areas, title="p(x_n, z) for a few images (common scale)")
        for row in scaled:
            ax_areas.fill_between(self.z, row, alpha=0.2)
        ax_curve.plot(self.thetas, self.curve, "-")
        ax_curve.plot([theta], [self.log_areas(theta).sum()], "o", color="tab:red")
        ax_curve.set_xlabel("theta")
        ax_curve.set_ylabel("log p(data)")
        ax_curve.set_title("the evidence of the data set")
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
    """Pick a test digit, and whether to observe only its top half: the true posterior p(z | x) on a
    grid, the encoder's q(z | x) for the whole digit and, for the top half, a Gaussian fitted by SVI.

    ``encoder`` and ``decoder`` are a 2-D VAE's networks. The posterior and the fit come from the
    student's functions of assignment 05: ``log_joint_grid(x, decoder, z_grid)``,
    ``log_likelihood_top(x_top, logits)`` and ``svi_top_half(x_top, decoder, num_steps, num_samples,
    learning_rate)``.
    """

    uses = ("log_joint_grid", "log_likelihood_top", "svi_top_half")

    def __init__(self, encoder, decoder, images, labels, log_joint_grid, log_likelihood_top, svi_top_half,
                 lim=4.0, delta=0.1, svi_steps=150):
        self.encoder, self.decoder = encoder, decoder
        self.log_joint_grid, self.log_likelihood_top = log_joint_grid, log_likelihood_top
        self.svi_top_half = svi_top_half
        self.images = np.asarray(images, dtype=np.float32)
        self.labels = np.asarray(labels)
        self.axis = np.arange(-lim, lim + delta / 2, delta, dtype=np.float32)
        z0, z1 = np.meshgrid(self.axis, self.axis, indexing="ij")
        self.grid = np.stack([z0.ravel(), z1.ravel()], axis=1)
        self.svi_steps = svi_steps
        self.index = widgets.IntSlider(value=0, min=0, max=len(self.images) - 1, description="test digit",
                                       continuous_update=False)
        self.top_only = widgets.Checkbox(value=False, description="top half only")
        self._build([self.index, self.top_only])

    def log_posterior(self, index, top_only):
        """log p(z | x) on the grid, (G, G), normalised; from the top 392 pixels only when ``top_only``."""
        if top_only:
            log_joint = (to_numpy(self.log_likelihood_top(self.images[index, :392], self.decoder(self.grid)))
                         + norm.logpdf(self.grid).sum(axis=1))
        else:
            log_joint = to_numpy(self.log_joint_grid(self.images[index], self.decoder, self.grid))
        log_joint = log_joint.astype(np.float64).reshape(len(self.axis), len(self.axis))
        return log_joint - logsumexp(log_joint)

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
        """The (half) digit, and contours of p(z | x), q(z | x) and, for the top half, the SVI fit."""
        posterior = np.exp(self.log_posterior(index, top_only))
        gaussians = [(*(to_numpy(v)[0] for v in self.encoder(self.images[index:index + 1])), "tab:blue",
                      "q(z|x) (encoder, full digit)")]
        if top_only:
            fit = self.svi_top_half(self.images[index, :392], self.decoder, self.svi_steps, 32, 0.05)
            gaussians.append((*(to_numpy(v) for v in fit), "tab:red", "SVI fit (your svi_top_half)"))
        fig, (ax_image, ax) = plt.subplots(1, 2, figsize=(9, 4), gridspec_kw={"width_ratios": [1, 3]})
        image = self.images[index].reshape(28, 28).copy()
        if top_only:
            image[14:] = 0.5
        ax_image.imshow(image, cmap="gray", vmin=0, vmax=1)
        ax_image.set_axis_off()
        ax.contourf(self.axis, self.axis, posterior.T / posterior.max(), levels=np.linspace(0.02, 1, 12),
                    cmap="Greys", extend="max")
        box = [self._box(posterior)]
        for mu, log_var, color, name in gaussians:
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
