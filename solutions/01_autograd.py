"""Solutions of lesson 01's exercises (autograd)."""


def tanh_backward(y, gy):
    # d tanh(x)/dx = 1 - tanh(x)^2 = 1 - y^2: in terms of the output, and in Tensor ops, so it differentiates again
    return gy * (1 - y * y)


def unbroadcast(grad, shape):
    # every copy broadcasting made received a gradient: add them up, first the leading axes it added...
    leading = grad.ndim - len(shape)
    if leading:
        grad = grad.sum(axis=tuple(range(leading)))
    # ... then the axes that were size 1 and got stretched
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(*shape)
