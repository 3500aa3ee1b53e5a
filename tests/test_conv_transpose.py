r"""The transposed convolution, ``gradlab.conv.conv_transpose2d_*``.

What is pinned here (the central-difference checks of its backward pass also run from the
registry, ``cases_spatial.py``):

1. the adjoint identity <conv2d(a), y> = <a, conv_transpose2d(y)> (no bias) on shapes with
   strides that do not divide H + 2P - HH, stride and padding pairs, rectangular kernels,
   output_padding, C != F, batches of 1 and of several;
2. its forward pass equals ``dx`` of ``conv2d_backward`` for the conv2d with the same
   ``w``, stride and padding (plus the bias on every output pixel);
3. its backward pass against central differences in float64 (``gradlab.gradcheck``), and
   ``dx`` equal to ``conv2d_forward(dout)``;
4. the output size (H' - 1)S - 2P + HH + output_padding, and that conv2d maps that size
   back to H' (every input size of the conv is reached by some output_padding);
5. rows added by output_padding get the bias only, and contribute only to db;
6. bad input raises with a message naming the argument, the expected and the received.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradlab.conv import (conv2d_backward, conv2d_forward, conv_transpose2d_backward,
                          conv_transpose2d_forward)
from gradlab.gradcheck import check_gradient, rel_error

# (x_shape of the conv2d (N, C, H, W), w_shape (F, C, HH, WW), stride, padding)
LAYERS = [
    ((2, 3, 5, 6), (4, 3, 3, 3), 1, 0),
    ((1, 2, 7, 5), (3, 2, 3, 3), 2, 1),              # 7 + 2 - 3 = 6: divides
    ((2, 2, 8, 7), (3, 2, 3, 2), 2, 0),              # 8 - 3 = 5, 7 - 2 = 5: do not
    ((3, 1, 10, 9), (2, 1, 4, 3), 3, 1),             # 10 + 2 - 4 = 8: 3 does not divide
    ((2, 3, 9, 8), (2, 3, 2, 3), (2, 3), (1, 0)),    # pairs
    ((1, 4, 4, 6), (2, 4, 1, 1), 2, 0),              # 1x1 kernel, stride 2
]


def pair(value):
    return value if isinstance(value, tuple) else (value, value)


def output_padding_of(x_shape, w_shape, stride, padding):
    r"""The output_padding that makes the transpose return x_shape's size."""
    return tuple((size + 2 * p - k) % s for size, k, s, p in
                 zip(x_shape[2:], w_shape[2:], pair(stride), pair(padding)))


def layer_arrays(seed, x_shape, w_shape, stride, padding):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    out, cache = conv2d_forward(a, w, None, stride, padding)
    y = rng.standard_normal(out.shape)
    return a, w, y, cache


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", LAYERS)
def test_adjoint_identity(x_shape, w_shape, stride, padding):
    a, w, y, _ = layer_arrays(1, x_shape, w_shape, stride, padding)
    extra = output_padding_of(x_shape, w_shape, stride, padding)
    conv_a = conv2d_forward(a, w, None, stride, padding)[0]
    transpose_y = conv_transpose2d_forward(y, w, None, stride, padding, extra)[0]
    left, right = np.sum(conv_a * y), np.sum(a * transpose_y)
    assert transpose_y.shape == a.shape
    assert abs(left - right) <= 1e-12 * (abs(left) + np.abs(conv_a * y).sum()), (left, right)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", LAYERS)
def test_forward_is_conv2d_input_gradient(x_shape, w_shape, stride, padding):
    a, w, y, cache = layer_arrays(2, x_shape, w_shape, stride, padding)
    extra = output_padding_of(x_shape, w_shape, stride, padding)
    b = np.random.default_rng(3).standard_normal(w_shape[1])
    dx = conv2d_backward(y, cache)[0]
    out = conv_transpose2d_forward(y, w, b, stride, padding, extra)[0]
    assert rel_error(out, dx + b[:, None, None]) < 1e-15, rel_error(out, dx + b[:, None, None])


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", LAYERS)
def test_backward_against_central_differences(x_shape, w_shape, stride, padding):
    _, w, y, _ = layer_arrays(4, x_shape, w_shape, stride, padding)
    extra = output_padding_of(x_shape, w_shape, stride, padding)
    b = np.random.default_rng(5).standard_normal(w_shape[1])
    out, cache = conv_transpose2d_forward(y, w, b, stride, padding, extra)
    dout = np.random.default_rng(6).standard_normal(out.shape)
    dy, dw, db = conv_transpose2d_backward(dout, cache)

    def through(position):
        def f(value):
            arrays = [y, w, b]
            arrays[position] = value
            return conv_transpose2d_forward(*arrays, stride, padding, extra)[0]
        return f

    for position, array, grad, name in [(0, y, dy, "dx"), (1, w, dw, "dw"), (2, b, db, "db")]:
        check_gradient(through(position), array, grad, dout, name=name,
                       tolerance=1e-9).raise_if_failed()


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", LAYERS)
def test_backward_dx_is_conv2d_forward(x_shape, w_shape, stride, padding):
    _, w, y, _ = layer_arrays(7, x_shape, w_shape, stride, padding)
    extra = output_padding_of(x_shape, w_shape, stride, padding)
    out, cache = conv_transpose2d_forward(y, w, None, stride, padding, extra)
    dout = np.random.default_rng(8).standard_normal(out.shape)
    dy, dw, db = conv_transpose2d_backward(dout, cache)
    assert db is None
    assert dy.shape == y.shape and dw.shape == w.shape
    assert rel_error(dy, conv2d_forward(dout, w, None, stride, padding)[0]) < 1e-15


@pytest.mark.parametrize("size, kernel, stride, padding", [
    (1, 3, 1, 0), (4, 3, 2, 1), (5, 2, 3, 0), (3, 5, 2, 2), (6, 1, 4, 0), (2, 4, 3, 1)])
def test_output_size_and_every_conv_input_size_reached(size, kernel, stride, padding):
    w = np.ones((2, 3, kernel, kernel))
    y = np.ones((1, 2, size, size + 1))
    for extra in range(stride):
        out = conv_transpose2d_forward(y, w, None, stride, padding, extra)[0]
        height = (size - 1) * stride - 2 * padding + kernel + extra
        width = size * stride - 2 * padding + kernel + extra
        assert out.shape == (1, 3, height, width)
        back = conv2d_forward(out, w, None, stride, padding)[0]
        assert back.shape == y.shape[:1] + (2,) + y.shape[2:]


def test_output_padding_rows_get_the_bias_only():
    rng = np.random.default_rng(9)
    y, w = rng.standard_normal((2, 3, 3, 4)), rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(2)
    out, cache = conv_transpose2d_forward(y, w, b, stride=3, padding=0, output_padding=(2, 1))
    assert out.shape == (2, 2, 3 * 2 + 3 + 2, 3 * 3 + 3 + 1)
    assert np.array_equal(out[:, :, -2:, :], np.broadcast_to(b[:, None, None], (2, 2, 2, 13)))
    assert np.array_equal(out[:, :, :, -1], np.broadcast_to(b[:, None], (2, 2, 11)))
    dout = np.zeros(out.shape)
    dout[:, :, -2:, :] = 1.0
    dout[:, :, :, -1] = 1.0
    dy, dw, db = conv_transpose2d_backward(dout, cache)
    assert not dy.any() and not dw.any()
    assert np.array_equal(db, np.full(2, dout[:, 0].sum()))


def test_integer_input_is_promoted():
    out, cache = conv_transpose2d_forward(np.ones((1, 1, 2, 2), dtype=int),
                                          np.ones((1, 1, 2, 2), dtype=int), stride=2)
    assert out.dtype == np.float64 and np.array_equal(out, np.ones((1, 1, 4, 4)))
    dy, dw, _ = conv_transpose2d_backward(np.ones((1, 1, 4, 4), dtype=int), cache)
    assert np.array_equal(dy, np.full((1, 1, 2, 2), 4.0))
    assert np.array_equal(dw, np.full((1, 1, 2, 2), 4.0))


GOOD = {"x": np.ones((2, 3, 4, 4)), "w": np.ones((3, 2, 3, 3)), "b": np.ones(2),
        "stride": 2, "padding": 1, "output_padding": 1}


@pytest.mark.parametrize("change, error, words", [
    ({"x": np.ones((3, 4, 4))}, ValueError, ["x", "4-D", "(N, F, H', W')", "(3, 4, 4)"]),
    ({"w": np.ones((3, 2, 3))}, ValueError, ["w", "4-D", "(F, C, HH, WW)", "(3, 2, 3)"]),
    ({"x": np.ones((2, 2, 4, 4))}, ValueError, ["x has 2 channels", "F=3", "w.shape[0]"]),
    ({"b": np.ones(3)}, ValueError, ["b", "C=2", "got 3"]),
    ({"stride": 0}, ValueError, ["stride", ">= 1", "got 0"]),
    ({"padding": -1}, ValueError, ["padding", ">= 0", "got -1"]),
    ({"output_padding": 2}, ValueError, ["output_padding", "height", "0 to 1", "got 2"]),
    ({"output_padding": (0, 3), "stride": (1, 3)}, ValueError,
     ["output_padding", "width", "0 to 2", "got 3"]),
    ({"output_padding": -1}, ValueError, ["output_padding", ">= 0", "got -1"]),
    ({"padding": 5}, ValueError, ["output height", "(4 - 1)*2 - 2*5 + 3 + 1 = 0", "padding 5"]),
    ({"stride": 1.5}, TypeError, ["stride", "integer", "1.5"]),
    ({"x": np.array([["a"]])}, TypeError, ["x", "numeric", "dtype"]),
    ({"w": np.full((3, 2, 3, 3), np.nan)}, ValueError, ["w", "finite"]),
])
def test_bad_input_messages(change, error, words):
    arguments = {**GOOD, **change}
    with pytest.raises(error) as raised:
        conv_transpose2d_forward(**arguments)
    for word in words:
        assert word in str(raised.value), (word, str(raised.value))


def test_bad_dout_message():
    _, cache = conv_transpose2d_forward(**GOOD)
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output "
                                         r"\(2, 2, 8, 8\), got \(2, 2, 7, 8\)"):
        conv_transpose2d_backward(np.ones((2, 2, 7, 8)), cache)
