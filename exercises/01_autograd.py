"""Exercises of lesson 01 (autograd). Write each function, then check it with `tinygen check 01`."""
import tinygen as tg  # noqa: F401 (for your answer)


def tanh_backward(y, gy):
    """The backward pass of y = tanh(x): given the output y and the gradient gy = dL/dy, return dL/dx.

    y, gy: Tensors of one shape. Return a Tensor of that shape. The check runs your backward inside a
    tinygen Function, differentiates once, and then differentiates the gradient again (as WGAN-GP's
    penalty does), so write it with Tensor arithmetic on y and gy only: no NumPy, no .numpy().
    """
    raise NotImplementedError


def unbroadcast(grad, shape):
    """The gradient of an input that broadcasting stretched to grad's shape, brought back to the input's shape.

    grad: a Tensor, the gradient with respect to the broadcast result; shape: the input's shape (a tuple,
    broadcastable to grad.shape by NumPy's rules: leading axes added, axes of size 1 stretched). Return a
    Tensor of the given shape, built with Tensor operations (e.g. .sum(axis=..., keepdims=...), .reshape).
    """
    raise NotImplementedError
