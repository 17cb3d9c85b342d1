"""Exercises of lesson 08 (the autoencoder family). Write each function, then check it with `tinygen check 08`."""
import math  # noqa: F401 (for your answer)

import tinygen as tg  # noqa: F401 (for your answer)


def contractive_penalty(code, weight):
    """The contractive autoencoder's penalty: the squared Frobenius norm of the encoder's Jacobian, per image.

    The encoder is one sigmoid layer, h = sigmoid(x W^T + b). code: its output h, a Tensor (N, K);
    weight: W, a Tensor (K, D). Return a Tensor (N,) whose entry n is ||dh_n/dx_n||_F^2, the sum of the
    squares of all K x D partial derivatives, in closed form (no loop over units or pixels).
    """
    raise NotImplementedError


def sparse_penalty(code, rho):
    """The sparse autoencoder's KL penalty: how far each unit's firing rate is from the target rate rho.

    code: a Tensor (N, K) of activations in (0, 1); rho: the target rate, a float in (0, 1). With
    rho_hat_j the mean of unit j's activation over the batch, return the scalar Tensor
        sum over units j of KL(rho || rho_hat_j),
    the KL divergence between Bernoulli(rho) and Bernoulli(rho_hat_j).
    """
    raise NotImplementedError
