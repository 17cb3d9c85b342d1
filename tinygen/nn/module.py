"""Module and Parameter: the bookkeeping that turns functions into trainable layers.

A Module finds its Parameters, buffers and sub-modules by attribute assignment
(``self.weight = Parameter(...)``, ``self.encoder = Sequential(...)``), so it can
list them, name them with PyTorch's dotted keys (``"encoder.0.weight"``), save and
load them, move them to another backend or dtype, and switch training mode.
"""
from collections import OrderedDict, namedtuple

from tinygen import backend
from tinygen.autograd import Tensor
from tinygen.backend import xp
from tinygen.nn.summary import parameter_count, summary


class Parameter(Tensor):
    """A Tensor that a Module trains: requires_grad=True, and found by ``Module.parameters()``."""

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class RemovableHandle:
    """Returned by ``register_forward_hook``; ``remove()`` takes the hook off again."""

    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self):
        self.hooks.pop(self.key, None)


class Module:
    """Base class of every layer and model: subclass it, assign parts in __init__, write forward()."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # --- registration by attribute -------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning {name!r}")
        registry = self._registry_for(name, value)
        for other in ("_parameters", "_buffers", "_modules"):
            if other != registry:
                self.__dict__[other].pop(name, None)
        if registry is None:
            object.__setattr__(self, name, value)
        else:
            self.__dict__.pop(name, None)
            self.__dict__[registry][name] = value

    def _registry_for(self, name, value):
        """Where ``value`` assigned to ``name`` belongs: "_parameters", "_buffers", "_modules" or None."""
        if isinstance(value, Parameter):
            return "_parameters"
        if isinstance(value, Module):
            return "_modules"
        if name in self.__dict__["_parameters"]:
            if value is not None:
                raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} to parameter "
                                f"{name!r} (a Parameter or None is expected)")
            return "_parameters"
        if name in self.__dict__["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}: buffer {name!r} must be a Tensor or None, "
                                f"got {type(value).__name__}")
            return "_buffers"
        return None

    def __getattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry, {})
            if name in entries:
                return entries[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__[registry]:
                del self.__dict__[registry][name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name, tensor, persistent=True):
        """A Tensor that is state but not trained (running statistics); persistent ones go in state_dict."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def register_parameter(self, name, param):
        """Same as ``self.name = param``; ``None`` reserves the name (a layer built with bias=False)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}")
        self.__dict__.pop(name, None)
        self._parameters[name] = param

    def add_module(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        self._modules[name] = module

    # --- walking the tree -------------------------------------------------------
    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and everything below it, depth first; "" is self."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (module for _, module in self.named_modules())

    def named_children(self):
        return iter(self._modules.items())

    def children(self):
        return iter(self._modules.values())

    def _named_members(self, registry, recurse):
        seen = set()
        walk = self.named_modules() if recurse else [("", self)]
        for prefix, module in walk:
            for name, tensor in getattr(module, registry).items():
                if tensor is None or id(tensor) in seen:
                    continue
                seen.add(id(tensor))
                yield (f"{prefix}.{name}" if prefix else name), tensor

    def named_parameters(self, recurse=True):
        """(dotted name, Parameter) pairs, each Parameter once even when it is shared."""
        return self._named_members("_parameters", recurse)

    def parameters(self, recurse=True):
        return (p for _, p in self.named_parameters(recurse))

    def named_buffers(self, recurse=True):
        return self._named_members("_buffers", recurse)

    def buffers(self, recurse=True):
        return (b for _, b in self.named_buffers(recurse))

    def apply(self, fn):
        """Call ``fn(module)`` on every sub-module, then on self (as PyTorch); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # --- running ----------------------------------------------------------------
    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *inputs, **kwargs):
        output = self.forward(*inputs, **kwargs)
        for hook in list(self._forward_hooks.values()):
            hook(self, inputs, output)
        return output

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward; returns a handle with remove()."""
        key = max(self._forward_hooks, default=-1) + 1
        self._forward_hooks[key] = hook
        return RemovableHandle(self._forward_hooks, key)

    def train(self, mode=True):
        """Training mode (dropout drops, batch norm uses batch statistics) for self and every sub-module."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode: dropout is the identity, batch norm uses its running statistics."""
        return self.train(False)

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def requires_grad_(self, flag=True):
        """Freeze (False) or unfreeze every parameter, e.g. the discriminator while the generator trains."""
        for p in self.parameters():
            p.requires_grad_(flag)
        return self

    # --- moving -------------------------------------------------------------------
    def to(self, target):
        """Move every parameter and buffer in place: ``to("cupy")``/``to("numpy")``, or ``to(dtype)``.

        A dtype converts floating-point tensors only (an integer counter stays an integer).
        The Parameter objects stay the same, so an optimizer built over them still holds them.
        """
        if isinstance(target, str) and target in ("numpy", "cupy"):
            convert = lambda array: backend.to_backend(array, target)
        else:
            dtype = _floating_dtype(target)
            convert = lambda array: array.astype(dtype) if backend.is_floating(array.dtype) else array
        for tensor in list(self.parameters()) + list(self.buffers()):
            tensor.data = convert(tensor.data)
            if tensor.grad is not None:
                tensor.grad = Tensor(convert(tensor.grad.data))
        return self

    def double(self):
        return self.to("float64")

    def float(self):
        return self.to("float32")

    # --- saving and loading -----------------------------------------------------------
    def state_dict(self):
        """{dotted name: Tensor} of every parameter and persistent buffer (sharing memory, no graph).

        The keys are PyTorch's: "0.weight" in a Sequential, "encoder.0.bias" nested,
        "bn.running_mean" and "bn.num_batches_tracked" for batch norm's buffers.
        """
        state = OrderedDict()
        for prefix, module in self.named_modules():
            entries = list(module._parameters.items()) + [
                (name, b) for name, b in module._buffers.items() if name not in module._non_persistent]
            for name, tensor in entries:
                if tensor is not None:
                    state[f"{prefix}.{name}" if prefix else name] = tensor.detach()
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy values (Tensors or arrays of either backend) into this module's tensors, in place.

        Every problem is found before anything is copied and reported in one ValueError:
        keys missing from ``state_dict``, keys it has that this module lacks (both only when
        ``strict``), and entries of the wrong shape or dtype (always). Returns
        (missing_keys, unexpected_keys).
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"load_state_dict into {type(self).__name__}: expected a mapping of names to tensors "
                            f"(what state_dict() returns), got {type(state_dict).__name__}")
        own = self.state_dict()
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        values = {key: _as_array(state_dict[key]) for key in own if key in state_dict}
        problems = [_mismatch(key, own[key], value) for key, value in values.items()]
        problems = [p for p in problems if p]
        if strict:
            problems = ([f"missing key {key!r} (expected shape {own[key].shape})" for key in missing]
                        + [f"unexpected key {key!r}" for key in unexpected] + problems)
        if problems:
            raise ValueError(f"load_state_dict into {type(self).__name__} failed, nothing was loaded:\n  "
                             + "\n  ".join(problems))
        for key, value in values.items():
            own[key].data[...] = backend.to_backend(value, own[key].backend)
        return IncompatibleKeys(missing, unexpected)

    # --- describing --------------------------------------------------------------
    def extra_repr(self):
        """The settings shown inside the parentheses of repr: override in layers."""
        return ""

    def describe(self):
        """A one-line name for messages, e.g. "Linear(784 -> 256)"."""
        return f"{type(self).__name__}({self.extra_repr()})"

    def __repr__(self):
        if not self._modules:
            return self.describe() + self._count_comment()
        lines = [f"{type(self).__name__}({self.extra_repr()}{self._count_comment()}"]
        for name, child in self._modules.items():
            lines.append(f"  ({name}): " + repr(child).replace("\n", "\n  "))
        return "\n".join(lines) + "\n)"

    def _count_comment(self):
        """"  # weight (256, 100), bias (256,): 25,856 params" (own shapes shown for a leaf), or ""."""
        count = parameter_count(self)
        if not count:
            return ""
        shapes = ", ".join(f"{name} {tuple(p.shape)}" for name, p in self.named_parameters(recurse=False))
        return f"  # {shapes + ': ' if shapes and not self._modules else ''}{count:,} params"

    def summary(self, input_shape, dtype=None, file=None, inputs=()):
        """Print (and return) a per-layer table: layer, output shape, parameters, and the totals.

        ``input_shape`` leaves out the batch axis, as in Keras: ``model.summary((1, 28, 28))``;
        ``inputs`` are further forward arguments after the batch, if the model takes any.
        """
        return summary(self, input_shape, dtype=dtype, file=file, inputs=inputs)


def _as_array(value):
    return value.data if isinstance(value, Tensor) else backend.asarray(value)


def _mismatch(key, own, value):
    """A sentence saying how ``value`` does not fit the tensor ``own`` under ``key``, or None."""
    if tuple(value.shape) != tuple(own.shape):
        return f"wrong shape for {key!r}: got {tuple(value.shape)}, the module has {tuple(own.shape)}"
    if value.dtype != own.dtype:
        return f"wrong dtype for {key!r}: got {value.dtype}, the module has {own.dtype}"
    return None


def _floating_dtype(target):
    try:
        dtype = xp.dtype(target)
    except TypeError:
        raise TypeError(f"to: target must be a backend name ('numpy', 'cupy') or a floating-point dtype, "
                        f"got {target!r}") from None
    if not backend.is_floating(dtype):
        raise TypeError(f"to: a module converts to a floating-point dtype only, got {dtype}")
    return dtype


def check_sizes(owner, **sizes):
    """Each keyword a positive int (a layer's feature or channel count), or a ValueError naming it."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
