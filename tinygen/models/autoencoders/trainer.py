"""The autoencoder family's steps: Adam on a loss of several named terms (TermsTrainer), and greedy
layer-wise pretraining followed by end-to-end training (GreedyTrainer, for the deep autoencoder)."""
from tinygen.autograd import Tensor
from tinygen.optim import Adam
from tinygen.trainer import Trainer


class TermsTrainer(Trainer):
    """Adam on ``model.loss``; reports the loss and each of its terms ({"loss", "reconstruction", "penalty"})."""

    def __init__(self, model, optimizer):
        super().__init__(model, {"optimizer": optimizer})
        self.optimizer = optimizer

    def train_step(self, batch):
        terms = self.model.loss_terms(Tensor(batch[0]))
        loss = sum(terms.values())
        values = {"loss": self.finite("loss", loss), **{name: self.finite(name, t) for name, t in terms.items()}}
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return values

    def validate_step(self, batch):
        terms = self.model.loss_terms(Tensor(batch[0]))
        return {"loss": float(sum(terms.values()).item()), **{name: float(t.item()) for name, t in terms.items()}}


class GreedyTrainer(Trainer):
    """Greedy layer-wise pretraining, then end to end: ``pretrain_steps`` Adam steps on each stage in turn.

    Each stage has its own optimizer, whose step count (kept in checkpoints) says which stage a resumed
    run is in. Reports each stage's loss under its own name, so that an epoch's means never mix them:
    {"loss_stage<k>": the shallow autoencoder's loss} while pretraining stage k, {"loss": the deep
    network's} end to end; and "stage", the index (``model.stages`` = end to end).
    """

    def __init__(self, model, lr, pretrain_steps):
        if not isinstance(pretrain_steps, int) or pretrain_steps < 0:
            raise ValueError(f"deep-ae: pretrain_steps (Adam steps per stage) must be a non-negative integer, "
                             f"got {pretrain_steps!r}")
        optimizers = {f"stage{k}": Adam(model.stage_parameters(k), lr=lr) for k in range(model.stages)}
        optimizers["end_to_end"] = Adam(model.parameters(), lr=lr)
        super().__init__(model, optimizers)
        self.pretrain_steps = pretrain_steps

    def stage(self):
        """The first stage that has taken fewer than ``pretrain_steps`` steps; ``model.stages`` when all are done."""
        for k in range(self.model.stages):
            if self.optimizers[f"stage{k}"].state.get(0, {"step": 0})["step"] < self.pretrain_steps:
                return k
        return self.model.stages

    def train_step(self, batch):
        stage, images = self.stage(), Tensor(batch[0])
        if stage < self.model.stages:
            loss, optimizer = self.model.stage_loss(stage, images), self.optimizers[f"stage{stage}"]
        else:
            loss, optimizer = self.model.loss(images), self.optimizers["end_to_end"]
        name = f"loss_stage{stage}" if stage < self.model.stages else "loss"
        value = self.finite(name, loss)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return {name: value, "stage": float(stage)}

    def validate_step(self, batch):
        return {"loss": float(self.model.loss(Tensor(batch[0])).item())}
