"""The restricted Boltzmann machine: binary visible units v, binary hidden units h, and an energy.

    E(v, h) = -v.b - h.c - h.W v          p(v, h) = exp(-E(v, h)) / Z
    F(v)    = -v.b - sum_j softplus(c_j + W_j.v)      (the free energy: h summed out, p(v) = exp(-F(v)) / Z)
    p(h_j = 1 | v) = sigmoid(c_j + W_j.v)          p(v_i = 1 | h) = sigmoid(b_i + W_:i.h)

No edge joins two hidden units or two visible ones, so each layer is independent given the other:
one matrix product samples a whole layer. Going up (v -> h) and back down (h -> v) is the course's
"reconstruction" pass; repeating it k times is a Gibbs chain.

Training follows the log-likelihood's gradient, which is a difference of two averages:

    d log p(v) / dW = <h v^T>_data - <h v^T>_model      (and likewise for b with v, for c with h)

The model average needs samples from p(v); contrastive divergence (CD-k) takes them from k Gibbs
steps started at the data, persistent CD (PCD) from fantasy chains that carry on between updates.
This is not the gradient of a loss that autograd could follow, so the update is written here, with
momentum and weight decay; its velocities and the persistent chains are buffers, so a checkpoint
holds them and a resumed run continues exactly.

Data: visible values must lie in [0, 1] (a ValueError otherwise). Values between 0 and 1 are taken
as probabilities (the positive phase uses them as expected values, as scikit-learn does); the
likelihood estimators in this folder want binary data: use ``tinygen.data.transforms.binarize``.
"""
import math

from tinygen import backend, creation
from tinygen.autograd import Tensor, as_tensor
from tinygen.backend import xp
from tinygen.creation import bernoulli
import tinygen.functional as F
from tinygen.nn.module import Module, Parameter, check_sizes


class RBM(Module):
    """Binary RBM. Parameters: weight (n_hidden, n_visible), visible_bias (n_visible,), hidden_bias (n_hidden,).

    The layout is scikit-learn's ``components_`` (and ``nn.Linear``'s from visible to hidden). Inputs v
    are (N, n_visible), or (N, ...) whose trailing axes hold n_visible values (images are flattened).
    ``n_chains`` persistent fantasy chains are kept for PCD (0: CD only).
    """

    def __init__(self, n_visible, n_hidden, n_chains=0):
        super().__init__()
        check_sizes("RBM", n_visible=n_visible, n_hidden=n_hidden)
        if isinstance(n_chains, bool) or not isinstance(n_chains, int) or n_chains < 0:
            raise ValueError(f"RBM: n_chains must be a non-negative int, got {n_chains!r}")
        self.n_visible, self.n_hidden = n_visible, n_hidden
        # small random weights break the symmetry between hidden units (Hinton's guide: N(0, 0.01^2))
        self.weight = Parameter(creation.randn(n_hidden, n_visible) * 0.01)
        self.visible_bias = Parameter(creation.zeros(n_visible))
        self.hidden_bias = Parameter(creation.zeros(n_hidden))
        for name, parameter in self.named_parameters():
            self.register_buffer(f"{name}_velocity", creation.zeros(*parameter.shape))
        self.register_buffer("num_updates", Tensor(xp.zeros((), dtype=xp.int64)))
        if n_chains:  # PCD's fantasy particles, kept as hidden states (the negative phase starts from h)
            self.register_buffer("persistent_chains", creation.zeros(n_chains, n_hidden))

    # --- energies ----------------------------------------------------------------------
    def energy(self, v, h):
        """E(v, h) = -v.b - h.c - h.W v.  v (N, n_visible), h (N, n_hidden) -> (N,) Tensor."""
        v, h = self.visible(v, "v"), as_tensor(self._typed(h))
        return -(v @ self.visible_bias) - (h @ self.hidden_bias) - ((h @ self.weight) * v).sum(axis=1)

    def free_energy(self, v):
        """F(v) = -v.b - sum_j softplus(c_j + W_j.v) = -log sum_h exp(-E(v, h)).  (N, n_visible) -> (N,) Tensor.

        Written in differentiable ops: autograd of F gives the CD gradient (see ``cd_gradient``).
        """
        v = self.visible(v, "v")
        return -(v @ self.visible_bias) - F.softplus(v @ self.weight.T + self.hidden_bias).sum(axis=1)

    # --- conditionals and sampling (backend arrays: the fast path of training) ----------------
    def hidden_probabilities(self, v):
        """p(h = 1 | v) = sigmoid(v W^T + c): (N, n_visible) -> (N, n_hidden) array."""
        return self._up(self.visible(v, "v").data)

    def visible_probabilities(self, h):
        """p(v = 1 | h) = sigmoid(h W + b): (N, n_hidden) -> (N, n_visible) array."""
        return self._down(self._typed(h))

    def sample_hidden(self, v):
        """h ~ p(h | v): (N, n_visible) -> binary (N, n_hidden) array."""
        return bernoulli(self.hidden_probabilities(v)).data

    def gibbs(self, v, k=1):
        """k steps v -> h -> v of block Gibbs sampling from ``v``: the binary visible states (N, n_visible)."""
        check_steps(k)
        v = self.visible(v, "v").data
        for _ in range(k):
            v = bernoulli(self._down(bernoulli(self._up(v)).data)).data
        return v

    def reconstruct(self, v):
        """Up and down once with probabilities: p(v | h = p(h | v)), (N, n_visible) -> (N, n_visible) array."""
        return self._down(self.hidden_probabilities(v))

    def forward(self, v):
        """The reconstruction of ``v`` (what the course draws the network doing)."""
        return self.reconstruct(v)

    def _up(self, v):
        return F.sigmoid(v @ self.weight.data.T + self.hidden_bias.data).data

    def _down(self, h):
        return F.sigmoid(h @ self.weight.data + self.visible_bias.data).data

    # --- learning --------------------------------------------------------------------------
    def cd_gradient(self, v_data, v_model):
        """Positive minus negative statistics: {parameter name: ascent direction of the log-likelihood} (arrays).

        dW = <p(h|v) v^T>_data - <p(h|v) v^T>_model, db = <v>_data - <v>_model, dc = <p(h|v)>_data - <p(h|v)>_model;
        it equals -d/dθ (mean F(v_data) - mean F(v_model)).
        """
        v_data, v_model = self.visible(v_data, "v_data").data, self.visible(v_model, "v_model").data
        return statistics_difference(v_data, self._up(v_data), v_model, self._up(v_model))

    def contrastive_divergence(self, v_data, k=1, lr=0.1, momentum=0.0, weight_decay=0.0, persistent=False):
        """One CD-k (PCD-k with ``persistent``) update from the batch ``v_data``; returns the step's gradient dict.

        velocity <- momentum * velocity + lr * (gradient - weight_decay * W  [weights only]);  θ <- θ + velocity.
        CD-k starts its k Gibbs steps at the data; PCD at the persistent chains, which keep the end states.
        """
        check_steps(k)
        check_rates(lr, momentum, weight_decay)
        v_data = self.visible(v_data, "v_data").data
        h_data = self._up(v_data)
        h_start = self._chains().data if persistent else bernoulli(h_data).data
        v_model, h_model, h_end = self._negative_phase(h_start, k)
        if persistent:
            self.persistent_chains.data[...] = h_end
        gradient = statistics_difference(v_data, h_data, v_model, h_model)
        gradient["weight"] = gradient["weight"] - weight_decay * self.weight.data
        for name, parameter in self.named_parameters():
            velocity = self._buffers[f"{name}_velocity"].data
            velocity *= momentum
            velocity += lr * gradient[name]
            parameter.data += velocity
        self.num_updates.data += 1
        return gradient

    def _negative_phase(self, h, k):
        """k steps h -> v -> h from hidden states ``h``: (v, p(h | v), h sampled) at the end."""
        for _ in range(k):
            v = bernoulli(self._down(h)).data
            h_probabilities = self._up(v)
            h = bernoulli(h_probabilities).data
        return v, h_probabilities, h

    def _chains(self):
        if "persistent_chains" not in self._buffers:
            raise ValueError("RBM: persistent=True needs persistent chains: build the RBM with n_chains > 0")
        return self.persistent_chains

    def init_visible_bias(self, data):
        """b_i = log(p_i / (1 - p_i)) for p_i the fraction of ``data`` with v_i on (clipped to [1e-3, 1 - 1e-3]).

        The recommended start: with W = 0 the model is then the data's base-rate model, which is
        also where annealed importance sampling starts its chains.
        """
        self.visible_bias.data[...] = base_rate_log_odds(self.visible(data, "data").data)
        return self

    # --- input checks --------------------------------------------------------------------------
    def visible(self, v, name):
        """``v`` as a Tensor (N, n_visible) in the model's dtype; ValueError for a wrong size or values
        outside [0, 1]."""
        v = as_tensor(v)
        if v.ndim < 2 or len(v) == 0 or math.prod(v.shape[1:]) != self.n_visible:
            raise ValueError(f"RBM: {name} must have shape (N, {self.n_visible}) (or images of {self.n_visible} "
                             f"pixels), got {v.shape}")
        v = v.reshape(v.shape[0], self.n_visible)
        check_unit_interval(v.data, name)
        return v.astype(self.weight.dtype) if v.dtype != self.weight.dtype else v

    def _typed(self, array):
        array = array.data if isinstance(array, Tensor) else backend.asarray(array)
        return array.astype(self.weight.dtype, copy=False)

    def extra_repr(self):
        chains = len(self.persistent_chains) if "persistent_chains" in self._buffers else 0
        return f"n_visible={self.n_visible}, n_hidden={self.n_hidden}" + (f", n_chains={chains}" if chains else "")


def statistics_difference(v_data, h_data, v_model, h_model):
    """<h v^T>, <v>, <h> over the data minus the same over the model's samples (h as probabilities)."""
    return {"weight": h_data.T @ v_data / len(v_data) - h_model.T @ v_model / len(v_model),
            "visible_bias": v_data.mean(axis=0) - v_model.mean(axis=0),
            "hidden_bias": h_data.mean(axis=0) - h_model.mean(axis=0)}


def base_rate_log_odds(v, eps=1e-3):
    """Per-unit log-odds of being on in ``v`` (N, n): (n,) array, probabilities clipped to [eps, 1 - eps]."""
    p = xp.clip(v.mean(axis=0), eps, 1 - eps)
    return xp.log(p) - xp.log1p(-p)


def check_unit_interval(array, name):
    low, high = float(array.min()), float(array.max())
    if not (0.0 <= low and high <= 1.0):
        raise ValueError(f"RBM: {name} must lie in [0, 1] (binary, or probabilities), got values in "
                         f"[{low:g}, {high:g}]; rescale to [0, 1] (e.g. x / 255) or binarize")


def check_rates(lr, momentum, weight_decay):
    for name, value, high in (("lr", lr, None), ("momentum", momentum, 1), ("weight_decay", weight_decay, None)):
        if not (0 <= value and (high is None or value < high)):
            rule = ">= 0 and < 1" if high else ">= 0"
            raise ValueError(f"RBM.contrastive_divergence: {name} must be {rule}, got {value!r}")


def check_steps(k):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"RBM: k (Gibbs steps) must be a positive int, got {k!r}")
