"""The deep (stacked) autoencoder, 784-128-64-32 mirrored, and its greedy layer-wise pretraining.

Trained end to end, it is the plain autoencoder with more layers. The older recipe, from the days
when deep networks would not train from random weights, stacks shallow autoencoders instead:

    stage k = 0, 1, ..., L-1:  input a_k = the codes of the (frozen) layers below (a_0 = the image)
                               h_k = act(encoder_k(a_k)),  â_k = act'(decoder_k(h_k)),  loss = error(â_k, a_k)
    then fine-tune the whole stack end to end.

Stage k trains exactly the two layers of the deep network that face each other across the code
(encoder layer k and its mirror in the decoder), so pretraining needs no extra weights: it only
chooses which of the network's own layers learn first. The first stage rebuilds pixels (the model's
loss on logits); deeper stages rebuild ReLU codes with MSE.
"""
import tinygen.functional as F
from tinygen.autograd import as_tensor, no_grad
from tinygen.models.autoencoders.model import Autoencoder


class DeepAutoencoder(Autoencoder):
    """``Autoencoder`` with the deep default layers (784-128-64-32-64-128-784); ``stages`` shallow layer pairs."""

    def __init__(self, code_size=32, num_layers=2, nodes_per_layer=(128, 64), **autoencoder_args):
        nodes = nodes_per_layer if isinstance(nodes_per_layer, int) else list(nodes_per_layer)
        super().__init__(code_size=code_size, num_layers=num_layers, nodes_per_layer=nodes, **autoencoder_args)

    @property
    def stages(self):
        """The number of shallow autoencoders in the stack: one per Linear layer of the encoder."""
        return len(self.encoder) // 2 + 1

    def stage_layers(self, stage):
        """(encoder Linear, its mirror in the decoder) trained in ``stage`` (0 = the one facing the pixels)."""
        self._check_stage(stage)
        return self.encoder[2 * stage], self.decoder[2 * (self.stages - 1 - stage)]

    def stage_parameters(self, stage):
        """The parameters greedy pretraining updates in ``stage``."""
        encoder_layer, decoder_layer = self.stage_layers(stage)
        return list(encoder_layer.parameters()) + list(decoder_layer.parameters())

    def stage_loss(self, stage, x):
        """The shallow autoencoder's loss of ``stage`` on the image batch ``x``: only its two layers get gradients."""
        x = as_tensor(x)
        self._check_input(x)
        with no_grad():  # the layers below are frozen: their codes are this stage's data
            below = self.encoder[:2 * stage](x.reshape(x.shape[0], -1)) if stage else x.reshape(x.shape[0], -1)
        encoder_layer, decoder_layer = self.stage_layers(stage)
        is_code = stage == self.stages - 1
        hidden = encoder_layer(below) if is_code else F.relu(encoder_layer(below))
        rebuilt = decoder_layer(hidden)
        if stage == 0:
            return self.reconstruction_loss(rebuilt.reshape(x.shape), x)
        return F.mse_loss(F.relu(rebuilt), below)

    def _check_stage(self, stage):
        if not isinstance(stage, int) or not 0 <= stage < self.stages:
            raise ValueError(f"DeepAutoencoder: stage must be an integer in [0, {self.stages - 1}] (one per "
                             f"encoder layer), got {stage!r}")
