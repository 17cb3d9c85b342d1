"""The training loop's NaN guard: every tensor of the run checked after every step, and a good state to go back to.

A loss check before the update is not enough: an update from a finite loss can still overflow a
weight (a learning rate of 1e300), and a forward pass on a bad batch moves batch norm's running
statistics before its loss is seen. So after every step ``Guard.check`` looks at every parameter,
persistent buffer and optimizer state array (one sum per tensor, one host synchronisation per step:
tinygen/finite.py), and ``Guard.restore`` puts the last good state back in memory: the one the last
checkpoint holds (``keep`` is called when a checkpoint is written or read), or the state the run
started from when none was written yet.
"""
from tinygen.finite import first_not_finite


class Guard:
    """The last good state of ``trainer`` (its model's state_dict and its optimizers'), and the check."""

    def __init__(self, trainer):
        self.trainer = trainer
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

    def first_bad(self):
        """(name, "nan" / "inf" / "-inf") of the first tensor of the run that is not finite, or None.

        Names: the model's state_dict keys ("decoder.0.weight", "bn.running_var"), and for optimizer
        state "<optimizer>:<parameter's key>.<state>" ("optimizer:decoder.0.weight.exp_avg_sq").
        """
        return first_not_finite(self._named_arrays())

    def _named_arrays(self):
        model = self.trainer.model
        yield from ((name, tensor.data) for name, tensor in model.state_dict().items())
        key_of = {id(parameter): name for name, parameter in model.named_parameters()}
        for optimizer_name, optimizer in self.trainer.optimizers.items():
            parameters = optimizer.parameters()
            for index, entry in optimizer.state.items():
                owner = key_of.get(id(parameters[index]), f"parameter {index}")
                yield from ((f"{optimizer_name}:{owner}.{key}", value) for key, value in entry.items()
                            if key != "step")

