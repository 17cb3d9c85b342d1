"""The fully connected layer (Keras's Dense)."""
import tinygen.functional as F
from tinygen import creation
from tinygen.autograd import as_tensor
from tinygen.nn import init
from tinygen.nn.module import Module, Parameter, check_sizes


class Linear(Module):
    """y = x W^T + b: (N, *, in_features) -> (N, *, out_features), weight (out, in), bias (out,)."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        check_sizes("Linear", in_features=in_features, out_features=out_features)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(creation.zeros(out_features, in_features))
        self.register_parameter("bias", Parameter(creation.zeros(out_features)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, x):
        return F.linear(self._checked(x), self.weight, self.bias)

    def _checked(self, x):
        """``x`` as a Tensor; ValueError/TypeError unless its last axis and dtype fit the layer."""
        x = as_tensor(x)
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            got = x.shape[-1] if x.ndim else "none"
            raise ValueError(f"{self.describe()} expects {self.in_features} input features (last axis), "
                             f"got {got} in input of shape {x.shape}")
        if x.dtype != self.weight.dtype:
            raise TypeError(f"{self.describe()}: input dtype {x.dtype} differs from the layer's {self.weight.dtype}; "
                            "convert the input with .astype() or the layer with .to(dtype)")
        return x

    def extra_repr(self):
        return f"{self.in_features} -> {self.out_features}" + ("" if self.bias is not None else ", bias=False")
