"""DDPM (Ho et al. 2020): learn to remove noise, then make images by removing noise from pure noise.

Training (Algorithm 1 of the paper), for a batch of images x_0 scaled to [-1, 1]:

1. draw a time step t uniformly from {0, ..., T - 1} and noise eps ~ N(0, I) per image;
2. noise the images in one draw by the closed form (``q_sample``):
       x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps;
3. ask the network for the noise it sees, eps_theta(x_t, t [, y]), and minimise
       || eps - eps_theta(x_t, t) ||^2   (the mean over pixels and batch: the "simple" loss).

Predicting eps from x_t is a denoising autoencoder's job (lesson 08), done at every noise level at
once, with t telling the network how much noise to expect. Sampling (``samplers.py``) runs the
process backwards: from x_(T-1) ~ N(0, I), each step subtracts the predicted noise a little.

A conditional model (``num_classes``) also gets the label y, dropped with probability p_uncond so
that classifier-free guidance works (``guidance.py``).
"""
from tinygen.autograd import Tensor, as_tensor
from tinygen.backend import xp
from tinygen.creation import randint, randn_like
from tinygen.functional import mse_loss
from tinygen.models.diffusion import samplers
from tinygen.models.diffusion.guidance import GuidedNetwork
from tinygen.models.diffusion.schedules import make_schedule

DDPM_SAMPLERS = ("ddpm", "ddim")
DDIM_STEPS = 50              # DDIM's steps when none are asked for


def q_sample(x0, alpha_bar, noise):
    """x_t = sqrt(abar) x_0 + sqrt(1 - abar) eps, with ``alpha_bar`` a Tensor broadcasting against x0 (e.g. (N, 1, 1, 1))."""
    return as_tensor(x0) * alpha_bar.sqrt() + as_tensor(noise) * (1.0 - alpha_bar).sqrt()


class DDPM(GuidedNetwork):
    """network: eps_theta(x_t (N, C, H, W), t (N,) float [, y (N,)]) -> (N, C, H, W).

    ``schedule``: "linear" or "cosine" (``schedules.py``) over ``timesteps`` T steps.
    """

    def __init__(self, network, data_shape, schedule="linear", timesteps=1000, num_classes=None, p_uncond=0.1, ema=0.0):
        super().__init__(network, data_shape, num_classes, p_uncond, ema)
        self.schedule = make_schedule(schedule, timesteps)

    @property
    def timesteps(self):
        return self.schedule.timesteps

    def q_sample(self, x0, t, noise):
        """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps: x0, noise (N, ...), t (N,) ints in [0, T)."""
        x0 = as_tensor(x0)
        return q_sample(x0, self.schedule.at(self.schedule.alpha_bars, t, x0.ndim, x0.dtype), noise)

    def loss(self, images, labels=None):
        """The eps-prediction loss of a batch of images in [0, 1] (N, C, H, W): t, eps and dropped labels drawn here."""
        x0 = self.scaled(images)
        t = randint(0, self.timesteps, size=x0.shape[0])
        return self.loss_at(x0, t, randn_like(x0), self.training_labels(labels))

    def loss_at(self, x0, t, noise, labels=None):
        """mean (eps - eps_theta(q_sample(x0, t, eps), t, labels))^2 with everything given (x0 in [-1, 1])."""
        t = self.schedule.check(t)
        x_t = self.q_sample(x0, t, noise)
        return mse_loss(self.output(x_t, Tensor(t.astype(x_t.dtype)), labels), as_tensor(noise))

    def predict_noise(self, x, t, labels=None, guidance=0.0, average=True):
        """The (guided) eps prediction at x (N, ...) and integer time steps t (N,)."""
        return self.predict(x, Tensor(self.schedule.check(t).astype(x.dtype)), labels, guidance, average)

    def sample(self, n, labels=None, sampler="ddim", steps=None, eta=0.0, guidance=0.0, noise=None, average=True,
               on_step=None, clip_denoised=True):
        """n images in [0, 1] (n, *data_shape) by the ``sampler`` "ddpm" (ancestral; ``steps`` default all T, fewer
        are respaced) or "ddim" (``steps`` default 50; ``eta`` 0: deterministic given the noise). ``noise``: x_(T-1) to start from.
        ``on_step(i, x)`` sees the state after each step (for a strip from noise to image). ``clip_denoised``: keep
        each step's implied x_0 in [-1, 1], the images' range (``samplers.clipped_eps``)."""
        if sampler not in DDPM_SAMPLERS:
            raise ValueError(f"sampler must be one of {DDPM_SAMPLERS} for DDPM, got {sampler!r}")
        labels, x = self.start(n, labels, guidance, noise)
        predict = lambda x, t: self.predict_noise(x, xp.full(x.shape[0], t, xp.int64), labels, guidance, average)
        steps = DDIM_STEPS if steps is None and sampler == "ddim" else steps
        clip_x0 = (-1.0, 1.0) if clip_denoised else None
        with self.eval_mode():
            if sampler == "ddpm":
                x = samplers.ancestral(predict, self.schedule, x, steps, on_step, clip_x0)
            else:
                x = samplers.ddim(predict, self.schedule, x, steps, eta, on_step, clip_x0)
        return self.images(x)
