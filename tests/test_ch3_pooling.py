r"""Chapter 3's additions to gradlab.pooling (issue 13).

The gradient checks of the new ops run from the registry (``cases_spatial.py``). This file
pins what a gradient check cannot see:

1. max pooling by hand (``*_loops``) and vectorised agree: forward values, switches (the
   same positions as the vectorised cache's flat ``argmax``) and ``dx``, on ties, padding
   with -inf (all-negative inputs), strides that do not divide, non-square windows, 1-D;
2. the loops' backward uses only the switches and ``dout``, never ``x``;
3. global average pooling is the mean of each map, equals average pooling with the window
   as large as the map, and sends dout / (H W) to every pixel;
4. average pooling is a depthwise convolution with the constant kernel
   delta_fc / (K_H K_W): conv2d's forward and dx equal avg pooling's, padding included;
5. bad input raises with a message naming the argument.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradlab.conv import conv2d_backward, conv2d_forward
from gradlab.gradcheck import rel_error
from gradlab.pooling import (avg_pool2d_backward, avg_pool2d_forward, global_avg_pool_backward,
                             global_avg_pool_forward, max_pool1d_backward,
                             max_pool1d_backward_loops, max_pool1d_forward,
                             max_pool1d_forward_loops, max_pool2d_backward,
                             max_pool2d_backward_loops, max_pool2d_forward,
                             max_pool2d_forward_loops)


def with_ties(rng, shape):
    r"""Integers 0..2: most windows hold several equal maxima."""
    return rng.integers(0, 3, size=shape).astype(float)


def all_negative(rng, shape):
    r"""Every entry below 0, so a padded 0 would win; -inf padding must never win."""
    return -1.0 - rng.random(shape)


def distinct(rng, shape):
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1


# ----------------------------------------------------------------------------- loops == vectorised

SETTINGS_2D = [
    # (x shape, kernel, stride, padding)
    ((2, 3, 4, 6), 2, None, 0),                 # side by side
    ((1, 2, 7, 5), 3, 2, 1),                    # 7 + 2 - 3 = 6 divisible, 5 + 2 - 3 = 4 yes
    ((2, 2, 8, 9), (3, 2), (2, 3), (1, 1)),     # non-square; 9 + 2 - 2 = 9 not divisible by 3
    ((3, 1, 9, 7), (2, 4), (3, 2), (0, 2)),     # stride 3 does not divide 9 - 2 = 7
    ((2, 3, 5, 5), (3, 3), 1, 1),               # overlap in both directions
    ((1, 1, 6, 4), (1, 3), (2, 1), (0, 1)),     # one-row windows
]


@pytest.mark.parametrize("make_x", [with_ties, all_negative, distinct])
@pytest.mark.parametrize("x_shape, kernel, stride, padding", SETTINGS_2D)
def test_max_pool2d_loops_and_vectorised_agree(x_shape, kernel, stride, padding, make_x):
    rng = np.random.default_rng(7)
    x = make_x(rng, x_shape)
    out, cache = max_pool2d_forward(x, kernel, stride, padding)
    out_loops, cache_loops = max_pool2d_forward_loops(x, kernel, stride, padding)
    np.testing.assert_array_equal(out_loops, out)     # the same entries, picked
    assert np.all(np.isfinite(out_loops)), "a window picked the -inf padding"
    # the switches are the vectorised cache's positions, as (row, column)
    _, _, rows, cols = np.unravel_index(cache.argmax, cache.padded_shape)
    np.testing.assert_array_equal(cache_loops.switches[..., 0], rows)
    np.testing.assert_array_equal(cache_loops.switches[..., 1], cols)
    dout = rng.standard_normal(out.shape)
    dx = max_pool2d_backward(dout, cache)
    dx_loops = max_pool2d_backward_loops(dout, cache_loops)
    assert dx_loops.shape == x.shape
    # the same few numbers added in another order: equal up to rounding
    assert rel_error(dx_loops, dx) < 1e-14


@pytest.mark.parametrize("make_x", [with_ties, all_negative, distinct])
@pytest.mark.parametrize("x_shape, kernel, stride, padding", [
    ((2, 3, 8), 2, None, 0),
    ((1, 2, 9), 3, 1, 1),
    ((3, 2, 11), 4, 3, 2),       # 11 + 4 - 4 = 11, not divisible by 3
    ((2, 1, 10), 5, 2, 2),
])
def test_max_pool1d_loops_and_vectorised_agree(x_shape, kernel, stride, padding, make_x):
    rng = np.random.default_rng(8)
    x = make_x(rng, x_shape)
    out, cache = max_pool1d_forward(x, kernel, stride, padding)
    out_loops, cache_loops = max_pool1d_forward_loops(x, kernel, stride, padding)
    np.testing.assert_array_equal(out_loops, out)
    assert out_loops.shape == out.shape
    dout = rng.standard_normal(out.shape)
    dx_loops = max_pool1d_backward_loops(dout, cache_loops)
    assert dx_loops.shape == x.shape
    assert rel_error(dx_loops, max_pool1d_backward(dout, cache)) < 1e-14


@settings(max_examples=40, deadline=None)
@given(data=st.data(), rows=st.integers(1, 7), cols=st.integers(1, 7),
       ties=st.booleans())
def test_max_pool2d_loops_agree_for_random_settings(data, rows, cols, ties):
    kernel = (data.draw(st.integers(1, rows)), data.draw(st.integers(1, cols)))
    stride = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    padding = (data.draw(st.integers(0, kernel[0] // 2)),
               data.draw(st.integers(0, kernel[1] // 2)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    x = (with_ties if ties else all_negative)(rng, (2, 2, rows, cols))
    out, cache = max_pool2d_forward(x, kernel, stride, padding)
    out_loops, cache_loops = max_pool2d_forward_loops(x, kernel, stride, padding)
    np.testing.assert_array_equal(out_loops, out)
    dout = rng.standard_normal(out.shape)
    assert rel_error(max_pool2d_backward_loops(dout, cache_loops),
                     max_pool2d_backward(dout, cache)) < 1e-14


def test_tie_goes_to_the_first_maximum_in_row_major_order_in_the_loops():
    x = np.array([[[[1.0, 3.0], [3.0, 3.0]]]])
    out, cache = max_pool2d_forward_loops(x, 2)
    assert out.item() == 3.0
    np.testing.assert_array_equal(cache.switches[0, 0, 0, 0], [0, 1])
    dx = max_pool2d_backward_loops(np.array([[[[5.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[0.0, 5.0], [0.0, 0.0]]]])


def test_overlapping_windows_accumulate_in_the_loops():
    x = np.array([[[0.0, 5.0, 1.0, 2.0]]])      # windows [0 5] [5 1] [1 2]
    _, cache = max_pool1d_forward_loops(x, kernel_size=2, stride=1)
    dx = max_pool1d_backward_loops(np.array([[[1.0, 10.0, 100.0]]]), cache)
    np.testing.assert_array_equal(dx, [[[0.0, 11.0, 0.0, 100.0]]])


def test_the_loops_backward_needs_only_the_switches_and_dout():
    rng = np.random.default_rng(2)
    x = distinct(rng, (2, 3, 7, 6))
    out, cache = max_pool2d_forward_loops(x, (3, 2), (2, 2), (1, 1))
    # no copy of x: the only array in the cache is the integer switches
    arrays = [value for value in cache if isinstance(value, np.ndarray)]
    assert len(arrays) == 1 and arrays[0] is cache.switches
    assert np.issubdtype(cache.switches.dtype, np.integer)
    dout = rng.standard_normal(out.shape)
    dx = max_pool2d_backward_loops(dout, cache)
    _, cache_vec = max_pool2d_forward(x, (3, 2), (2, 2), (1, 1))
    assert rel_error(dx, max_pool2d_backward(dout, cache_vec)) < 1e-14


def test_loops_promote_integers_to_float64():
    out, cache = max_pool2d_forward_loops(np.arange(16).reshape(1, 1, 4, 4), 2)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[[[5.0, 7.0], [13.0, 15.0]]]])
    dx = max_pool2d_backward_loops(np.ones((1, 1, 2, 2), dtype=int), cache)
    assert dx.dtype == np.float64


# ----------------------------------------------------------------------------- global average

def test_global_avg_pool_is_the_mean_of_each_map():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    out, _ = global_avg_pool_forward(x)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, [[1.5, 5.5, 9.5], [13.5, 17.5, 21.5]], rtol=0, atol=1e-15)


@pytest.mark.parametrize("x_shape", [(2, 3, 4, 5), (1, 1, 1, 1), (3, 2, 7, 1)])
def test_global_avg_pool_is_avg_pool_with_the_whole_map_as_window(x_shape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(x_shape)
    height, width = x_shape[2:]
    out, cache = global_avg_pool_forward(x)
    out_avg, cache_avg = avg_pool2d_forward(x, (height, width))
    assert out_avg.shape == x_shape[:2] + (1, 1)
    assert rel_error(out, out_avg.reshape(out.shape)) < 1e-14
    dout = rng.standard_normal(out.shape)
    dx = global_avg_pool_backward(dout, cache)
    dx_avg = avg_pool2d_backward(dout.reshape(out_avg.shape), cache_avg)
    assert rel_error(dx, dx_avg) < 1e-14


def test_global_avg_pool_backward_sends_dout_over_hw_to_every_pixel():
    _, cache = global_avg_pool_forward(np.zeros((2, 3, 7, 7)))
    dout = np.array([[1.0, 2.0, -3.0], [0.0, 49.0, 4.9]])
    dx = global_avg_pool_backward(dout, cache)
    assert dx.shape == (2, 3, 7, 7)
    for n, c in np.ndindex(2, 3):
        np.testing.assert_array_equal(dx[n, c], np.full((7, 7), dout[n, c] / 49))
    dx[0, 0, 0, 0] = 100.0                       # a writable array of its own
    assert global_avg_pool_backward(dout, cache)[0, 0, 0, 0] == 1 / 49


def test_global_avg_pool_promotes_integers_to_float64():
    out, cache = global_avg_pool_forward(np.arange(8).reshape(1, 2, 2, 2))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1.5, 5.5]])
    dx = global_avg_pool_backward(np.ones((1, 2), dtype=int), cache)
    assert dx.dtype == np.float64


# ----------------------------------------------------------------------------- depthwise conv

def depthwise_average_kernel(channels, kernel):
    r"""w[f, c, u, v] = delta_fc / (K_H K_W): output channel f reads only input channel f."""
    kh, kw = kernel
    return np.eye(channels)[:, :, None, None] * np.ones((kh, kw)) / (kh * kw)


@pytest.mark.parametrize("x_shape, kernel, stride, padding", [
    ((2, 3, 6, 8), (2, 2), (2, 2), (0, 0)),
    ((1, 4, 7, 5), (3, 3), (2, 1), (1, 1)),
    ((2, 2, 9, 7), (3, 2), (3, 2), (1, 0)),     # stride 3 does not divide 9 + 2 - 3
])
def test_avg_pool_is_a_depthwise_convolution_with_a_constant_kernel(x_shape, kernel, stride,
                                                                   padding):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(x_shape)
    w = depthwise_average_kernel(x_shape[1], kernel)
    out, cache = avg_pool2d_forward(x, kernel, stride, padding)
    out_conv, cache_conv = conv2d_forward(x, w, None, stride, padding)
    assert rel_error(out_conv, out) < 1e-14
    dout = rng.standard_normal(out.shape)
    dx_conv, _, _ = conv2d_backward(dout, cache_conv)
    assert rel_error(dx_conv, avg_pool2d_backward(dout, cache)) < 1e-14


def test_a_kernel_without_the_delta_mixes_channels_and_differs():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 3, 4, 4))
    w = np.ones((3, 3, 2, 2)) / 4                # every filter reads every channel
    out, _ = avg_pool2d_forward(x, 2)
    out_conv, _ = conv2d_forward(x, w, None, 2)
    np.testing.assert_allclose(out_conv, np.broadcast_to(out.sum(axis=1, keepdims=True),
                                                         out.shape), atol=1e-14)
    assert rel_error(out_conv, out) > 0.1


# ----------------------------------------------------------------------------- bad input

def backward_with(forward, backward, *args, **params):
    _, cache = forward(*args, **params)
    return lambda dout: backward(dout, cache)


@pytest.mark.parametrize("call, args, error, message", [
    (global_avg_pool_forward, (np.zeros((2, 3, 4)),), ValueError,
     r"x must be a 4-D array of shape \(N, C, H, W\), got shape \(2, 3, 4\)"),
    (global_avg_pool_forward, (np.zeros((2, 3, 0, 4)),), ValueError,
     (r"x must have at least one pixel per map \(H and W >= 1\) to average, "
      r"got shape \(2, 3, 0, 4\)")),
    (global_avg_pool_forward, (np.array([[[[np.nan]]]]),), ValueError,
     r"x must contain only finite numbers"),
    (global_avg_pool_forward, (np.zeros((1, 1, 2, 2), dtype=bool),), TypeError,
     r"x must be a numeric array"),
    (backward_with(global_avg_pool_forward, global_avg_pool_backward, np.zeros((2, 3, 4, 4))),
     (np.zeros((2, 3, 1, 1)),), ValueError,
     r"dout must have the shape of the forward output \(2, 3\), got \(2, 3, 1, 1\)"),
    (backward_with(global_avg_pool_forward, global_avg_pool_backward, np.zeros((2, 3, 4, 4))),
     (np.zeros((3, 2)),), ValueError, r"dout must have the shape of the forward output \(2, 3\)"),
    (max_pool2d_forward_loops, (np.zeros((2, 3, 6)), 2), ValueError,
     r"x must be a 4-D array of shape \(N, C, H, W\)"),
    (max_pool1d_forward_loops, (np.zeros((2, 3, 6, 6)), 2), ValueError,
     r"x must be a 3-D array of shape \(N, C, L\)"),
    (max_pool2d_forward_loops, (np.zeros((1, 1, 6, 6)), 3, 1, 2), ValueError,
     r"padding must be at most kernel_size // 2 = 1"),
    (max_pool2d_forward_loops, (np.zeros((1, 1, 3, 6)), (4, 2)), ValueError,
     r"kernel_size 4 is larger than the padded height \(3 \+ 2\*0 = 3\)"),
    (max_pool2d_forward_loops, (np.zeros((1, 1, 4, 4)), 0), ValueError,
     r"kernel_size must be >= 1, got 0"),
    (max_pool1d_forward_loops, (np.zeros((1, 1, 4)), 2, 0), ValueError,
     r"stride must be >= 1, got 0"),
    (backward_with(max_pool2d_forward_loops, max_pool2d_backward_loops,
                   np.zeros((2, 3, 4, 4)), 2),
     (np.zeros((2, 3, 4, 4)),), ValueError,
     r"dout must have the shape of the forward output \(2, 3, 2, 2\), got \(2, 3, 4, 4\)"),
    (backward_with(max_pool1d_forward_loops, max_pool1d_backward_loops, np.zeros((2, 3, 6)), 3),
     (np.zeros((2, 3, 1, 2)),), ValueError,
     r"dout must have the shape of the forward output \(2, 3, 2\)"),
])
def test_bad_input_is_reported(call, args, error, message):
    with pytest.raises(error, match=message):
        call(*args)
