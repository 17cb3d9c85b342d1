"""A stride-1 convolution is a stride-1 transposed convolution with the kernel flipped: lower the side with
fewer channels.

For stride 1 and padding p <= d(k - 1),

    conv2d(x, w, padding=p) = conv_transpose2d(x, flip(w), padding=d(k - 1) - p)

where flip(w) rotates each k x k kernel by 180 degrees and swaps its in/out channels (the documented
steps of conv_transpose.py read backwards: no zeros to insert at stride 1). Both sides give the same
numbers, at different costs. im2col copies kH kW C_in numbers per output pixel and multiplies them;
the transposed convolution's col2im multiplies each input pixel once into kH kW C_out "stamps" and adds
them into place. So a convolution that narrows (C_out < C_in: a U-Net's 16 -> 1 output layer, RealNVP's
32 -> 2) is cheaper by stamps, and a transposed convolution that widens is cheaper by im2col. The weight gradient sum_pixels x_pad[u + i] g[u] has the same choice: the windows of
x (kH kW C_in per output pixel) or the windows of g, padded by d(k - 1), at every padded-input pixel
(kH kW C_out each).

Raw arrays in and out; conv.py's Functions pick these where ``applies`` says so, and their gradients
stay what they were (tests/test_flipped.py: the same numbers as the plain path).
"""
from tinygen.backend import xp
from tinygen.functional.im2col import channels_last, conv_by_windows, conv_transpose_by_stamps, im2col


def applies(kernel, stride, padding, dilation, in_size, out_size):
    """Whether a correlation from ``in_size`` to ``out_size`` is exactly the flipped transposed one:
    stride 1, padding at most d(k - 1), and the natural output size in_size + 2p - d(k - 1); and a
    kernel larger than 1 x 1 (for 1 x 1 both sides are one product of the same pixels: nothing to gain)."""
    return stride == (1, 1) and kernel != (1, 1) and all(
        p <= d * (k - 1) and o == i + 2 * p - d * (k - 1)
        for k, p, d, i, o in zip(kernel, padding, dilation, in_size, out_size))


def flip(weight):
    """(A, B, kH, kW) -> (B, A, kH, kW): each kernel rotated by 180 degrees, in/out channels swapped."""
    return weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)


def dual_padding(kernel, padding, dilation):
    """The other side's padding: d(k - 1) - p along each axis."""
    return tuple(d * (k - 1) - p for k, p, d in zip(kernel, padding, dilation))


def conv_by_stamps(x, weight, padding, dilation, out_size, bias=None):
    """conv2d(x, weight) at stride 1 as the flipped transposed convolution (cheaper when C_out < C_in)."""
    kernel = tuple(weight.shape[2:])
    return conv_transpose_by_stamps(x, flip(weight), (1, 1), dual_padding(kernel, padding, dilation),
                                    dilation, out_size, bias)


def conv_transpose_by_windows(x, weight, padding, dilation, out_size, bias=None):
    """conv_transpose2d(x, weight) at stride 1 as im2col of x and one product (cheaper when C_in < C_out)."""
    kernel = tuple(weight.shape[2:])
    rows = im2col(x, kernel, (1, 1), dual_padding(kernel, padding, dilation), dilation, out_size)
    return conv_by_windows(rows, flip(weight), x.shape[0], out_size, bias)


def weight_grad_by_windows_of_g(x, g, kernel, padding, dilation):
    """(O, C, kH, kW): the weight gradient of a stride-1 conv2d(x) whose output gradient is g (N, O, oH, oW).

    gw[o, c, i, j] = sum_{n, u, v} x_pad[n, c, u, v] g[n, o, u - d i, v - d j]: every padded-input pixel
    (u, v) meets the k x k window of g around it, read from g padded by d(k - 1) with the taps reversed.
    """
    image = channels_last(x, padding)
    full = tuple(d * (k - 1) for k, d in zip(kernel, dilation))
    rows = im2col(g, kernel, (1, 1), full, dilation, image.shape[1:3])      # (N Hp Wp, kH kW O)
    reversed_taps = (rows.T @ image.reshape(-1, x.shape[1])).reshape(*kernel, g.shape[1], x.shape[1])
    return xp.ascontiguousarray(reversed_taps[::-1, ::-1].transpose(2, 3, 0, 1))
