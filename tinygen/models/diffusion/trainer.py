"""The training step of DDPM and flow matching: one loss, one optimizer, then the weight average.

``DiffusionTrainer(model, optimizer)`` works for any ``GuidedNetwork`` (``guidance.py``): the step
asks ``model.loss(images, labels)`` (which draws t, the noise and the label dropout), takes one
optimizer step, and moves the weight average (EMA) that sampling uses toward the new weights.
"""
from tinygen.autograd import Tensor
from tinygen.trainer import GradientTrainer


class DiffusionTrainer(GradientTrainer):
    """train_step((images (N, C, H, W) in [0, 1], labels (N,))) -> {"loss": the step's loss}."""

    def __init__(self, model, optimizer):
        super().__init__(model, optimizer, loss_fn=lambda batch: model.loss(Tensor(batch[0]), batch[1]))

    def train_step(self, batch):
        values = super().train_step(batch)
        self.model.update_average()
        return values
