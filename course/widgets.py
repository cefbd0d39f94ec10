"""Interactive widgets (ipywidgets) used by the notebooks.

Each explorer draws with NumPy/SciPy on its own, independently of the
student's functions, so it works in the release before any stub is filled in.
"""
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from scipy.special import logsumexp
from scipy.stats import norm

from course.plots import density_curves, image_grid


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
