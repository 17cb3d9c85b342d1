"""Solutions of lesson 08's exercises (the autoencoder family)."""
import math


def contractive_penalty(code, weight):
    # J_n = diag(h_n (1 - h_n)) W, so ||J_n||_F^2 = sum_j (h_nj (1 - h_nj))^2 ||W_j||^2: one matrix product
    slope = code * (1 - code)
    return (slope * slope) @ (weight * weight).sum(axis=1)


def sparse_penalty(code, rho):
    rate = code.mean(axis=0)  # rho_hat_j: how often unit j fires over the batch
    kl = rho * (math.log(rho) - rate.log()) + (1 - rho) * (math.log(1 - rho) - (1 - rate).log())
    return kl.sum()
