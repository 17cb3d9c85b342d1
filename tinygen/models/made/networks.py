"""MADE's masks (Germain et al. 2015, section 4) and the masked network they cut.

Every unit gets a degree m: input d the position of pixel d in the order (1..D); a hidden unit an
integer drawn uniformly from [min m of the layer below, D - 1] (random connectivity). A hidden unit
connects to a unit below when m_below <= m_hidden; an output (logit of pixel d) to a hidden unit when
m_hidden < m(d). Then logit d depends only on the pixels before d in the order:

    M_hidden[k, k'] = [m_l(k) >= m_{l-1}(k')],      M_out[d, k] = [m(d) > m_L(k)].

Masks are host arrays from a NumPy generator of their own, so the same seed always gives the same masks
(a checkpoint does not store them; see tinygen/nn/masked.py).
"""
from tinygen import nn
from tinygen.backend import numpy as np  # host arrays: masks are built once, on the host

ORDERS = ("natural", "random")


def pixel_order(size, order, rng):
    """The pixels in the order they are generated: range(size) ("natural") or a random permutation."""
    if order not in ORDERS:
        raise ValueError(f"MADE: order must be one of {ORDERS}, got {order!r}")
    return np.arange(size) if order == "natural" else rng.permutation(size)


def degrees(order, hidden_sizes, rng):
    """[input degrees (D,), hidden degrees of each layer (H_l,)]: m(order[d]) = d + 1, hidden ones random."""
    size = len(order)
    inputs = np.empty(size, dtype=np.int64)
    inputs[order] = np.arange(1, size + 1)
    layers = [inputs]
    for width in hidden_sizes:
        low = min(int(layers[-1].min()), size - 1)
        layers.append(rng.integers(low, size, size=width))   # uniform on [low, D - 1]
    return layers


def masks(layer_degrees):
    """The 0/1 masks (out, in) of every layer, hidden layers first, the output layer last."""
    hidden = [(above[:, None] >= below[None, :]).astype(np.float32)
              for below, above in zip(layer_degrees[:-1], layer_degrees[1:])]
    output = (layer_degrees[0][:, None] > layer_degrees[-1][None, :]).astype(np.float32)
    return hidden + [output]


def mask_set(size, hidden_sizes, order, rng):
    """(the pixel order, the masks of every layer) of one MADE: the unit of an order/connectivity ensemble."""
    generated = pixel_order(size, order, rng)
    return generated, masks(degrees(generated, hidden_sizes, rng))


def masked_network(size, hidden_sizes, layer_masks):
    """D -> H_1 -> ... -> D logits: MaskedLinear layers with ReLU between, as a Sequential."""
    widths = [size, *hidden_sizes, size]
    layers = []
    for n_in, n_out, mask in zip(widths[:-1], widths[1:], layer_masks):
        layers += [nn.MaskedLinear(n_in, n_out, mask), nn.ReLU()]
    return nn.Sequential(*layers[:-1])
