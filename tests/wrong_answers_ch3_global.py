r"""Answers a student might write for exercise 3.6, the gradient of global average pooling
(issue 13), in the format of the other ``wrong_answers_*`` modules: wrong ones, each with
the phrase its feedback must contain (``STUDENT_MISTAKES``: registered mistakes written
another way; ``UNREGISTERED``: slips no mistake describes, whose feedback must name none,
nor any of the phrases listed after it), and correct formulations the checker must accept
(``STUDENT_CORRECT``)."""

from __future__ import annotations

import numpy as np

NAME = "global_avg_pool_grad"
# Phrases only a registered mistake's message uses: an unregistered slip must not get them.
NAMED = ("H*W times too large", "divided by H only", "divided by W only", "divided by H + W",
         "N*C*H*W", "reached every channel")


def by_loops(divide=lambda h, w: h * w, sign=1.0):
    def grad(dout, x_shape):
        height, width = x_shape[2:]
        dx = np.zeros(x_shape)
        for n in range(x_shape[0]):
            for c in range(x_shape[1]):
                for p in range(height):
                    for q in range(width):
                        dx[n, c, p, q] = sign * dout[n, c] / divide(height, width)
        return dx
    return grad


def ones_times(scale):
    def grad(dout, x_shape):
        return np.ones(x_shape) * dout[:, :, np.newaxis, np.newaxis] * scale(x_shape)
    return grad


def mean_of_the_channels_spread(dout, x_shape):
    height, width = x_shape[2:]
    total = dout.sum(axis=1)                         # one number per sample
    return np.ones(x_shape) * total[:, None, None, None] / (height * width)


def divided_by_x_size(dout, x_shape):
    return np.full(x_shape, 1.0) * dout[..., None, None] / np.prod(x_shape)


def tiled(dout, x_shape):
    r"""np.tile repeats the whole dout array, so the values land on the wrong maps."""
    height, width = x_shape[2:]
    return np.tile(dout / (height * width), height * width).reshape(x_shape)


def transposed_dout(dout, x_shape):
    r"""dout.T has the right size, so the reshape does not complain."""
    height, width = x_shape[2:]
    return np.repeat(dout.T.ravel() / (height * width), height * width).reshape(x_shape)


def one_axis_too_few(dout, x_shape):
    height, width = x_shape[2:]
    return np.zeros(x_shape) + dout[:, :, None] / (height * width)   # (N, C, 1): misaligned


def keeps_the_pooled_shape(dout, x_shape):
    height, width = x_shape[2:]
    return dout[:, :, None, None] / (height * width)                 # (N, C, 1, 1)


def divided_in_place(dout, x_shape):
    height, width = x_shape[2:]
    dout /= height * width
    return np.broadcast_to(dout[:, :, None, None], x_shape).copy()


def read_only_view(dout, x_shape):
    r"""Correct values, returned as np.broadcast_to's read-only view."""
    height, width = x_shape[2:]
    return np.broadcast_to(dout[:, :, None, None] / (height * width), x_shape)


def in_float32(dout, x_shape):
    height, width = x_shape[2:]
    share = (dout / (height * width)).astype(np.float32)
    return np.broadcast_to(share[:, :, None, None], x_shape).copy()


STUDENT_MISTAKES = [
    (NAME, by_loops(divide=lambda h, w: 1), "H*W times too large"),
    (NAME, ones_times(lambda shape: 1.0), "H*W times too large"),
    (NAME, by_loops(divide=lambda h, w: h), "divided by H only"),
    (NAME, ones_times(lambda shape: 1.0 / shape[2]), "divided by H only"),
    (NAME, by_loops(divide=lambda h, w: w), "divided by W only"),
    (NAME, ones_times(lambda shape: 1.0 / (shape[2] + shape[3])), "divided by H + W"),
    (NAME, divided_by_x_size, "N*C*H*W"),
    (NAME, mean_of_the_channels_spread, "reached every channel"),
]

UNREGISTERED = [
    (NAME, by_loops(sign=-1.0), "entry", NAMED),
    (NAME, by_loops(divide=lambda h, w: h * w - 1), "entry", NAMED),
    (NAME, by_loops(divide=lambda h, w: (h * w) ** 2), "entry", NAMED),
    (NAME, ones_times(lambda shape: 1.0 / (shape[1] * shape[2] * shape[3])), "entry", NAMED),
    (NAME, tiled, "entry", NAMED),
    (NAME, transposed_dout, "entry", NAMED),
    (NAME, one_axis_too_few, "could not be broadcast", NAMED),
    (NAME, keeps_the_pooled_shape, "shape", NAMED),
    (NAME, divided_in_place, "changed its input dout in place", NAMED),
    (NAME, in_float32, "dtype float32", NAMED),
]

STUDENT_CORRECT = [
    (NAME, by_loops()),
    (NAME, read_only_view),
    (NAME, ones_times(lambda shape: 1.0 / (shape[2] * shape[3]))),
    (NAME, lambda dout, x_shape: np.repeat(dout.ravel() / (x_shape[2] * x_shape[3]),
                                           x_shape[2] * x_shape[3]).reshape(x_shape)),
    (NAME, lambda dout, x_shape: np.einsum("nc,pq->ncpq", dout,
                                           np.full(x_shape[2:], 1 / (x_shape[2] * x_shape[3])))),
    (NAME, lambda dout, x_shape: np.zeros(x_shape) + (dout / np.prod(x_shape[2:]))[..., None, None]),
]
