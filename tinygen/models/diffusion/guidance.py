"""Classifier-free guidance (Ho & Salimans 2022): one network, conditional and unconditional at once.

Training drops each label with probability ``p_uncond``, replacing it by the extra "no label" index
``num_classes`` (the network's class embedding has num_classes + 1 rows), so the same network
learns both eps(x, t, y) and eps(x, t, nothing). Sampling then pushes away from the unconditional
prediction, toward what makes the sample look like its class:

    guided = (1 + w) f(x, t, y) - w f(x, t, nothing),     w >= 0 (w = 0: the plain conditional model)

f is whatever the network predicts (DDPM's noise eps, flow matching's velocity v). Larger w gives
samples the classifier recognises more surely, at the price of variety (lesson 18).

``GuidedNetwork`` is what DDPM and flow matching share: the network, its weight average (EMA, the
GANs' ``weight_average.py``) that sampling uses, label dropout, and the guided prediction.
"""
from tinygen import backend, nn
from tinygen.autograd import Tensor, as_tensor, no_grad
from tinygen.backend import xp
from tinygen.creation import randn
from tinygen.functional import cat
from tinygen.nn.weight_average import ExponentialMovingAverage


def guided(conditional, unconditional, w):
    """(1 + w) conditional - w unconditional: Tensors of one shape (N, ...)."""
    return conditional * (1.0 + w) - unconditional * w


def drop_labels(labels, p_uncond, null_label):
    """``labels`` (N,) ints with each replaced by ``null_label`` with probability ``p_uncond`` (seeded RNG)."""
    dropped = backend.generator().random(labels.shape) < p_uncond
    return xp.where(dropped, null_label, labels).astype(xp.int64)


class GuidedNetwork(nn.Module):
    """network(x (N, C, H, W), t (N,) float, y (N,) ints or None) -> (N, C, H, W), with label dropout and guidance.

    ``num_classes`` None: unconditional (the network is called without y). ``ema`` = decay d > 0:
    keep ExponentialMovingAverage(network, d), updated by ``update_average`` after each step and used
    by ``predict(..., average=True)``. state_dict keys: "network.…" and "network_ema.module.…".
    """

    def __init__(self, network, data_shape, num_classes=None, p_uncond=0.1, ema=0.0):
        super().__init__()
        if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(num_classes, int)
                                        or num_classes < 2):
            raise ValueError(f"num_classes must be None (unconditional) or an integer >= 2, got {num_classes!r}")
        if isinstance(p_uncond, bool) or not isinstance(p_uncond, (int, float)) or not 0 <= p_uncond <= 1:
            raise ValueError(f"p_uncond must be a probability in [0, 1], got {p_uncond!r}")
        self.network = network
        self.network_ema = ExponentialMovingAverage(network, ema) if ema else None
        self.data_shape, self.num_classes, self.p_uncond = tuple(data_shape), num_classes, float(p_uncond)
        self._check_network()

    def _check_network(self):
        """One call on a zero image: a data shape the network cannot take fails here, by name, before training."""
        x = Tensor(xp.zeros((1,) + self.data_shape, dtype=backend.default_float()))
        labels = None if not self.conditional else xp.full(1, self.num_classes, dtype=xp.int64)
        with self.eval_mode(), no_grad():
            shape = tuple(self.output(x, Tensor(xp.zeros(1, dtype=x.dtype)), labels).shape)
        if shape != tuple(x.shape):
            raise ValueError(f"the network maps images of shape {tuple(x.shape)} to {shape}; it must keep the shape")

    @property
    def conditional(self):
        return self.num_classes is not None

    def update_average(self):
        """Move the weight average toward the network (after each optimizer step); nothing without ``ema``."""
        if self.network_ema is not None:
            self.network_ema.update(self.network)

    def training_labels(self, labels):
        """The labels the network sees in training: None (unconditional), else dropped with p_uncond."""
        if not self.conditional:
            return None
        return drop_labels(self.check_labels(labels, "labels"), self.p_uncond, self.num_classes)

    def check_labels(self, labels, name="labels", allow_null=False):
        """``labels`` as a backend int64 array in [0, num_classes) (the null label too when ``allow_null``)."""
        array = labels.data if isinstance(labels, Tensor) else backend.asarray(labels)
        top = self.num_classes + 1 if allow_null else self.num_classes
        if array.dtype.kind not in "iu" or array.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of class indices, got dtype {array.dtype}, shape {array.shape}")
        if array.size and (int(array.min()) < 0 or int(array.max()) >= top):
            raise ValueError(f"{name} must lie in [0, {top - 1}], got values from {int(array.min())} to {int(array.max())}")
        return array.astype(xp.int64)

    def output(self, x, t, labels, average=False):
        """The (live or averaged) network's raw prediction; ``labels`` may hold the null label."""
        network = self.network_ema if average and self.network_ema is not None else self.network
        if not self.conditional:
            return network(x, t)
        return network(x, t, Tensor(self.check_labels(labels, allow_null=True)))

    def check_guidance(self, guidance, labels):
        """ValueError for guidance on an unconditional model, without labels, or with w < 0."""
        if isinstance(guidance, bool) or not isinstance(guidance, (int, float)):
            raise TypeError(f"guidance must be a number w >= 0, got {guidance!r}")
        if guidance < 0:
            raise ValueError(f"guidance w must be >= 0 (w = 0: no guidance), got {guidance}")
        if guidance and not self.conditional:
            raise ValueError(f"guidance w = {guidance} needs a conditional model (trained with labels); "
                             "this model is unconditional: use guidance 0")
        if guidance and labels is None:
            raise ValueError(f"guidance w = {guidance} needs labels to guide toward")

    def predict(self, x, t, labels=None, guidance=0.0, average=True):
        """The guided prediction at (x (N, ...), t (N,)) without a graph, from one batched network call.

        labels None on a conditional model: the unconditional prediction (every label the null one).
        """
        n = x.shape[0]
        if self.conditional and labels is None:
            labels = xp.full(n, self.num_classes, dtype=xp.int64)
        with no_grad():
            if not guidance:
                return self.output(x, t, labels, average)
            both = self.output(cat([x, x]), cat([t, t]),
                               xp.concatenate([self.check_labels(labels), xp.full(n, self.num_classes, xp.int64)]),
                               average)
            return guided(both[:n], both[n:], guidance)

    def scaled(self, images):
        """Images in [0, 1] (N, *data_shape) -> x_0 in [-1, 1], the range the noise is mixed into."""
        images = as_tensor(images)
        if tuple(images.shape[1:]) != self.data_shape:
            raise ValueError(f"images of shape {tuple(images.shape)} must be (N, {', '.join(map(str, self.data_shape))})")
        return images * 2.0 - 1.0

    def start(self, n, labels, guidance, noise):
        """Checked sampling inputs: (labels as a backend array or None, the start noise (n, *data_shape))."""
        if labels is not None and not self.conditional:
            raise ValueError("labels given to an unconditional model; only a conditional model takes labels")
        self.check_guidance(guidance, labels)
        labels = None if labels is None else self.check_labels(labels)
        if noise is None:
            return labels, randn(n, *self.data_shape)
        noise = as_tensor(noise)
        if tuple(noise.shape) != (n,) + self.data_shape:
            raise ValueError(f"noise of shape {tuple(noise.shape)} must be {(n,) + self.data_shape}")
        return labels, noise

    @staticmethod
    def images(x):
        """The final state in [-1, 1] (clipped) as images in [0, 1]."""
        return (x.clip(-1.0, 1.0) + 1.0) * 0.5

    def eval_mode(self):
        """Context: the network(s) in eval mode for sampling, the previous mode restored afterwards."""
        return _EvalMode(self)


class _EvalMode:
    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.was_training = self.module.training
        self.module.eval()

    def __exit__(self, *exc):
        self.module.train(self.was_training)
