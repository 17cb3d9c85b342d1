"""Winograd's minimal filtering F(2x2, 3x3): a 3x3 stride-1 convolution in 16 products per 2x2 outputs, not 36.

Lavin and Gray (2016), "Fast algorithms for convolutional neural networks". In one dimension, two
outputs of a 3-tap correlation of a 4-sample tile d with taps g are

    y = A^T [(G g) * (B^T d)]     (four products instead of six; * elementwise)

and in two dimensions, for a 4x4 tile d and a 3x3 kernel g,  Y = A^T [(G g G^T) * (B^T d B)] A.
Over channels the elementwise product becomes a sum over C, so each of the 16 tile positions xi is one
matrix product:  M[xi] = V[xi] @ U[xi],  V[xi] (tiles, C) the input transform, U[xi] (C, O) the kernel's.
The 2.25x fewer multiplications are paid for with the transforms, passes over memory that are cheap
next to the products when C and O are tens of channels (the layer a U-Net is made of).

The transforms are applied separably, rows then columns, as adds and subtracts of whole strided planes
of tiles (no loop over tiles; the loops run over the 4x4 tile positions only); the kernel's, tiny, is one
product with kron(G, G). Inside, images are pixel-major (H, W, N, C): every plane a transform reads or
writes is then long contiguous runs of (N, C). The entries of B, G and A are 0, +-1 and +-1/2: in float64
the result equals im2col's up to rounding (tests/test_winograd.py). Raw arrays in and out; conv.py picks
this path where ``applies`` says it is faster.
"""
from tinygen.backend import xp
from tinygen.functional.flipped import flip

TILE, KERNEL = 2, 3           # F(2, 3): 2 outputs per tile and axis, 3 taps
ALPHA = TILE + KERNEL - 1     # 4: the input tile's side
_B_T = ((1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1))
_G = ((1, 0, 0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0, 0, 1))
_A_T = ((1, 1, 1, 0), (0, 1, -1, -1))


MIN_CHANNELS = 8              # below it the transforms cost more than the products they save (measured)


def applies(kernel, stride, dilation, channels, out_size):
    """Whether a convolution takes this path: a 3x3 kernel, stride 1, no dilation, at least MIN_CHANNELS
    ``channels`` on both sides (C_in, C_out), and even output sides ``out_size``.

    The rest is what was measured (forward + backward, batch 64, 1 thread): with one, two or four channels
    on a side the four times larger transformed tiles cost more passes over memory than the products save
    (16 -> 1 at 28x28 15 ms against 6 by flipped.py's stamps, 1 -> 32 30 against 9, 4 -> 32 at 14x14 4.9
    against 3.0), from eight on they win (16 -> 16 at 28x28 22 against 26 ms, 48 -> 16 45 against 51,
    32 -> 8 at 14x14 4.5 against 5.2), and an odd side wastes a row of half-empty tiles (64 -> 64 at 7x7:
    7 % slower). The kernels below take any size; this choice is speed only.
    """
    return (kernel == (KERNEL, KERNEL) and stride == (1, 1) and dilation == (1, 1)
            and min(channels) >= MIN_CHANNELS and all(o % TILE == 0 for o in out_size))


def _kron(matrix, dtype):
    """kron(M, M): M applied along both axes of a flattened tile (row-major, [i, j] -> i * side + j)."""
    m = xp.asarray(matrix, dtype=dtype)
    return xp.kron(m, m)


def _combine(matrix, parts, outs):
    """outs[i][...] = sum_k matrix[i][k] parts[k] (arrays of one shape) for a matrix of 0 and +-1 (B^T, A^T, A):
    one pass per nonzero entry, adds and subtracts of whole planes.

    Cheaper than a 16 x 16 matrix product over every tile, which would mostly multiply by 0. A row's
    first two terms make one pass (out = a + b or a - b, a positive term first), not a copy and an add.
    """
    for row, out in zip(matrix, outs):
        terms = sorted([(c, part) for c, part in zip(row, parts) if c], key=lambda term: term[0] < 0)
        (sign, first), rest = terms[0], terms[1:]
        if not rest:
            xp.multiply(first, sign, out=out)
            continue
        (second_sign, second), rest = rest[0], rest[1:]
        (xp.add if second_sign * sign > 0 else xp.subtract)(first, second, out=out)
        if sign < 0:  # both negative: -(a + b)
            xp.negative(out, out=out)
        for sign, part in rest:
            xp.add(out, part, out=out) if sign > 0 else xp.subtract(out, part, out=out)


def _transform(matrix, image, counts, out):
    """out[i, j] = sum_kl matrix[i][k] matrix[j][l] image[TILE a + k, TILE b + l] for every tile (a, b):
    M d M^T on each tile of a pixel-major ``image`` (H, W, N, C), rows first, then columns.

    out: (len(matrix), len(matrix), tH, tW, N, C). Every slice taken here is (N, C) planes a stride
    apart, long contiguous runs, which is why the images are pixel-major inside this file.
    """
    side, (count_h, count_w) = len(matrix[0]), counts
    rows = xp.empty((len(matrix), count_h, *image.shape[1:]), dtype=image.dtype)
    _combine(matrix, [image[k:k + TILE * (count_h - 1) + 1:TILE] for k in range(side)], rows)
    for i in range(len(matrix)):
        _combine(matrix, [rows[i][:, k:k + TILE * (count_w - 1) + 1:TILE] for k in range(side)], out[i])


def _pixel_major(x, padding, extra):
    """(N, C, H, W) -> (H + 2pH + eH, W + 2pW + eW, N, C), zero-padded (``extra``: at the bottom/right only)."""
    n, channels, height, width = x.shape
    (pad_h, pad_w), (extra_h, extra_w) = padding, extra
    out = xp.zeros((height + 2 * pad_h + extra_h, width + 2 * pad_w + extra_w, n, channels), dtype=x.dtype)
    out[pad_h:pad_h + height, pad_w:pad_w + width] = x.transpose(2, 3, 0, 1)
    return out


def tile_counts(out_size):
    """Tiles along (height, width): each covers TILE outputs, the last may reach one past the edge."""
    return tuple(-(-o // TILE) for o in out_size)


def input_tiles(x, padding, out_size):
    """x (N, C, H, W) -> V (16, tH tW N, C) = B^T d B for every 4x4 input tile d (stride 2) of the padded x.

    The tiles of the last row/column may hang one past the padded image: zeros are added there (their
    outputs are cropped). This is the part of the convolution that depends on x alone, so it is kept
    for the weight gradient, as im2col's column matrix is.
    """
    n, channels, height, width = x.shape
    tiles = tile_counts(out_size)
    extra = [max(0, TILE * t + KERNEL - 1 - (size + 2 * p)) for t, size, p in zip(tiles, (height, width), padding)]
    out = xp.empty((ALPHA, ALPHA, *tiles, n, channels), dtype=x.dtype)
    _transform(_B_T, _pixel_major(x, padding, extra), tiles, out)
    return out.reshape(ALPHA * ALPHA, -1, channels)


def kernel_tiles(weight):
    """weight (O, C, 3, 3) -> U (16, C, O) = G g G^T for every (output, input) channel pair."""
    out_channels, in_channels = weight.shape[:2]
    taps = weight.transpose(2, 3, 1, 0).reshape(KERNEL * KERNEL, -1)
    return (_kron(_G, weight.dtype) @ taps).reshape(ALPHA * ALPHA, in_channels, out_channels)


def conv3x3(tiles_of_x, weight, n, out_size, bias=None):
    """y (N, O, oH, oW) of conv2d(x, weight) from V = input_tiles(x, ...), a view of pixel-major memory.

    M[xi] = V[xi] @ U[xi] for the 16 positions (one batched product), then Y = A^T M A per tile,
    written straight into each tile's place in the output.
    """
    (tiles_h, tiles_w), out_channels = tile_counts(out_size), weight.shape[0]
    products = xp.matmul(tiles_of_x, kernel_tiles(weight)).reshape(ALPHA, ALPHA, tiles_h, tiles_w, n, out_channels)
    rows = xp.empty((TILE, ALPHA, tiles_h, tiles_w, n, out_channels), dtype=weight.dtype)
    _combine(_A_T, list(products), rows)
    y = xp.empty((tiles_h, TILE, tiles_w, TILE, n, out_channels), dtype=weight.dtype)
    for i in range(TILE):
        _combine(_A_T, list(rows[i]), [y[:, i, :, j] for j in range(TILE)])
    y = y.reshape(TILE * tiles_h, TILE * tiles_w, n, out_channels)[:out_size[0], :out_size[1]]
    if bias is not None:
        y += bias
    return y.transpose(2, 3, 0, 1)


def weight_grad3x3(tiles_of_x, g):
    """(O, C, 3, 3): the weight gradient of conv3x3 when g (N, O, oH, oW) is its output gradient.

    The forward's steps read backwards: dM = A g A^T per 2x2 tile of g (zero past its edge),
    dU[xi] = V[xi]^T dM[xi] (one batched product over all tiles), dW = G^T dU G.
    """
    n, out_channels = g.shape[:2]
    tiles = tile_counts(g.shape[2:])
    padded = _pixel_major(g, (0, 0), (TILE * tiles[0] - g.shape[2], TILE * tiles[1] - g.shape[3]))
    g_products = xp.empty((ALPHA, ALPHA, *tiles, n, out_channels), dtype=g.dtype)
    _transform(tuple(zip(*_A_T)), padded, tiles, g_products)
    g_kernel = xp.matmul(tiles_of_x.transpose(0, 2, 1), g_products.reshape(ALPHA * ALPHA, -1, out_channels))
    taps = _kron(_G, g.dtype).T @ g_kernel.reshape(ALPHA * ALPHA, -1)          # (9, C O)
    return xp.ascontiguousarray(taps.reshape(KERNEL, KERNEL, -1, out_channels).transpose(3, 2, 0, 1))


def transpose_applies(kernel, stride, padding, dilation, channels, in_size, out_size):
    """Whether a transposed convolution is a Winograd convolution: as ``applies``, padding at most 2, and
    its natural output size (a stride-1 transposed convolution is a convolution padded by 2 - p)."""
    return (applies(kernel, stride, dilation, channels, out_size) and all(p <= KERNEL - 1 for p in padding)
            and all(o == i + KERNEL - 1 - 2 * p for o, i, p in zip(out_size, in_size, padding)))


def conv_transpose3x3(x, weight, padding, out_size, bias=None):
    """conv_transpose2d(x, weight) for stride 1: x (N, C_in, H, W), weight (C_in, C_out, 3, 3) -> (N, C_out, oH, oW).

    The same numbers as the transposed convolution's documented steps with no zeros to insert: a convolution
    with the kernel rotated by 180 degrees and its channels swapped, padded by 2 - p.
    """
    padding = tuple(KERNEL - 1 - p for p in padding)
    return conv3x3(input_tiles(x, padding, out_size), flip(weight), x.shape[0], out_size, bias)
