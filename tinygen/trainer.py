"""What ``fit`` trains: a Trainer holds the networks, their optimizers and the step that updates them.

A model family supplies one Trainer. The loop knows nothing else about the model:

    trainer.model          ONE nn.Module holding every network (its state_dict is what a checkpoint keeps)
    trainer.optimizers     {name: Optimizer} (a GAN has two, an RBM none: its update is not a gradient step)
    trainer.train_step(batch) -> {name: float}   one batch in, named values out; applies every update itself
    trainer.validate_step(batch) -> {name: float}  the same values on held-out data, no update

``GradientTrainer`` is the common case: one network, one optimizer, one loss to minimise.
"""
from tinygen.autograd import Tensor
from tinygen.finite import finite_number
from tinygen.nn.utils import clip_grad_norm_


class Trainer:
    """One model family's training step. Subclass it and write ``train_step`` (and ``validate_step``)."""

    def __init__(self, model, optimizers):
        if not isinstance(optimizers, dict):
            raise TypeError(f"Trainer: optimizers must be a dict {{name: Optimizer}}, got {type(optimizers).__name__}")
        self.model, self.optimizers = model, optimizers

    def train_step(self, batch):
        """One update from ``batch`` (images, labels as backend arrays); returns {name: float}."""
        raise NotImplementedError(f"{type(self).__name__} must define train_step(batch)")

    def validate_step(self, batch):
        """Named values on a held-out ``batch`` (called in eval mode, without a graph); none by default."""
        return {}

    @staticmethod
    def finite(name, value):
        """``value`` (a scalar Tensor or number) as a float; NotFinite when NaN or infinite.

        Call it before the update that the value drives, so a diverged step is never applied.
        """
        return finite_number(name, value.item() if isinstance(value, Tensor) else value)


class GradientTrainer(Trainer):
    """Minimise one scalar loss of one network with one optimizer; reports {"loss": value}.

    ``loss_fn(batch) -> scalar Tensor``; by default ``model.loss(images)`` on the batch's images.
    ``max_grad_norm``: when set (not None or 0), the gradients are scaled to that joint L2 norm at most before each step
    (``nn.utils.clip_grad_norm_``), so one bad batch cannot throw the weights far.
    """

    def __init__(self, model, optimizer, loss_fn=None, max_grad_norm=None):
        super().__init__(model, {"optimizer": optimizer})
        self.optimizer, self.max_grad_norm = optimizer, max_grad_norm
        self.loss_fn = loss_fn if loss_fn is not None else (lambda batch: model.loss(Tensor(batch[0])))

    def train_step(self, batch):
        self.optimizer.zero_grad()
        loss = self.loss_fn(batch)
        value = self.finite("loss", loss)
        loss.backward()
        if self.max_grad_norm:
            clip_grad_norm_(self.model.parameters(), self.max_grad_norm)
        self.optimizer.step()
        return {"loss": value}

    def validate_step(self, batch):
        return {"loss": float(self.loss_fn(batch).item())}
