"""A model summary like Keras's: one row per layer with its output shape and parameter count.

The table is found by running the model once on a batch of zeros with a forward hook on
every layer, so it shows what really happens (shapes included), in call order. The model
runs in evaluation mode without a graph, and its modes are restored afterwards: making a
summary changes no running statistic and draws no random number.
"""
import sys

from tinygen import backend
from tinygen.autograd import Tensor, no_grad


def parameter_count(module, recurse=True, trainable_only=False):
    """How many numbers the module's Parameters hold (each shared Parameter counted once)."""
    return sum(p.size for p in module.parameters(recurse) if p.requires_grad or not trainable_only)


def _shape_text(output):
    """(N, 14, 14, 32)-style text: the batch axis as N; a tuple of outputs as a list of shapes."""
    if isinstance(output, (tuple, list)):
        return "[" + ", ".join(_shape_text(item) for item in output) + "]"
    return _batch_shape_text(output.shape[1:])


def _batch_shape_text(sample_shape):
    return "(" + ", ".join(["N"] + [str(n) for n in sample_shape]) + ")"


def _reported(module):
    """A row for every leaf layer, and for any container that holds Parameters of its own."""
    return not module._modules or any(True for _ in module.parameters(recurse=False))


def _sample_input(model, input_shape, dtype):
    """Zeros of shape (2, *input_shape) (two samples: batch norm needs more than one) on the model's backend."""
    first = next(model.parameters(), None)
    array_module = backend.get_array_module(first.data if first is not None else None)
    dtype = dtype or (first.dtype if first is not None else backend.default_float())
    return Tensor(array_module.zeros((2, *input_shape), dtype=dtype))


def _record_rows(model, x, inputs):
    rows, handles = [], []
    for name, module in model.named_modules():
        if _reported(module):
            record = lambda m, inputs, output, name=name: rows.append(
                (f"{name} {m.describe()}" if name else m.describe(), _shape_text(output),
                 parameter_count(m, recurse=False)))
            handles.append(module.register_forward_hook(record))
    modes = [(module, module.training) for module in model.modules()]
    try:
        with no_grad():
            model.eval()(x, *inputs)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            object.__setattr__(module, "training", training)
    return rows


def summary(model, input_shape, dtype=None, file=None, inputs=()):
    """Print the table for ``model`` fed (N, *input_shape) to ``file`` (default stdout) and return it.

    ``inputs``: further arguments of the forward call after the batch (a diffusion U-Net's time step).
    """
    input_shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else (input_shape,)
    rows = _record_rows(model, _sample_input(model, input_shape, dtype), tuple(inputs))
    header = ("Layer", "Output shape", "Param #")
    cells = [header, ("input", _batch_shape_text(input_shape), "0")]
    cells += [(layer, shape, f"{count:,}") for layer, shape, count in rows]
    widths = [max(len(row[i]) for row in cells) + 3 for i in range(3)]
    line = lambda row: (row[0].ljust(widths[0]) + row[1].ljust(widths[1]) + row[2].rjust(widths[2] - 3)).rstrip()
    rule = "-" * (sum(widths) - 3)
    total, trainable = parameter_count(model), parameter_count(model, trainable_only=True)
    text = "\n".join([f'Model: "{type(model).__name__}"', rule, line(header), "=" * len(rule)]
                     + [line(row) for row in cells[1:]]
                     + ["=" * len(rule), f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                        f"Non-trainable params: {total - trainable:,}", rule])
    print(text, file=file or sys.stdout)
    return text
