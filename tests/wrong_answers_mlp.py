r"""Answers a student might write for chapter 5 (the MLP): wrong ones, each
with the phrase its feedback must contain (``STUDENT_MISTAKES``:
registered mistakes written another way; ``UNREGISTERED``: slips no
mistake describes, whose feedback must name none), and correct
formulations the checkers must accept (``STUDENT_CORRECT``)."""

from __future__ import annotations

import numpy as np

from gradlab.activations import tanh_backward
from gradlab.linear import linear_backward, linear_forward
from gradlab.losses import cross_entropy_backward, cross_entropy_forward
from gradlab.softmax import softmax


def by_index(params, x, y, *, mean=True, sign=1.0, slope=lambda a, h: 1 - h * h,
             back_through_w2=True, transpose_w1=False, transpose_w2=False, bias_axis=0):
    r"""A student's per-sample backward pass (index form, loops), with optional slips."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    D, H = W1.shape
    C = W2.shape[1]
    dW1 = np.zeros((H, D) if transpose_w1 else (D, H))
    dW2 = np.zeros((C, H) if transpose_w2 else (H, C))
    db1_rows, db2_rows = [], []
    for x_n, label in zip(x, y):
        a = np.array([sum(x_n[i] * W1[i, j] for i in range(D)) + b1[j] for j in range(H)])
        h = np.tanh(a)
        z = np.array([sum(h[j] * W2[j, k] for j in range(H)) + b2[k] for k in range(C)])
        e = np.exp(z - z.max())
        delta = sign * (e / e.sum() - (np.arange(C) == label))
        if back_through_w2:
            back = np.array([sum(delta[k] * W2[j, k] for k in range(C)) for j in range(H)])
        else:
            back = delta
        delta_h = back * slope(a, h)
        dW2 += np.outer(delta, h) if transpose_w2 else np.outer(h, delta)
        dW1 += np.outer(delta_h, x_n) if transpose_w1 else np.outer(x_n, delta_h)
        db1_rows.append(delta_h)
        db2_rows.append(delta)
    scale = len(y) if mean else 1
    return {"W1": dW1 / scale, "b1": np.sum(db1_rows, axis=bias_axis) / scale,
            "W2": dW2 / scale, "b2": np.sum(db2_rows, axis=bias_axis) / scale}


def with_gradlab_layers(params, x, y):
    r"""A correct composition of gradlab's own forward/backward pairs."""
    a, cache_1 = linear_forward(x, params["W1"], params["b1"])
    h = np.tanh(a)
    z, cache_2 = linear_forward(h, params["W2"], params["b2"])
    _, cache_loss = cross_entropy_forward(z, y)
    dh, dW2, db2 = linear_backward(cross_entropy_backward(cache_loss), cache_2)
    _, dW1, db1 = linear_backward(tanh_backward(dh, h), cache_1)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def matrix_form(params, x, y, *, dh=lambda dz, W2: dz @ W2.T, bias_axis=(0, 0)):
    h = np.tanh(x @ params["W1"] + params["b1"])
    dz = (softmax(h @ params["W2"] + params["b2"]) - np.eye(params["W2"].shape[1])[y]) / len(y)
    da = dh(dz, params["W2"]) * (1 - h ** 2)
    return {"W1": x.T @ da, "b1": da.sum(axis=bias_axis[0]),
            "W2": h.T @ dz, "b2": dz.sum(axis=bias_axis[1])}


def linear_by_loops(dout, x, w):
    n, d = x.shape
    m = w.shape[1]
    dx = np.array([[sum(dout[i, k] * w[j, k] for k in range(m)) for j in range(d)]
                   for i in range(n)])
    dw = np.array([[sum(x[i, j] * dout[i, k] for i in range(n)) for k in range(m)]
                   for j in range(d)])
    return dx, dw, np.array([sum(dout[i, k] for i in range(n)) for k in range(m)])


def dw_before_dx(dout, x, w):
    dw = np.dot(dout, x)  # computed first, as many students do
    dx = dout.dot(w.T)
    return dx, dw, dout.sum(axis=0)


STUDENT_MISTAKES = [
    # exercise 5.1: the linear layer
    ("linear_backward", lambda dout, x, w: (dout @ w.T, np.einsum("nm,nd->md", dout, x),
                                            dout.sum(0)), "dw is transposed"),
    ("linear_backward", dw_before_dx, "dw = dout @ x is missing a transpose"),
    ("linear_backward", lambda dout, x, w: (np.matmul(dout, w), x.T @ dout, dout.sum(0)),
     "dx = dout @ w is missing a transpose"),
    ("linear_backward", lambda dout, x, w: (dout.dot(w), x.T.dot(dout), dout.sum(0)),
     "dx = dout @ w is missing a transpose"),
    ("linear_backward", lambda dout, x, w: ((dout @ w.T).T, x.T @ dout, dout.sum(0)),
     "dx is transposed"),
    ("linear_backward", lambda dout, x, w: (w @ dout.T, (x.T @ dout).T, np.sum(dout, 0)),
     "dx and dw are both transposed"),
    ("linear_backward", lambda dout, x, w: (dout @ w.T, x.T @ dout, np.sum(dout, axis=1)),
     "db is summed over axis 1"),
    ("linear_backward", lambda dout, x, w: (dout @ w.T, x.T @ dout, np.sum(dout)),
     "db is a single number"),
    ("linear_backward", lambda dout, x, w: (dout @ w.T, x.T @ dout, np.mean(dout, axis=0)),
     "you divided by N inside the layer"),
    ("linear_backward", lambda dout, x, w: tuple(g / dout.shape[0]
                                                 for g in linear_by_loops(dout, x, w)),
     "you divided by N inside the layer"),
    ("linear_backward", lambda dout, x, w: (x.T @ dout, dout @ w.T, dout.sum(0)),
     "the gradients come back in the wrong order"),
    ("linear_backward", lambda dout, x, w: (dout.sum(0), x.T @ dout, dout @ w.T),
     "the gradients come back in the wrong order"),
    # exercise 5.2: tanh
    ("tanh_backward", lambda dout, h: dout * (1 - h), "1 - h is not the slope of tanh"),
    ("tanh_backward", lambda dout, h: dout / np.cosh(h) ** 2, "you applied tanh to h"),
    ("tanh_backward", lambda dout, h: 1 - h * h, "dout is missing"),
    ("tanh_backward", lambda dout, h: dout * (h * h - 1), "the sign is flipped"),
    ("tanh_backward", lambda dout, h: -dout + dout * h ** 2, "the sign is flipped"),
    ("tanh_backward", lambda dout, h: dout * h * (1 - h), "the sigmoid's slope"),
    ("tanh_backward", lambda dout, h: dout * (1 - h) * (1 - h), "(1 - h)**2 is not 1 - h**2"),
    # exercise 5.3: the network
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, mean=False), "N times too large"),
    ("mlp_gradients",
     lambda p, x, y: {k: g / len(y) for k, g in with_gradlab_layers(p, x, y).items()},
     "you divided by N twice"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, sign=-1.0),
     "every gradient has the wrong sign"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, slope=lambda a, h: 1 - h),
     "not 1 - A (chapter 5"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, slope=lambda a, h: 1 / np.cosh(h) ** 2),
     "A already is tanh(Z1)"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, slope=lambda a, h: 1 - a * a),
     "puts the pre-activation where tanh(Z1) belongs"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, slope=lambda a, h: np.ones_like(h)),
     "the tanh layer's slope is missing"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, transpose_w2=True),
     "the gradient of W2 is transposed"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, transpose_w1=True),
     "the gradient of W1 is transposed"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, transpose_w1=True, transpose_w2=True),
     "both transposed"),
    ("mlp_gradients", lambda p, x, y: matrix_form(p, x, y, dh=lambda dz, W2: dz @ W2),
     "dZ2 @ W2 is missing a transpose"),
    ("mlp_gradients", lambda p, x, y: matrix_form(p, x, y, dh=lambda dz, W2: dz),
     "must come back through W2"),
    ("mlp_gradients", lambda p, x, y: matrix_form(p, x, y, bias_axis=(0, 1)),
     "summed over axis 1"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, bias_axis=1), "summed over axis 1"),
]


STUDENT_CORRECT = [
    ("linear_backward", linear_by_loops),
    ("linear_backward", lambda dout, x, w: [np.einsum("nm,dm->nd", dout, w),
                                            np.einsum("nd,nm->dm", x, dout),
                                            np.ones(len(x)) @ dout]),
    ("tanh_backward", lambda dout, h: dout - dout * h * h),
    ("tanh_backward", lambda dout, h: dout * (1 - h) * (1 + h)),
    ("mlp_gradients", by_index),
    ("mlp_gradients", with_gradlab_layers),
    ("mlp_gradients", matrix_form),
]




def b2_twice(params, x, y):
    grads = matrix_form(params, x, y)
    grads["b2"] = 2 * grads["b2"]
    return grads


def w2_without_mean_only(params, x, y):
    grads = matrix_form(params, x, y)
    grads["W2"] = grads["W2"] * len(y)
    return grads


def hidden_slope_from_gradlab_but_float32(params, x, y):
    return {key: value.astype(np.float32)
            for key, value in with_gradlab_layers(params, x, y).items()}


def dw_with_an_extra_transpose(dout, x, w):
    dx = dout @ w.T
    dw = x.T @ dout.T
    return dx, dw, dout.sum(axis=0)


def db1_averaged(params, x, y):
    grads = matrix_form(params, x, y)
    grads["b1"] = grads["b1"] / len(y)
    return grads


UNREGISTERED = [
    ("mlp_gradients", db1_averaged, "of b1 is"),
    ("mlp_gradients", lambda p, x, y: by_index(
        p, x, y, slope=lambda a, h: h * (1 - h)), "of b1 is"),
    ("mlp_gradients", b2_twice, "of b2 is"),
    ("mlp_gradients", w2_without_mean_only, "of W2 is"),
    ("mlp_gradients", hidden_slope_from_gradlab_but_float32,
     "b2 has dtype float32, but float64"),
    ("linear_backward", lambda dout, x, w: (dout @ w.T, x.T @ dout,
                                            dout.sum(0, keepdims=True)),
     "expected shape (5,) for db, got (1, 5)"),
    ("linear_backward", dw_with_an_extra_transpose,
     "of wrong_answers_mlp.py, in dw_with_an_extra_transpose: dw = x.T @ "
     "dout.T"),
    ("tanh_backward", lambda dout, h: (dout * (1 - h ** 2)).astype(
        np.float32), "values of dtype float32"),
    ("tanh_backward", lambda dout, h: dout * (1 - h ** 2) / len(h),
     "entry"),
]


def centres_the_weights_in_place(params, x, y):
    params["W2"] -= params["W2"].mean()  # "normalise" before the pass
    return with_gradlab_layers(params, x, y)


UNREGISTERED += [
    ("mlp_gradients", centres_the_weights_in_place,
     "your function changed its input params['W2'] in place"),
]

UNREGISTERED += [
    ("tanh_backward", lambda dout, h: dout * (1 - np.clip(h, -0.99, 0.99)
                                              ** 2),
     "with saturated units (|h| close to 1), entry"),
    ("linear_backward", lambda dout, x, w: (dout @ w.T, x.T @ dout,
                                            dout.sum(axis=0) / dout.shape[1]),
     "entry"),
]
