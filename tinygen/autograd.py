"""Tensor, Function and reverse-mode differentiation.

A ``Function`` computes its forward pass on raw arrays and its backward pass with
Tensor operations. Backward therefore builds a graph of its own when asked
(``create_graph=True``), which is all that gradients of gradients need; when not
asked, it runs under ``no_grad`` and records nothing.
"""
import contextlib
import weakref

from tinygen import backend
from tinygen.backend import xp

_grad_mode = {"enabled": True}


def is_grad_enabled():
    return _grad_mode["enabled"]


@contextlib.contextmanager
def _grad_mode_set(enabled):
    previous = _grad_mode["enabled"]
    _grad_mode["enabled"] = enabled
    try:
        yield
    finally:
        _grad_mode["enabled"] = previous


class no_grad(contextlib.ContextDecorator):
    """Within this block (or decorated function) no operation records a graph."""

    def __enter__(self):
        self._context = _grad_mode_set(False)
        self._context.__enter__()

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)


class enable_grad(no_grad):
    """Turn recording back on inside a ``no_grad`` block."""

    def __enter__(self):
        self._context = _grad_mode_set(True)
        self._context.__enter__()


def _to_array(data, dtype):
    """Backend array from any array-like: Python floats become float32, arrays keep dtype."""
    if isinstance(data, Tensor):
        data = data.data
    array = backend.asarray(data, dtype=dtype)
    if dtype is None and backend.is_floating(array.dtype) and not hasattr(data, "dtype"):
        array = array.astype(backend.default_float())
    if not backend.is_numeric(array.dtype):
        raise TypeError(f"Tensor data must be numeric, got dtype {array.dtype} from {type(data).__name__}")
    return array


class Tensor:
    """An n-dimensional array that remembers how it was made, for differentiation.

    ``data`` is a numpy or cupy array; ``grad`` (a Tensor or None) is filled by
    ``backward()`` for leaves that require grad, and for others that ``retain_grad()``.
    """

    __array_priority__ = 1000  # make ndarray + Tensor call Tensor.__radd__
    __array_ufunc__ = None  # ... and numpy scalars and ufuncs too, never turning a Tensor into an array behind its back

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _to_array(data, dtype)
        self.grad = None
        self.creator = None
        self._retains_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def requires_grad_(self, flag=True):
        if flag and not backend.is_floating(self.data.dtype):
            raise TypeError(f"only floating-point tensors can require grad, this one has dtype {self.dtype}")
        self.requires_grad = bool(flag)
        return self

    # --- array facts -------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: self.data.size)
    is_leaf = property(lambda self: self.creator is None)
    backend = property(lambda self: backend.backend_of(self.data))

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor: it has no first axis (use .item() for its value)")
        return self.shape[0]

    def __iter__(self):
        """The sub-tensors along the first axis (differentiable, like indexing)."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor: it has no first axis (use .item() for its value)")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self):
        body = str(self.numpy()).replace("\n", "\n       ")
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({body}, dtype={self.dtype}{grad})"

    def numpy(self):
        """The values as a host NumPy array (a copy off the GPU; no graph)."""
        return backend.to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        """numpy.asarray(t) on the NumPy backend; on a GPU refused, as CuPy refuses (use .numpy())."""
        if self.backend != "numpy":
            raise TypeError(f"a tensor on backend {self.backend!r} does not convert to a NumPy array "
                            "implicitly; call .numpy() to copy it to the host")
        array = self.data if dtype is None else self.data.astype(dtype, copy=False)
        return array.copy() if copy else array

    def _one_element(self, use):
        if self.size != 1:
            raise ValueError(f"{use} needs a tensor with one element, this one has shape {self.shape}")
        return self.data.reshape(()).item()

    def item(self):
        """The one element as a Python number."""
        return self._one_element("item()")

    def tolist(self):
        return self.numpy().tolist()

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous: "
                             "test one element, or reduce on the host: (t > 0).numpy().all()")
        return bool(self._one_element("bool()"))

    def __float__(self):
        return float(self._one_element("float()"))

    def __int__(self):
        return int(self._one_element("int()"))

    def __index__(self):
        """Lets an integer one-element tensor index a list or a range, as PyTorch."""
        if self.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, this one has dtype {self.dtype}")
        return int(self._one_element("an index"))

    __hash__ = object.__hash__

    def detach(self):
        """The same values, cut from the graph (shares memory)."""
        return _wrap(self.data)

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf after backward (leaves always keep it)."""
        self._retains_grad = True
        return self

    def to(self, name):
        """A copy on backend ``name`` ("numpy" or "cupy"); a leaf copy keeps requires_grad."""
        if name not in ("numpy", "cupy"):
            raise ValueError(f"to: name must be a backend, 'numpy' or 'cupy', got {name!r} "
                             "(for another dtype use .astype(dtype))")
        moved = _wrap(backend.to_backend(self.data, name))  # not Tensor(): that would move it to the current backend
        return moved.requires_grad_(self.requires_grad)

    # --- differentiation ---------------------------------------------------
    def backward(self, grad=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad."""
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad: "
                               "no input of its graph has requires_grad=True")
        keep = lambda tensor: tensor.is_leaf or tensor._retains_grad
        for tensor, g in _backpropagate([self], [grad], create_graph, keep).items():
            tensor.grad = g if tensor.grad is None else tensor.grad + g

    def set_creator(self, function):
        self.creator = function
        self.requires_grad = True


def _seed_gradient(output, grad):
    if grad is None:
        if output.size != 1:
            raise ValueError(f"grad can be implied only for a scalar output; this output has shape "
                             f"{output.shape}, so pass grad (or grad_outputs) of that shape")
        return Tensor(xp.ones(output.shape, dtype=output.dtype))
    grad = grad if isinstance(grad, Tensor) else Tensor(grad, dtype=output.dtype)
    if grad.shape != output.shape:
        raise ValueError(f"gradient shape {grad.shape} does not match output shape {output.shape}")
    return grad


def _functions_in_order(outputs):
    """Every Function behind ``outputs``, each after all the Functions that consume its outputs."""
    order, visited = [], set()
    stack = [(t.creator, False) for t in outputs if t.creator is not None]
    while stack:
        function, expanded = stack.pop()
        if expanded:
            order.append(function)
            continue
        if id(function) in visited:
            continue
        visited.add(id(function))
        stack.append((function, True))
        stack.extend((t.creator, False) for t in function.inputs
                     if t.creator is not None and id(t.creator) not in visited)
    return reversed(order)


def _backpropagate(outputs, grad_outputs, create_graph, keep):
    """Gradients of sum(output * grad_output) for the tensors ``keep`` selects: {tensor: grad}.

    Other gradients are dropped as soon as they have been passed on, to free memory.
    """
    grads = {}
    for output, grad in zip(outputs, grad_outputs):
        seed = _seed_gradient(output, grad)
        grads[output] = grads[output] + seed if output in grads else seed
    with _grad_mode_set(create_graph):
        for function in _functions_in_order(outputs):
            output_grads = [grads.get(out()) if out() is not None else None for out in function.outputs]
            if all(g is None for g in output_grads):
                continue
            output_grads = [g if g is not None else Tensor(xp.zeros(out().shape, out().dtype))
                            for g, out in zip(output_grads, function.outputs)]
            input_grads = function.backward(*output_grads)
            for out in function.outputs:
                if out() is not None and not keep(out()):
                    grads.pop(out(), None)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            for tensor, g in zip(function.inputs, input_grads):
                if g is None or not tensor.requires_grad:
                    continue
                g = _checked_gradient(function, tensor, g)
                grads[tensor] = grads[tensor] + g if tensor in grads else g
    return grads


def _checked_gradient(function, tensor, g):
    """``g`` in the dtype of ``tensor``: the gradient of a leaf always has the leaf's dtype and shape."""
    if g.shape != tensor.shape:
        raise RuntimeError(f"{type(function).__name__}.backward returned a gradient of shape "
                           f"{g.shape} for an input of shape {tensor.shape}")
    return g if g.dtype == tensor.dtype else g.astype(tensor.dtype)


def grad(outputs, inputs, grad_outputs=None, create_graph=False, allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned as a tuple (no .grad touched).

    With ``create_graph=True`` the returned gradients are themselves differentiable.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    for i, output in enumerate(outputs):
        if not output.requires_grad:
            raise RuntimeError(f"grad: output {i} does not require grad (no input of its graph does)")
    wanted = {id(t) for t in inputs}
    grads = _backpropagate(outputs, grad_outputs, create_graph, lambda t: id(t) in wanted)
    result = []
    for i, tensor in enumerate(inputs):
        if tensor not in grads and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {tensor.shape}) was not used to compute the "
                               "outputs; pass allow_unused=True to get None for it")
        result.append(grads.get(tensor))
    return tuple(result)


def as_tensor(value):
    """``value`` itself if it is a Tensor, else a new Tensor of it."""
    return value if isinstance(value, Tensor) else Tensor(value)


class Function:
    """One differentiable operation: ``forward`` on arrays, ``backward`` on Tensors.

    Call an instance with Tensors (or numbers); it returns Tensor(s) and, when any
    input requires grad and recording is on, links them into the graph.
    """

    def __call__(self, *inputs):
        inputs = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
        arrays = [t.data for t in inputs]
        _check_same_backend(self, arrays)
        raw = self.forward(*arrays)
        single = not isinstance(raw, tuple)
        outputs = [_wrap(array) for array in ((raw,) if single else raw)]
        if _grad_mode["enabled"] and any(t.requires_grad for t in inputs):
            self.inputs = inputs
            self.outputs = [weakref.ref(out) for out in outputs]
            for out in outputs:
                out.set_creator(self)
        return outputs[0] if single else tuple(outputs)

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grad_outputs):
        raise NotImplementedError

    @property
    def output_tensors(self):
        """The outputs this Function made (alive while the graph that uses them is)."""
        return [ref() for ref in self.outputs]


def _wrap(array):
    out = Tensor.__new__(Tensor)
    array = backend.ensure_array(array)
    out.data, out.grad, out.creator = array, None, None
    out._retains_grad, out.requires_grad = False, False
    return out


def _check_same_backend(function, arrays):
    if len(arrays) < 2 or len({type(array) for array in arrays}) == 1:  # one array type: one backend, decided fast
        return
    names = {backend.backend_of(array) for array in arrays}
    if len(names) > 1:
        raise ValueError(f"{type(function).__name__}: inputs live on different backends "
                         f"{sorted(names)}; move them with .to(name) first")
