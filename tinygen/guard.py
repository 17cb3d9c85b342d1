"""The training loop's NaN guard: the run's tensors checked after every step, and a good state to go back to.

A loss check before the update is not enough: an update from a finite loss can still overflow a
weight (a learning rate of 1e300), and a forward pass on a bad batch moves batch norm's running
statistics before its loss is seen. So after every step ``Guard.first_bad`` looks at every parameter
and buffer (one dot product per tensor and one host synchronisation: tinygen/finite.py; about 1 % of
an autoencoder's step). The optimizers' state (Adam's moments: twice the numbers again) is looked at
too when a step's value or a parameter is bad, and before every checkpoint (``save_checkpoint``
refuses a state that is not finite): a non-finite moment reaches its parameter at the next update,
except a second moment at infinity, which freezes its parameter and is found before the checkpoint.
``Guard.restore`` puts the last good state back in memory: the one the last checkpoint holds
(``keep`` is called when a checkpoint is written or read), or the state the run started from.
"""
from tinygen.finite import first_not_finite


class Guard:
    """The last good state of ``trainer`` (its model's state_dict and its optimizers'), and the checks."""

    def __init__(self, trainer):
        self.trainer = trainer
        model = trainer.model
        self._tensors = list(model.named_parameters()) + list(model.named_buffers())  # the live Tensors
        self.keep()

    def keep(self):
        """Remember the trainer's present state as the good one (copies; the run goes on stepping)."""
        self._model = {name: tensor.data.copy() for name, tensor in self.trainer.model.state_dict().items()}
        self._optimizers = {name: optimizer.state_dict() for name, optimizer in self.trainer.optimizers.items()}

    def restore(self):
        """Put the good state back into the model and the optimizers."""
        self.trainer.model.load_state_dict(self._model)
        for name, optimizer in self.trainer.optimizers.items():
            optimizer.load_state_dict(self._optimizers[name])

    def first_bad(self, optimizers=False):
        """(name, "nan" / "inf" / "-inf") of the first parameter or buffer (and, with ``optimizers``, optimizer
        state) that is not finite, or None. Names: state_dict keys ("decoder.0.weight", "bn.running_var");
        "<optimizer>:<parameter's key>.<state>" ("optimizer:decoder.0.weight.exp_avg_sq")."""
        found = first_not_finite((name, tensor.data) for name, tensor in self._tensors)
        return found if found is not None or not optimizers else first_not_finite(self._optimizer_arrays())

    def _optimizer_arrays(self):
        key_of = {id(parameter): name for name, parameter in self.trainer.model.named_parameters()}
        for optimizer_name, optimizer in self.trainer.optimizers.items():
            parameters = optimizer.parameters()
            for index, entry in optimizer.state.items():
                owner = key_of.get(id(parameters[index]), f"parameter {index}")
                yield from ((f"{optimizer_name}:{owner}.{key}", value) for key, value in entry.items()
                            if key != "step")
