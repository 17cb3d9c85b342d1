"""The VAE's step: minimise the negative ELBO, recon + kl_weight * KL, and report both terms."""
from tinygen.autograd import Tensor
from tinygen.trainer import GradientTrainer


class ELBOTrainer(GradientTrainer):
    """Minimise recon + kl_weight * KL; report the loss and both terms (nats per example)."""

    def _terms(self, batch):
        return self.model.loss_and_terms(Tensor(batch[0]))

    def train_step(self, batch):
        self.optimizer.zero_grad()
        loss, terms = self._terms(batch)
        value = self.finite("loss", loss)
        loss.backward()
        self.optimizer.step()
        return {"loss": value, "recon": terms["recon"].item(), "kl": terms["kl"].item()}

    def validate_step(self, batch):
        loss, terms = self._terms(batch)
        return {"loss": loss.item(), "recon": terms["recon"].item(), "kl": terms["kl"].item()}
