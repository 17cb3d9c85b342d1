"""Exercises of lesson 15 (RBMs). Check them with `tinygen check 15`."""
import numpy as np  # noqa: F401 (for your answer)


def cd1_update(weight, visible_bias, hidden_bias, v, lr, uniform_h, uniform_v):
    """One contrastive-divergence (CD-1) update of a binary RBM; returns the new (weight, visible_bias,
    hidden_bias).

    weight (H, V), visible_bias b (V,), hidden_bias c (H,), a batch of binary images v (N, V), learning
    rate lr. The coin flips are given, so the answer is exact: a unit is on when its uniform number is
    below its probability. uniform_h (N, H) samples the hidden units from p(h | v) = sigmoid(v W^T + c);
    uniform_v (N, V) then samples the reconstruction v1 from p(v | h) = sigmoid(h W + b). The update
    uses probabilities p(h | .), not samples, in the statistics:
        W += lr * (<p(h|v) v^T>_data - <p(h|v1) v1^T>_model), b += lr * (<v> - <v1>), c += lr * (<p(h|v)> - <p(h|v1)>),
    each <.> the mean over the batch. Do not change the arrays passed in.
    """
    raise NotImplementedError
