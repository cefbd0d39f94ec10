"""Interactive widgets (ipywidgets) used by the notebooks."""
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display
from scipy.special import logsumexp
from scipy.stats import norm

from course.plots import density_curves


class ElboExplorer:
    """Sliders for a Gaussian q(z) over the 1-D latent of a linear-Gaussian model.

    The model is p(z) = N(0, 1), p(x | z) = N(w z + b, s^2 I). Everything is
    computed by quadrature in NumPy, independently of the notebook's own
    functions: p(x, z) for the fixed x on a grid (its area is the evidence
    p(x)), q(z), and the ELBO by Gauss-Hermite quadrature under q (exact here,
    as the integrand is quadratic in z), whose gap to log p(x) is KL(q || p(z | x)).
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
        self.readout = widgets.HTML()
        self.output = widgets.Output()
        for slider in (self.q_mean, self.q_std):
            slider.observe(self._redraw, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.q_mean, self.q_std]), self.readout, self.output])
        self._redraw()

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

    def _redraw(self, _change=None):
        q_mean, q_std = self.q_mean.value, self.q_std.value
        elbo = self.elbo(q_mean, q_std)
        self.readout.value = (
            f"log p(x) = <b>{self.log_evidence:.3f}</b> &nbsp; ELBO = <b>{elbo:.3f}</b> &nbsp; "
            f"gap = KL(q || p(z|x)) = <b>{self.log_evidence - elbo:.3f}</b> &nbsp; "
            f"(exact posterior: mean {self.posterior_mean:.3f}, std {self.posterior_std:.3f})"
        )
        with self.output:
            self.output.clear_output(wait=True)
            fig = self.figure(q_mean, q_std)
            display(fig)
            plt.close(fig)

    def _ipython_display_(self):
        display(self.widget)
