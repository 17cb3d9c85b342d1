"""The RBM's step: contrastive divergence (CD-k, or PCD-k with persistent chains) is not a gradient of a
loss that autograd can take, so this Trainer has no optimizer and lets the model update itself."""
from tinygen import backend
from tinygen.data.transforms import binarize
from tinygen.models.rbm.model import check_rates, check_steps
from tinygen.models.rbm.pseudo_likelihood import pseudo_likelihood
from tinygen.trainer import Trainer


class ContrastiveDivergenceTrainer(Trainer):
    """CD-k or PCD-k updates of an RBM (no optimizer); reports reconstruction_error and pseudo_likelihood.

    The visible biases start at the log-odds of the first batch, unless the RBM was already updated
    (a resumed run), as its ``num_updates`` buffer says.
    """

    def __init__(self, model, lr, k=1, persistent=True, momentum=0.5, weight_decay=1e-4):
        super().__init__(model, {})
        check_steps(k)
        check_rates(lr, momentum, weight_decay)
        self.lr, self.k, self.persistent = lr, k, persistent
        self.momentum, self.weight_decay = momentum, weight_decay

    def train_step(self, batch):
        v = visible_units(batch[0])
        if int(self.model.num_updates.data) == 0:
            self.model.init_visible_bias(v)
        values = self.measure(v)
        self.model.contrastive_divergence(v, k=self.k, lr=self.lr, momentum=self.momentum,
                                          weight_decay=self.weight_decay, persistent=self.persistent)
        return values

    def validate_step(self, batch):
        return self.measure(visible_units(batch[0]))

    def measure(self, v):
        """Mean squared error per pixel of the reconstruction, and the mean pseudo-likelihood (nats)."""
        error = ((self.model.reconstruct(v) - v) ** 2).mean()
        return {"reconstruction_error": self.finite("reconstruction_error", error),
                "pseudo_likelihood": self.finite("pseudo_likelihood", pseudo_likelihood(self.model, v).mean())}


def visible_units(images):
    """Images (N, C, H, W) of either backend -> binary (N, C*H*W) backend array."""
    images = backend.to_backend(images)
    return binarize(images).reshape(len(images), -1)
