"""Exercises of lesson 05 (batch norm). Write each function, then check it with `tinygen check 05`."""
import numpy as np  # noqa: F401 (for your answer)

import tinygen as tg  # noqa: F401 (for your answer)


def batch_norm(x, gamma, beta, eps=1e-5):
    """Batch norm's forward pass in training mode, written with tinygen Tensor operations.

    x: a Tensor (N, C) or (N, C, H, W); gamma, beta: Tensors (C,). For each channel c, over the batch
    (and the pixels): mean m_c, variance v_c (the biased one: divide by the count), then
        y = gamma_c * (x - m_c) / sqrt(v_c + eps) + beta_c.
    Return y, a Tensor of x's shape. Use Tensor methods (x.mean(axis=..., keepdims=True), .reshape,
    arithmetic, tg.functional.sqrt) so that backward gives the gradients; the check compares them too.
    """
    raise NotImplementedError


def update_running_stats(running_mean, running_var, x, momentum):
    """The running statistics batch norm keeps for evaluation mode, after one training batch.

    running_mean, running_var: NumPy arrays (C,); x: a NumPy array (N, C) or (N, C, H, W), the batch;
    momentum in [0, 1]. Return new arrays (new_mean, new_var): each moves toward this batch's per-channel
    statistic as PyTorch does, new = (1 - momentum) * old + momentum * batch, where the batch's variance
    is the unbiased one (divide by count - 1). Do not change the arrays you are given.
    """
    raise NotImplementedError
