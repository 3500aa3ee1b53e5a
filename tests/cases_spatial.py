r"""Registry cases for the spatial ops: average and max pooling, convolution, in 1-D and 2-D.

The shapes are chosen to expose bugs: stride 1, stride > 1 and stride < kernel (windows
that overlap, so a backward pass that assigns instead of accumulating fails), padding,
rectangular inputs with rectangular kernels and (rows, columns) pairs, batches of 1 and of
more than 1, C != F, odd sizes. Arrays stay small: the numerical gradient loops in Python.

Convolution and average pooling are linear, so central differences are exact up to
rounding: tolerance 1e-9. Max pooling is piecewise linear with kinks where two entries of
a window tie. Its inputs are a random permutation of distinct values spaced 0.01 apart,
5000 times the 2h = 2e-6 a central difference moves an entry, so no perturbation changes
a window's argmax and the check is exact up to rounding too (1e-9). The values stay below
1 in magnitude: the rounding floor of a central difference grows like eps * |x| / h, and
values up to 6 (spacing 0.1) already put it at about 1e-9.
"""

from __future__ import annotations

import numpy as np

from gradlab.conv import (conv1d_backward, conv1d_forward, conv2d_backward, conv2d_backward_loops,
                          conv2d_forward, conv2d_forward_loops, conv_transpose2d_backward,
                          conv_transpose2d_forward)
from gradlab.pooling import (avg_pool1d_backward, avg_pool1d_forward, avg_pool2d_backward,
                             avg_pool2d_forward, max_pool1d_backward, max_pool1d_forward,
                             max_pool2d_backward, max_pool2d_forward)
from gradlab.pooling import (global_avg_pool_backward, global_avg_pool_forward,
                             max_pool1d_backward_loops, max_pool1d_forward_loops,
                             max_pool2d_backward_loops, max_pool2d_forward_loops)
from tests.registry import OpCase

LINEAR = 1e-9


def normal(*shape):
    return lambda rng: (rng.standard_normal(shape),)


def distinct(*shape):
    r"""Distinct values 0.01 apart, shuffled, centred on 0: no ties, no argmax flips."""
    def inputs(rng):
        size = int(np.prod(shape))
        return ((rng.permutation(size) - size / 2).reshape(shape) * 0.01,)
    return inputs


def conv_inputs(x_shape, w_shape, bias=True):
    def inputs(rng):
        arrays = (rng.standard_normal(x_shape), rng.standard_normal(w_shape))
        return arrays + (rng.standard_normal(w_shape[0]),) if bias else arrays
    return inputs


def without_db(backward):
    r"""A conv backward for b=None: db is None, so only dx and dw are checked."""
    return lambda dout, cache: backward(dout, cache)[:2]


def pool(id, forward, backward, inputs, **params):
    return OpCase(id, forward, backward, inputs, params=params, tolerance=LINEAR)


def conv(id, forward, backward, x_shape, w_shape, **params):
    return OpCase(id, forward, backward, conv_inputs(x_shape, w_shape), wrt=(0, 1, 2),
                  params=params, tolerance=LINEAR)


CASES: list[OpCase] = [
    # average pooling, 1-D
    pool("avg_pool1d k=2 (windows side by side)", avg_pool1d_forward, avg_pool1d_backward,
         normal(2, 3, 8), kernel_size=2),
    pool("avg_pool1d k=3 s=1 (overlap)", avg_pool1d_forward, avg_pool1d_backward,
         normal(1, 2, 7), kernel_size=3, stride=1),
    pool("avg_pool1d k=3 s=2 p=1", avg_pool1d_forward, avg_pool1d_backward,
         normal(3, 1, 9), kernel_size=3, stride=2, padding=1),
    # average pooling, 2-D
    pool("avg_pool2d k=2 (side by side)", avg_pool2d_forward, avg_pool2d_backward,
         normal(2, 3, 4, 6), kernel_size=2),
    pool("avg_pool2d k=3 s=1 (overlap) odd sizes", avg_pool2d_forward, avg_pool2d_backward,
         normal(1, 2, 5, 7), kernel_size=3, stride=1),
    pool("avg_pool2d k=3 s=2 p=1", avg_pool2d_forward, avg_pool2d_backward,
         normal(2, 2, 7, 5), kernel_size=3, stride=2, padding=1),
    pool("avg_pool2d k=(2,3) s=(1,2) p=(1,0)", avg_pool2d_forward, avg_pool2d_backward,
         normal(2, 3, 5, 8), kernel_size=(2, 3), stride=(1, 2), padding=(1, 0)),
    # max pooling, 1-D
    pool("max_pool1d k=2 (side by side)", max_pool1d_forward, max_pool1d_backward,
         distinct(2, 3, 8), kernel_size=2),
    pool("max_pool1d k=3 s=1 (overlap)", max_pool1d_forward, max_pool1d_backward,
         distinct(1, 2, 9), kernel_size=3, stride=1),
    pool("max_pool1d k=4 s=3 p=2", max_pool1d_forward, max_pool1d_backward,
         distinct(3, 2, 11), kernel_size=4, stride=3, padding=2),
    # max pooling, 2-D
    pool("max_pool2d k=2 (side by side)", max_pool2d_forward, max_pool2d_backward,
         distinct(2, 3, 4, 6), kernel_size=2),
    pool("max_pool2d k=3 s=1 (overlap) odd sizes", max_pool2d_forward, max_pool2d_backward,
         distinct(1, 2, 5, 7), kernel_size=3, stride=1),
    pool("max_pool2d k=3 s=2 p=1", max_pool2d_forward, max_pool2d_backward,
         distinct(2, 2, 7, 5), kernel_size=3, stride=2, padding=1),
    pool("max_pool2d k=(3,2) s=(2,1) p=(1,1)", max_pool2d_forward, max_pool2d_backward,
         distinct(2, 3, 7, 6), kernel_size=(3, 2), stride=(2, 1), padding=(1, 1)),
    # convolution, 1-D
    conv("conv1d C=3 F=2 K=3", conv1d_forward, conv1d_backward, (2, 3, 7), (2, 3, 3)),
    conv("conv1d N=1 C=2 F=4 K=2 s=2 p=1", conv1d_forward, conv1d_backward,
         (1, 2, 8), (4, 2, 2), stride=2, padding=1),
    conv("conv1d K=5 s=3 p=2 (K > s)", conv1d_forward, conv1d_backward,
         (3, 1, 10), (2, 1, 5), stride=3, padding=2),
    # convolution, 2-D
    conv("conv2d C=3 F=2 3x3", conv2d_forward, conv2d_backward, (2, 3, 5, 6), (2, 3, 3, 3)),
    conv("conv2d N=1 C=2 F=3 3x3 s=2 p=1", conv2d_forward, conv2d_backward,
         (1, 2, 7, 5), (3, 2, 3, 3), stride=2, padding=1),
    conv("conv2d kernel 2x3 s=(2,1) p=(0,1)", conv2d_forward, conv2d_backward,
         (2, 2, 5, 4), (3, 2, 2, 3), stride=(2, 1), padding=(0, 1)),
    conv("conv2d kernel 1x1 (C=4 -> F=2)", conv2d_forward, conv2d_backward,
         (2, 4, 3, 5), (2, 4, 1, 1)),
    conv("conv2d kernel as large as the padded input", conv2d_forward, conv2d_backward,
         (2, 2, 3, 4), (3, 2, 5, 4), padding=(1, 0)),
    conv("conv2d_loops C=2 F=3 2x3 s=(1,2) p=1", conv2d_forward_loops, conv2d_backward_loops,
         (2, 2, 4, 5), (3, 2, 2, 3), stride=(1, 2), padding=1),
    OpCase("conv2d b=None 3x2 s=2", conv2d_forward, without_db(conv2d_backward),
           conv_inputs((2, 3, 6, 5), (2, 3, 3, 2), bias=False), wrt=(0, 1),
           params={"stride": 2}, tolerance=LINEAR),
    OpCase("conv1d b=None K=4 p=1", conv1d_forward, without_db(conv1d_backward),
           conv_inputs((2, 2, 6), (3, 2, 4), bias=False), wrt=(0, 1),
           params={"padding": 1}, tolerance=LINEAR),
    # chapter 3 (issue 13): global average pooling, max pooling by hand
    pool("global_avg_pool N=2 C=3 5x7", global_avg_pool_forward, global_avg_pool_backward,
         normal(2, 3, 5, 7)),
    pool("global_avg_pool 1x1 map", global_avg_pool_forward, global_avg_pool_backward,
         normal(3, 2, 1, 1)),
    pool("max_pool2d_loops k=(3,2) s=(2,3) p=(1,1)", max_pool2d_forward_loops,
         max_pool2d_backward_loops, distinct(2, 3, 7, 8), kernel_size=(3, 2),
         stride=(2, 3), padding=(1, 1)),
    pool("max_pool1d_loops k=4 s=3 p=2", max_pool1d_forward_loops, max_pool1d_backward_loops,
         distinct(3, 2, 11), kernel_size=4, stride=3, padding=2),
    # transposed convolution (chapter 4): x (N, F, H', W'), w (F, C, HH, WW) and b (C,), one
    # bias per output channel: conv_inputs without bias, then a bias of w_shape[1] entries
    OpCase("conv_transpose2d F=3 C=2 3x2 s=2 op=1", conv_transpose2d_forward,
           conv_transpose2d_backward,
           lambda rng: (*conv_inputs((2, 3, 3, 4), (3, 2, 3, 2), bias=False)(rng),
                        rng.standard_normal(2)),
           wrt=(0, 1, 2), params={"stride": 2, "output_padding": 1}, tolerance=LINEAR),
    OpCase("conv_transpose2d N=1 4x3 s=3 p=1 op=(2, 0)", conv_transpose2d_forward,
           conv_transpose2d_backward,
           lambda rng: (*conv_inputs((1, 2, 3, 3), (2, 3, 4, 3), bias=False)(rng),
                        rng.standard_normal(3)),
           wrt=(0, 1, 2), params={"stride": 3, "padding": 1, "output_padding": (2, 0)},
           tolerance=LINEAR),
    OpCase("conv_transpose2d b=None s=(1,2) p=(1,0)", conv_transpose2d_forward,
           without_db(conv_transpose2d_backward),
           conv_inputs((2, 4, 4, 3), (4, 1, 3, 2), bias=False), wrt=(0, 1),
           params={"stride": (1, 2), "padding": (1, 0)}, tolerance=LINEAR),
]
