"""The exercises answered with tinygen's own functions: ``tinygen check NN --solutions`` runs the checks
on these, proving that every check passes on a correct answer."""
import types

from tinygen.backend import numpy as np  # host arrays: the course checks compare on the host

import tinygen as tg
import tinygen.functional as F
from tinygen.functional.im2col import im2col as _im2col
from tinygen.models.diffusion import flow_matching, guidance, model as diffusion, samplers
from tinygen.models.gan.losses import NonSaturating
from tinygen.models.gan.gradient_penalty import gradient_penalty as _gradient_penalty
from tinygen.models.rbm.model import RBM, statistics_difference
from tinygen.models.vae.model import VAE


def conv_output_size(i, k, s, p, d):
    return F.conv_output_size(i, k, s, p, d)


def im2col(x, k, s, p):
    size = tuple(F.conv_output_size(n, k, s, p) for n in x.shape[2:])
    return _im2col(np.asarray(x), (k, k), (s, s), (p, p), (1, 1), size)


def insert_zeros(x, s):
    return F.insert_zeros(x, s).numpy()


def transposed_padding(k, p):
    return k - 1 - p  # F.pad_for_transpose's p' without dilation


def batch_norm(x, gamma, beta, eps=1e-5):
    return F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)


def cross_entropy(logits, labels):
    return F.cross_entropy(logits, labels)


def bce_with_logits(logits, targets):
    return F.binary_cross_entropy_with_logits(logits, targets)


def reparameterize(mu, logvar):
    return VAE.reparameterize(None, mu, logvar)  # the model's trick; it uses nothing of the model itself


def discriminator_loss(real_logits, fake_logits):
    no_smoothing = types.SimpleNamespace(label_smoothing=0.0)
    loss, _ = NonSaturating().discriminator_loss(no_smoothing, None, None, real_logits, fake_logits)
    return loss


def generator_loss(fake_logits):
    return NonSaturating().generator_loss(fake_logits)


def gradient_penalty(critic, real, fake, mix, weight=10.0):
    penalty, _ = _gradient_penalty(critic, real, fake, weight=weight, mix=mix)
    return penalty


def cd1_update(weight, visible_bias, hidden_bias, v, lr, uniform_h, uniform_v):
    """One CD-1 step with the model's own conditionals and statistics, its coins given as uniforms."""
    rbm = RBM(weight.shape[1], weight.shape[0]).double()
    for parameter, value in zip((rbm.weight, rbm.visible_bias, rbm.hidden_bias), (weight, visible_bias, hidden_bias)):
        parameter.data[...] = value
    h_data = rbm.hidden_probabilities(v)
    v_model = (uniform_v < rbm.visible_probabilities((uniform_h < h_data).astype(v.dtype))).astype(v.dtype)
    step = statistics_difference(v, h_data, v_model, rbm.hidden_probabilities(v_model))
    return weight + lr * step["weight"], visible_bias + lr * step["visible_bias"], hidden_bias + lr * step["hidden_bias"]


def _per_example(values, like):
    """A host array (N,) as a Tensor (N, 1, ..., 1) that broadcasts against ``like`` (N, ...)."""
    return tg.tensor(np.asarray(values, dtype=like.dtype).reshape((-1,) + (1,) * (like.ndim - 1)))


def q_sample(x0, alpha_bar, noise):
    return diffusion.q_sample(x0, _per_example(alpha_bar, x0), noise)


def ddim_step(x, eps, alpha_bar, alpha_bar_prev):
    return samplers.ddim_step(x, eps, alpha_bar, alpha_bar_prev)


def guided_prediction(conditional, unconditional, w):
    return guidance.guided(conditional, unconditional, w)


def flow_matching_pair(x0, noise, t):
    return flow_matching.path(x0, noise, tg.tensor(np.asarray(t, dtype=x0.dtype))), flow_matching.velocity_target(x0, noise)
