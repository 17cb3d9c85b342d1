"""Flow matching / rectified flow (Lipman et al. 2023; Liu et al. 2023): straight paths from data to noise.

Our convention: t in [0, 1], t = 0 is the data, t = 1 pure noise, and the path between an image x_0
and a noise draw eps is the straight line

    x_t = (1 - t) x_0 + t eps,          so its velocity is   dx_t/dt = eps - x_0   (the same for every t).

Training: draw t ~ U(0, 1) and eps ~ N(0, I), build x_t, and regress the network on the velocity:
minimise || (eps - x_0) - v_theta(x_t, t) ||^2. The network cannot know which x_0 and eps made x_t, so
it learns their average over all pairs through x_t — a velocity field whose ODE dx/dt = v carries the
noise distribution onto the data distribution. Sampling integrates that ODE from t = 1 back to t = 0
with Euler or Heun steps (``samplers.py``). The network is DDPM's U-Net; it sees 1000 t, so its
sinusoidal time embedding works on the same scale as with DDPM's integer steps.
"""
from tinygen.autograd import Tensor, as_tensor
from tinygen.backend import xp
from tinygen.creation import rand, randn_like
from tinygen.functional import mse_loss
from tinygen.models.diffusion import samplers
from tinygen.models.diffusion.guidance import GuidedNetwork

FLOW_SAMPLERS = ("euler", "heun")
TIME_SCALE = 1000.0          # the network sees 1000 t: the time embedding's scale of DDPM's steps 0..999


def path(x0, noise, t):
    """x_t = (1 - t) x_0 + t eps: x0, noise (N, ...), t (N,) in [0, 1]."""
    x0, noise, t = as_tensor(x0), as_tensor(noise), as_tensor(t)
    t = t.reshape((-1,) + (1,) * (x0.ndim - 1))
    return x0 * (1.0 - t) + noise * t


def velocity_target(x0, noise):
    """d x_t / dt = eps - x_0 along the straight path."""
    return as_tensor(noise) - as_tensor(x0)


class FlowMatching(GuidedNetwork):
    """network: v_theta(x_t (N, C, H, W), 1000 t (N,) [, y (N,)]) -> (N, C, H, W)."""

    def loss(self, images, labels=None):
        """The velocity-regression loss of a batch of images in [0, 1]: t, eps and dropped labels drawn here."""
        x0 = self.scaled(images)
        return self.loss_at(x0, rand(x0.shape[0]), randn_like(x0), self.training_labels(labels))

    def loss_at(self, x0, t, noise, labels=None):
        """mean ((eps - x0) - v_theta(x_t, t, labels))^2 with everything given (x0 in [-1, 1], t (N,) in [0, 1])."""
        t = as_tensor(t)
        if t.size and not bool(((t.data >= 0) & (t.data <= 1)).all()):
            raise ValueError(f"t must lie in [0, 1], got values from {float(t.data.min())} to {float(t.data.max())}")
        x_t = path(x0, noise, t)
        return mse_loss(self.output(x_t, t * TIME_SCALE, labels), velocity_target(x0, noise))

    def velocity(self, x, t, labels=None, guidance=0.0, average=True):
        """The (guided) velocity at x (N, ...) and one time t in [0, 1]."""
        times = Tensor(xp.full(x.shape[0], t * TIME_SCALE, dtype=x.dtype))
        return self.predict(x, times, labels, guidance, average)

    def sample(self, n, labels=None, sampler="heun", steps=25, guidance=0.0, noise=None, average=True, on_step=None):
        """n images in [0, 1] (n, *data_shape) by integrating from noise (t = 1) to data (t = 0) in ``steps``
        steps of ``sampler`` "euler" or "heun" (2 network calls a step). ``noise``: the start x_1."""
        if sampler not in FLOW_SAMPLERS:
            raise ValueError(f"sampler must be one of {FLOW_SAMPLERS} for flow matching, got {sampler!r}")
        labels, x = self.start(n, labels, guidance, noise)
        solver = samplers.euler if sampler == "euler" else samplers.heun
        with self.eval_mode():
            x = solver(lambda x, t: self.velocity(x, t, labels, guidance, average), x, steps, on_step)
        return self.images(x)
