r"""Properties, special cases and input checks of pooling and convolution.

The gradient checks run from the registry (``cases_spatial.py``, via ``test_gradients.py``).
This file pins what a gradient check cannot see:

1. the index-by-index convolution and the im2col one agree (forward and all three
   gradients), on shapes with stride pairs, padding pairs and rectangular kernels;
2. forward values by hand: cross-correlation (no flip), the divisor of average pooling
   counts padded zeros, max pooling never picks the padding;
3. max pooling's tie rule (the whole gradient to the first maximum, row-major in 2-D) and
   the accumulation of gradients where overlapping windows share their maximum;
4. Hypothesis: for random valid sizes, every op's output has the size
   floor((L + 2P - K) / S) + 1 along each axis, and every gradient has its input's shape;
5. integer input is promoted to float64; ``b=None`` gives ``db=None``;
6. every bad input raises with a message naming the argument (one table).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradlab.conv import (conv1d_backward, conv1d_backward_loops, conv1d_forward,
                          conv1d_forward_loops, conv2d_backward, conv2d_backward_loops,
                          conv2d_forward, conv2d_forward_loops)
from gradlab.gradcheck import rel_error
from gradlab.pooling import (avg_pool1d_backward, avg_pool1d_forward, avg_pool2d_backward,
                             avg_pool2d_forward, max_pool1d_backward, max_pool1d_forward,
                             max_pool2d_backward, max_pool2d_forward)

POOLS_1D = [(avg_pool1d_forward, avg_pool1d_backward), (max_pool1d_forward, max_pool1d_backward)]
POOLS_2D = [(avg_pool2d_forward, avg_pool2d_backward), (max_pool2d_forward, max_pool2d_backward)]


def as_pair(value):
    return value if isinstance(value, tuple) else (value, value)


def expected_length(size, kernel, stride, padding):
    return (size + 2 * padding - kernel) // stride + 1


# ----------------------------------------------------------------------------- loops == im2col

@pytest.mark.parametrize("x_shape, w_shape, stride, padding", [
    ((2, 3, 5, 6), (4, 3, 3, 3), 1, 0),
    ((1, 2, 7, 5), (3, 2, 3, 2), (2, 1), (1, 0)),
    ((3, 1, 6, 9), (2, 1, 2, 4), (1, 3), (0, 2)),
    ((2, 4, 5, 5), (5, 4, 5, 5), 2, 2),
    ((2, 3, 4, 7), (1, 3, 1, 1), (3, 2), 0),
])
def test_conv2d_loops_and_vectorised_agree(x_shape, w_shape, stride, padding):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    out, cache = conv2d_forward(x, w, b, stride, padding)
    out_loops, cache_loops = conv2d_forward_loops(x, w, b, stride, padding)
    assert rel_error(out, out_loops) < 1e-13
    dout = rng.standard_normal(out.shape)
    for name, fast, slow in zip(("dx", "dw", "db"), conv2d_backward(dout, cache),
                                conv2d_backward_loops(dout, cache_loops)):
        assert rel_error(fast, slow) < 1e-13, name


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", [
    ((2, 3, 9), (4, 3, 3), 1, 0),
    ((1, 2, 8), (3, 2, 4), 3, 2),
])
def test_conv1d_loops_and_vectorised_agree(x_shape, w_shape, stride, padding):
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    out, cache = conv1d_forward(x, w, b, stride, padding)
    out_loops, cache_loops = conv1d_forward_loops(x, w, b, stride, padding)
    assert rel_error(out, out_loops) < 1e-13
    dout = rng.standard_normal(out.shape)
    for name, fast, slow in zip(("dx", "dw", "db"), conv1d_backward(dout, cache),
                                conv1d_backward_loops(dout, cache_loops)):
        assert rel_error(fast, slow) < 1e-13, name


# ----------------------------------------------------------------------------- values by hand

def test_conv_is_cross_correlation_not_convolution():
    x = np.array([[[1.0, 2.0, 3.0, 4.0]]])
    w = np.array([[[1.0, 0.0, -1.0]]])
    out, _ = conv1d_forward(x, w)
    # y_i = x_i - x_{i+2}; a flipped kernel would give x_{i+2} - x_i
    np.testing.assert_array_equal(out, [[[-2.0, -2.0]]])


def test_conv2d_by_hand_with_padding_stride_and_bias():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    out, _ = conv2d_forward(x, w, np.array([0.5]), stride=2, padding=1)
    # padded x has a zero border; windows start at (0, 0), (0, 2), (2, 0), (2, 2)
    expected = [[4 * 1 + 0.5, 3 * 2 + 4 * 3 + 0.5],
                [2 * 4 + 4 * 7 + 0.5, 1 * 5 + 2 * 6 + 3 * 8 + 4 * 9 + 0.5]]
    np.testing.assert_allclose(out[0, 0], expected)


def test_avg_pool_divisor_counts_padded_zeros():
    out, _ = avg_pool1d_forward(np.ones((1, 1, 3)), kernel_size=3, stride=1, padding=1)
    np.testing.assert_allclose(out, [[[2 / 3, 1.0, 2 / 3]]])
    out, _ = avg_pool2d_forward(np.ones((1, 1, 2, 2)), kernel_size=2, stride=1, padding=1)
    np.testing.assert_allclose(out[0, 0], [[1 / 4, 2 / 4, 1 / 4], [2 / 4, 1.0, 2 / 4],
                                           [1 / 4, 2 / 4, 1 / 4]])
    # and the backward pass divides by the same full window size
    _, cache = avg_pool2d_forward(np.ones((1, 1, 2, 2)), kernel_size=2, stride=2, padding=1)
    dx = avg_pool2d_backward(np.ones((1, 1, 2, 2)), cache)
    np.testing.assert_allclose(dx, np.full((1, 1, 2, 2), 1 / 4))


@pytest.mark.parametrize("forward, backward, x, params", [
    (max_pool1d_forward, max_pool1d_backward, -1 - np.arange(5.0).reshape(1, 1, 5),
     dict(kernel_size=3, stride=2, padding=1)),
    (max_pool2d_forward, max_pool2d_backward, -1 - np.arange(20.0).reshape(1, 1, 4, 5),
     dict(kernel_size=3, stride=2, padding=1)),
])
def test_max_pool_never_picks_the_padding(forward, backward, x, params):
    out, cache = forward(x, **params)
    assert np.all(out < 0), "an all-negative input pooled to a padded 0"
    assert np.all(np.isin(out, x)), "every output must be one of the inputs"
    dout = np.arange(1.0, out.size + 1).reshape(out.shape)
    dx = backward(dout, cache)
    assert dx.sum() == pytest.approx(dout.sum()), "gradient was routed into the padding"


# ----------------------------------------------------------------------------- ties, overlap

def test_max_pool1d_tie_goes_to_the_first_maximum():
    x = np.array([[[1.0, 3.0, 3.0, 0.0]]])
    out, cache = max_pool1d_forward(x, kernel_size=4)
    dx = max_pool1d_backward(np.array([[[2.0]]]), cache)
    np.testing.assert_array_equal(out, [[[3.0]]])
    np.testing.assert_array_equal(dx, [[[0.0, 2.0, 0.0, 0.0]]])


def test_max_pool2d_tie_goes_to_the_first_maximum_in_row_major_order():
    # (0, 1) comes first in row-major order; column-major order would pick (1, 0)
    x = np.array([[[[0.0, 7.0], [7.0, 7.0]]]])
    out, cache = max_pool2d_forward(x, kernel_size=2)
    dx = max_pool2d_backward(np.array([[[[5.0]]]]), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0.0, 5.0], [0.0, 0.0]])


def test_max_pool1d_overlapping_windows_accumulate():
    x = np.array([[[0.0, 5.0, 1.0, 2.0]]])
    out, cache = max_pool1d_forward(x, kernel_size=2, stride=1)   # windows [0 5] [5 1] [1 2]
    dx = max_pool1d_backward(np.array([[[1.0, 10.0, 100.0]]]), cache)
    np.testing.assert_array_equal(out, [[[5.0, 5.0, 2.0]]])
    np.testing.assert_array_equal(dx, [[[0.0, 11.0, 0.0, 100.0]]])


def test_max_pool2d_overlapping_windows_accumulate():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0                       # the centre is the maximum of all four windows
    out, cache = max_pool2d_forward(x, kernel_size=2, stride=1)
    dx = max_pool2d_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache)
    expected = np.zeros((3, 3))
    expected[1, 1] = 10.0
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_avg_pool_overlapping_windows_accumulate():
    _, cache = avg_pool1d_forward(np.zeros((1, 1, 4)), kernel_size=2, stride=1)
    dx = avg_pool1d_backward(np.array([[[2.0, 4.0, 8.0]]]), cache)
    np.testing.assert_array_equal(dx, [[[1.0, 3.0, 6.0, 4.0]]])


# ----------------------------------------------------------------------------- Hypothesis: shapes

@st.composite
def axis_settings(draw, pool):
    r"""(size, kernel, stride, padding) for one axis, valid for pooling or convolution."""
    kernel = draw(st.integers(1, 4))
    padding = draw(st.integers(0, kernel // 2 if pool else 3))
    size = draw(st.integers(max(1, kernel - 2 * padding), 9))
    stride = draw(st.integers(1, 4))
    return size, kernel, stride, padding


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(1, 3), channels=st.integers(1, 3),
       axis=axis_settings(pool=True), pool=st.sampled_from(POOLS_1D))
def test_pool1d_output_length(batch, channels, axis, pool):
    size, kernel, stride, padding = axis
    forward, backward = pool
    x = np.random.default_rng(0).standard_normal((batch, channels, size))
    out, cache = forward(x, kernel, stride, padding)
    assert out.shape == (batch, channels, expected_length(size, kernel, stride, padding))
    assert backward(np.ones(out.shape), cache).shape == x.shape


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(1, 3), channels=st.integers(1, 3), rows=axis_settings(pool=True),
       cols=axis_settings(pool=True), pool=st.sampled_from(POOLS_2D))
def test_pool2d_output_size(batch, channels, rows, cols, pool):
    (h, kh, sh, ph), (w, kw, sw, pw) = rows, cols
    forward, backward = pool
    x = np.random.default_rng(0).standard_normal((batch, channels, h, w))
    out, cache = forward(x, (kh, kw), (sh, sw), (ph, pw))
    assert out.shape == (batch, channels, expected_length(h, kh, sh, ph),
                         expected_length(w, kw, sw, pw))
    assert backward(np.ones(out.shape), cache).shape == x.shape


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(1, 3), channels=st.integers(1, 3), filters=st.integers(1, 3),
       axis=axis_settings(pool=False), loops=st.booleans())
def test_conv1d_output_length(batch, channels, filters, axis, loops):
    size, kernel, stride, padding = axis
    forward, backward = ((conv1d_forward_loops, conv1d_backward_loops) if loops
                         else (conv1d_forward, conv1d_backward))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, channels, size))
    w = rng.standard_normal((filters, channels, kernel))
    out, cache = forward(x, w, np.zeros(filters), stride, padding)
    assert out.shape == (batch, filters, expected_length(size, kernel, stride, padding))
    dx, dw, db = backward(np.ones(out.shape), cache)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, (filters,))


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(1, 3), channels=st.integers(1, 3), filters=st.integers(1, 3),
       rows=axis_settings(pool=False), cols=axis_settings(pool=False), loops=st.booleans())
def test_conv2d_output_size(batch, channels, filters, rows, cols, loops):
    (h, kh, sh, ph), (w_size, kw, sw, pw) = rows, cols
    forward, backward = ((conv2d_forward_loops, conv2d_backward_loops) if loops
                         else (conv2d_forward, conv2d_backward))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, channels, h, w_size))
    w = rng.standard_normal((filters, channels, kh, kw))
    out, cache = forward(x, w, np.zeros(filters), (sh, sw), (ph, pw))
    assert out.shape == (batch, filters, expected_length(h, kh, sh, ph),
                         expected_length(w_size, kw, sw, pw))
    dx, dw, db = backward(np.ones(out.shape), cache)
    assert (dx.shape, dw.shape, db.shape) == (x.shape, w.shape, (filters,))


# ----------------------------------------------------------------------------- dtype, no bias

@pytest.mark.parametrize("forward, backward, args", [
    (avg_pool1d_forward, avg_pool1d_backward, (2,)),
    (max_pool1d_forward, max_pool1d_backward, (2,)),
])
def test_pool1d_promotes_integers_to_float64(forward, backward, args):
    x = np.array([[[1, 4, 2, 3]]])
    out, cache = forward(x, *args)
    assert out.dtype == np.float64
    assert backward(np.ones(out.shape, dtype=int), cache).dtype == np.float64


@pytest.mark.parametrize("forward, backward", POOLS_2D)
def test_pool2d_promotes_integers_to_float64(forward, backward):
    x = np.arange(16).reshape(1, 1, 4, 4)
    out, cache = forward(x, 2)
    assert out.dtype == np.float64
    assert backward(np.ones(out.shape, dtype=int), cache).dtype == np.float64


@pytest.mark.parametrize("forward, backward, x, w", [
    (conv1d_forward, conv1d_backward, np.arange(10).reshape(1, 2, 5), np.ones((3, 2, 2), int)),
    (conv2d_forward, conv2d_backward, np.arange(18).reshape(1, 2, 3, 3),
     np.ones((3, 2, 2, 2), int)),
    (conv2d_forward_loops, conv2d_backward_loops, np.arange(18).reshape(1, 2, 3, 3),
     np.ones((3, 2, 2, 2), int)),
])
def test_conv_promotes_integers_to_float64(forward, backward, x, w):
    out, cache = forward(x, w, np.arange(3))
    assert out.dtype == np.float64
    assert all(g.dtype == np.float64 for g in backward(np.ones(out.shape, dtype=int), cache))


@pytest.mark.parametrize("forward, backward, x_shape, w_shape", [
    (conv1d_forward, conv1d_backward, (2, 3, 6), (4, 3, 3)),
    (conv2d_forward, conv2d_backward, (2, 3, 5, 4), (4, 3, 3, 2)),
    (conv2d_forward_loops, conv2d_backward_loops, (2, 3, 5, 4), (4, 3, 3, 2)),
])
def test_conv_without_bias(forward, backward, x_shape, w_shape):
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    out, cache = forward(x, w, None, 1, 1)
    out_zero_bias, cache_zero_bias = forward(x, w, np.zeros(w_shape[0]), 1, 1)
    np.testing.assert_array_equal(out, out_zero_bias)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = backward(dout, cache)
    assert db is None
    dx_ref, dw_ref, _ = backward(dout, cache_zero_bias)
    np.testing.assert_array_equal(dx, dx_ref)
    np.testing.assert_array_equal(dw, dw_ref)


# ----------------------------------------------------------------------------- bad input

def backward_with(forward, backward, *args, **params):
    r"""A callable dout -> backward(dout, cache) for a forward pass on ``args``."""
    _, cache = forward(*args, **params)
    return lambda dout: backward(dout, cache)


X1, X2 = np.zeros((2, 3, 6)), np.zeros((2, 3, 5, 6))
W1, W2 = np.zeros((4, 3, 3)), np.zeros((4, 3, 3, 3))

BAD_INPUTS = [
    # convolution: shapes
    (conv2d_forward, dict(x=X1, w=W2), ValueError,
     r"x must be a 4-D array of shape \(N, C, H, W\), got shape \(2, 3, 6\)"),
    (conv2d_forward, dict(x=X2, w=W1), ValueError, r"w must be a 4-D array of shape \(F, C, HH, WW\)"),
    (conv1d_forward, dict(x=X2, w=W1), ValueError, r"x must be a 3-D array of shape \(N, C, L\)"),
    (conv1d_forward, dict(x=X1, w=W2), ValueError, r"w must be a 3-D array of shape \(F, C, K\)"),
    (conv2d_forward, dict(x=X2, w=np.zeros((4, 4, 3, 3))), ValueError,
     r"x has C=3 channels but w expects 4"),
    (conv1d_forward, dict(x=X1, w=np.zeros((4, 2, 3))), ValueError,
     r"x has C=3 channels but w expects 2"),
    (conv2d_forward_loops, dict(x=X2, w=np.zeros((4, 4, 3, 3))), ValueError,
     r"x has C=3 channels but w expects 4"),
    (conv2d_forward, dict(x=X2, w=W2, b=np.zeros(3)), ValueError,
     r"b must hold one bias per filter: expected length F=4, got 3"),
    (conv1d_forward, dict(x=X1, w=W1, b=np.zeros(5)), ValueError, r"expected length F=4, got 5"),
    (conv2d_forward, dict(x=X2, w=W2, b=np.zeros((4, 1))), ValueError, r"b must be a 1-D array"),
    (conv2d_forward, dict(x=X2, w=np.zeros((4, 3, 6, 3))), ValueError,
     r"kernel_size 6 is larger than the padded height \(5 \+ 2\*0 = 5\)"),
    (conv2d_forward, dict(x=X2, w=np.zeros((4, 3, 3, 9)), padding=(0, 1)), ValueError,
     r"kernel_size 9 is larger than the padded width \(6 \+ 2\*1 = 8\)"),
    (conv1d_forward, dict(x=X1, w=np.zeros((4, 3, 7))), ValueError,
     r"kernel_size 7 is larger than the padded length"),
    # convolution: stride and padding
    (conv2d_forward, dict(x=X2, w=W2, stride=0), ValueError, r"stride must be >= 1, got 0"),
    (conv2d_forward, dict(x=X2, w=W2, stride=(1, 0)), ValueError, r"stride must be >= 1, got 0"),
    (conv1d_forward, dict(x=X1, w=W1, stride=-2), ValueError, r"stride must be >= 1, got -2"),
    (conv2d_forward, dict(x=X2, w=W2, padding=-1), ValueError, r"padding must be >= 0, got -1"),
    (conv1d_forward, dict(x=X1, w=W1, padding=-1), ValueError, r"padding must be >= 0, got -1"),
    (conv2d_forward, dict(x=X2, w=W2, stride=(1, 1, 1)), ValueError,
     r"stride must be an int or a pair of ints"),
    (conv2d_forward, dict(x=X2, w=W2, stride=1.5), TypeError, r"stride must be an integer, got 1.5"),
    # convolution: values and dout
    (conv2d_forward, dict(x=X2.astype(str), w=W2), TypeError, r"x must be a numeric array"),
    (conv2d_forward, dict(x=X2, w=W2.astype(object)), TypeError, r"w must be a numeric array"),
    (conv2d_forward, dict(x=X2, w=W2, b=np.array(["a"] * 4)), TypeError, r"b must be a numeric array"),
    (conv2d_forward, dict(x=np.full(X2.shape, np.nan), w=W2), ValueError,
     r"x must contain only finite numbers"),
    (backward_with(conv2d_forward, conv2d_backward, X2, W2), dict(dout=np.zeros((2, 4, 3, 3))),
     ValueError, r"dout must have the shape of the forward output \(2, 4, 3, 4\), got \(2, 4, 3, 3\)"),
    (backward_with(conv1d_forward, conv1d_backward, X1, W1), dict(dout=np.zeros((2, 4, 5))),
     ValueError, r"dout must have the shape of the forward output \(2, 4, 4\)"),
    (backward_with(conv2d_forward_loops, conv2d_backward_loops, X2, W2),
     dict(dout=np.zeros((2, 3, 3, 4))), ValueError,
     r"dout must have the shape of the forward output \(2, 4, 3, 4\)"),
    # pooling
    (max_pool2d_forward, dict(x=X1, kernel_size=2), ValueError,
     r"x must be a 4-D array of shape \(N, C, H, W\)"),
    (avg_pool1d_forward, dict(x=X2, kernel_size=2), ValueError,
     r"x must be a 3-D array of shape \(N, C, L\)"),
    (avg_pool2d_forward, dict(x=X2, kernel_size=0), ValueError, r"kernel_size must be >= 1, got 0"),
    (max_pool1d_forward, dict(x=X1, kernel_size=2, stride=0), ValueError,
     r"stride must be >= 1, got 0"),
    (max_pool2d_forward, dict(x=X2, kernel_size=2, stride=(2, 0)), ValueError,
     r"stride must be >= 1, got 0"),
    (avg_pool2d_forward, dict(x=X2, kernel_size=3, padding=-1), ValueError,
     r"padding must be >= 0, got -1"),
    (max_pool2d_forward, dict(x=X2, kernel_size=3, padding=2), ValueError,
     r"padding must be at most kernel_size // 2 = 1 .*got padding 2 for kernel_size 3"),
    (max_pool1d_forward, dict(x=X1, kernel_size=2, padding=2), ValueError,
     r"padding must be at most kernel_size // 2 = 1"),
    (avg_pool2d_forward, dict(x=X2, kernel_size=(2, 4), padding=(1, 3)), ValueError,
     r"padding must be at most kernel_size // 2 = 2 .*got padding 3 for kernel_size 4"),
    (max_pool2d_forward, dict(x=X2, kernel_size=(6, 2)), ValueError,
     r"kernel_size 6 is larger than the padded height \(5 \+ 2\*0 = 5\)"),
    (avg_pool1d_forward, dict(x=X1, kernel_size=7), ValueError,
     r"kernel_size 7 is larger than the padded length \(6 \+ 2\*0 = 6\)"),
    (max_pool2d_forward, dict(x=X2, kernel_size=2.0), TypeError,
     r"kernel_size must be an integer, got 2.0"),
    (avg_pool2d_forward, dict(x=[["a"]], kernel_size=1), TypeError, r"x must be a numeric array"),
    (max_pool1d_forward, dict(x=np.full(X1.shape, np.inf), kernel_size=2), ValueError,
     r"x must contain only finite numbers"),
    (backward_with(max_pool2d_forward, max_pool2d_backward, X2, 2), dict(dout=np.zeros((2, 3, 3, 3))),
     ValueError, r"dout must have the shape of the forward output \(2, 3, 2, 3\), got \(2, 3, 3, 3\)"),
    (backward_with(avg_pool2d_forward, avg_pool2d_backward, X2, 2), dict(dout=np.zeros((2, 3, 6))),
     ValueError, r"dout must have the shape of the forward output \(2, 3, 2, 3\)"),
    (backward_with(max_pool1d_forward, max_pool1d_backward, X1, 2), dict(dout=np.zeros((2, 3, 4))),
     ValueError, r"dout must have the shape of the forward output \(2, 3, 3\)"),
    (backward_with(avg_pool1d_forward, avg_pool1d_backward, X1, 3), dict(dout=np.zeros((2, 3, 2, 1))),
     ValueError, r"dout must have the shape of the forward output \(2, 3, 2\)"),
]


@pytest.mark.parametrize("function, kwargs, exception, message", BAD_INPUTS,
                         ids=[f"{i}-{row[3][:40]}" for i, row in enumerate(BAD_INPUTS)])
def test_bad_input_raises_with_a_clear_message(function, kwargs, exception, message):
    with pytest.raises(exception, match=message):
        function(**kwargs)
