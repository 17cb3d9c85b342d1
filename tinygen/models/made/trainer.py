"""MADE's training step: GradientTrainer's, on binarized images, with a mask set drawn before every step.

With one mask set the draw does nothing; with K of them each step trains the shared weights under one
order/connectivity, so the K models of the test-time ensemble all learn (Germain et al. 2015, section 4.2).
"""
from tinygen.models.common import binarized_loss
from tinygen.trainer import GradientTrainer


class MaskDrawingTrainer(GradientTrainer):
    """Minimise MADE's mean NLL of the binarized batch, under a mask set drawn for each step."""

    def __init__(self, model, optimizer):
        super().__init__(model, optimizer, binarized_loss(model))

    def train_step(self, batch):
        self.model.draw_mask_set()
        return super().train_step(batch)
