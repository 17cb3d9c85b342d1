"""The ideal predictors for data whose distribution is known: a mixture of K Gaussians N(mu_k, s^2 I).

A trained network only approximates the best noise (or velocity) prediction; for a Gaussian mixture
the best one is known in closed form, so samplers and guidance can be studied without training
(lessons 18 and 19, and the tests). Both DDPM and flow matching mix data and noise linearly,

    x = a x_0 + b eps      (DDPM: a = sqrt(abar_t), b = sqrt(1 - abar_t); flow matching: a = 1 - t, b = t),

so given the class k, x ~ N(a mu_k, v I) with v = a^2 s^2 + b^2, and the posterior means are

    E[eps | x, k] = b (x - a mu_k) / v,        E[x_0 | x, k] = mu_k + a s^2 (x - a mu_k) / v.

Without the class, both are averages over k weighted by the responsibilities r_k(x) ∝ N(x; a mu_k, v I)
(equal class weights). The ideal eps-prediction is E[eps | x], the ideal velocity E[eps - x_0 | x].
"""
from tinygen import backend
from tinygen.autograd import Tensor
from tinygen.backend import xp


class GaussianMixture:
    """``means`` (K, D) and one ``std`` s; a class index k in [0, K) or None (the whole mixture)."""

    def __init__(self, means, std):
        self.means = backend.asarray(means).astype(xp.float64)
        if self.means.ndim != 2 or not std > 0:
            raise ValueError(f"GaussianMixture: means must be (K, D) and std > 0, got {self.means.shape}, {std}")
        self.std = float(std)

    def sample(self, labels):
        """Points (N, D) float32 of the classes ``labels`` (N,) ints, from the seeded generator."""
        labels = backend.asarray(labels)
        noise = backend.generator().standard_normal((len(labels), self.means.shape[1]))
        return Tensor((self.means[labels] + self.std * noise).astype(xp.float32))

    def posterior_means(self, x, a, b, labels=None):
        """(E[eps | x], E[x_0 | x]) as float64 arrays (N, D) for x = a x_0 + b eps; given the class when
        ``labels`` (N,) is not None, else averaged over the classes by their responsibilities."""
        x = (x.data if isinstance(x, Tensor) else backend.asarray(x)).astype(xp.float64)
        variance = a * a * self.std ** 2 + b * b
        residual = x[:, None, :] - a * self.means[None]                     # (N, K, D): x - a mu_k
        if labels is None:
            log_weight = -(residual ** 2).sum(axis=2) / (2 * variance)
            weight = xp.exp(log_weight - log_weight.max(axis=1, keepdims=True))
            weight = weight / weight.sum(axis=1, keepdims=True)              # r_k(x), (N, K)
        else:
            labels = backend.asarray(labels)
            if labels.shape != (len(x),):
                raise ValueError(f"GaussianMixture: labels of shape {labels.shape} must be ({len(x)},), one per point")
            weight = (labels[:, None] == xp.arange(len(self.means))).astype(xp.float64)
        eps = (weight[:, :, None] * residual).sum(axis=1) * (b / variance)
        x0 = (weight[:, :, None] * (self.means[None] + residual * (a * self.std ** 2 / variance))).sum(axis=1)
        return eps, x0

    def noise_prediction(self, x, alpha_bar, labels=None):
        """The ideal eps-prediction at x (N, D) for DDPM's abar: a Tensor of x's dtype."""
        eps, _ = self.posterior_means(x, alpha_bar ** 0.5, (1 - alpha_bar) ** 0.5, labels)
        return Tensor(eps.astype(x.dtype))

    def velocity(self, x, t, labels=None):
        """The ideal flow-matching velocity E[eps - x_0 | x] at x (N, D) and t in [0, 1]: a Tensor."""
        eps, x0 = self.posterior_means(x, 1.0 - t, t, labels)
        return Tensor((eps - x0).astype(x.dtype))

    def classify(self, points):
        """The most likely class of each point (N, D) (equal variances: the nearest mean), host int64 (N,)."""
        points = (points.data if isinstance(points, Tensor) else backend.asarray(points)).astype(xp.float64)
        distances = ((points[:, None, :] - self.means[None]) ** 2).sum(axis=2)
        return backend.to_numpy(distances.argmin(axis=1))
