"""Exercises of lesson 05 (batch norm). Check them with `tinygen check 05`."""
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
