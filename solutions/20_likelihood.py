"""Solutions of lesson 20's exercises (likelihood)."""
import math

import numpy as np


def made_masks(input_degrees, hidden_degrees):
    hidden_mask = hidden_degrees[:, None] >= input_degrees[None, :]   # (H, D): a unit sees degrees up to its own
    output_mask = input_degrees[:, None] > hidden_degrees[None, :]    # (D, H): strictly, or a logit sees its pixel
    return hidden_mask.astype(np.float64), output_mask.astype(np.float64)


def coupling_log_det(s, mask):
    # triangular Jacobian: exp(s) on the diagonal of the free units, 1 on the fixed ones
    return ((1 - mask) * s).reshape(s.shape[0], -1).sum(axis=1)


def bits_per_dim(log_prob, dimensions):
    # the density of k / 256 is 256^D times that of k: add D log 256 nats, then nats -> bits, per dimension
    return (-log_prob + dimensions * math.log(256)) / (dimensions * math.log(2))
