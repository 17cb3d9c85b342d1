"""Exercises of lesson 15 (RBMs). Write each function, then check it with `tinygen check 15`."""
import numpy as np  # noqa: F401 (for your answer)


def free_energy(v, weight, visible_bias, hidden_bias):
    """The free energy F(v) = -log sum_h exp(-E(v, h)) of a binary RBM, for each image of a batch.

    v: a NumPy array (N, V) of binary images; weight W (H, V); visible_bias b (V,); hidden_bias c (H,);
    the energy is E(v, h) = -v.b - h.c - h W v. Return a NumPy array (N,), finite for weights in the
    hundreds. Do not change the arrays you are given.
    """
    raise NotImplementedError


def cd1_update(weight, visible_bias, hidden_bias, v, lr, uniform_h, uniform_v):
    """One contrastive-divergence (CD-1) update of a binary RBM; returns the new (weight, visible_bias,
    hidden_bias).

    weight (H, V), visible_bias b (V,), hidden_bias c (H,), a batch of binary images v (N, V), learning
    rate lr. The coin flips are given, so the answer is exact: a unit is on when its uniform number is
    below its probability. uniform_h (N, H) samples the hidden units from p(h | v) = sigmoid(v W^T + c);
    uniform_v (N, V) then samples the reconstruction v1 from p(v | h) = sigmoid(h W + b). The update
    uses probabilities p(h | .), not samples, in the statistics:
        W += lr * (<p(h|v) v^T>_data - <p(h|v1) v1^T>_model), b += lr * (<v> - <v1>), c += lr * (<p(h|v)> - <p(h|v1)>),
    each <.> the mean over the batch. Return new arrays; do not change the arrays passed in.
    """
    raise NotImplementedError
