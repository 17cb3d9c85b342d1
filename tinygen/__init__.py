"""tinygen: a deep-learning engine on NumPy (CuPy on a GPU) and the classic generative models."""
from tinygen.startup import done_starting, quiet_while_starting

_python_ctrl_c = quiet_while_starting()   # a Ctrl-C while the command line loads: one line, exit 130
from tinygen import functional  # noqa: F401  (gives Tensor its operators)
from tinygen.autograd import Function, Tensor, enable_grad, grad, is_grad_enabled, no_grad
from tinygen.backend import get_backend, manual_seed, set_backend
from tinygen.creation import (arange, bernoulli, full, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                              tensor, zeros, zeros_like)
from tinygen.functional import (abs, argmax, cat, clip, concatenate, exp, log, logsumexp, matmul, maximum, mean,
                                minimum, pad, permute, reshape, sqrt, stack, std, sum, transpose, where)
from tinygen.gradcheck import gradcheck, gradgradcheck
from tinygen.weights import load_safetensors, save_safetensors

__version__ = "0.1.0"

done_starting(_python_ctrl_c)
