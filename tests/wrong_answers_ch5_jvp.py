r"""Answers a student might write for exercise 5.7, forward mode by hand:
wrong ones, each with the phrase its feedback must contain
(``STUDENT_MISTAKES``: registered mistakes written another way;
``UNREGISTERED``: slips no mistake describes, whose feedback must name none
of the registered mistakes' phrases, ``NAMED``), and correct formulations
the checker must accept (``STUDENT_CORRECT``).

The answer is L_dot = sum_(n, k) (P - T)[n, k] Z2_dot[n, k] / N, with
Z1_dot = x W1_dot + b1_dot, A_dot = (1 - A**2) Z1_dot and
Z2_dot = A_dot W2 + A W2_dot + b2_dot.
"""

from __future__ import annotations

import numpy as np

from gradlab.linear import linear_forward

NAME = "mlp_jvp"
KEYS = ("W1", "b1", "W2", "b2")
# A phrase of each registered mistake's message: an unregistered answer's
# feedback must contain none of them.
NAMED = ("A @ W2_dot is missing", "A_dot @ W2 is missing", "not 1 - A:",
         "puts the pre-activation", "A already is tanh(Z1)",
         "slope of tanh is missing", "tangents of the biases are missing",
         "tangent of b1 is missing", "tangent of b2 is missing",
         "1/N is missing", "you used the probabilities P",
         "W1_dot @ x (like W1 @ x) does not exist")


def _softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def _forward(params, x):
    A = np.tanh(x @ params["W1"] + params["b1"])
    return A, _softmax(A @ params["W2"] + params["b2"])


def _loss(params, x, y):
    A = np.tanh(x @ params["W1"] + params["b1"])
    Z2 = A @ params["W2"] + params["b2"]
    m = np.max(Z2, axis=1, keepdims=True)
    log_p = Z2 - m - np.log(np.sum(np.exp(Z2 - m), axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(y)), y])


def _naive_loss(params, x, y):
    _, P = _forward(params, x)
    return -np.mean(np.log(P[np.arange(len(y)), y]))


def _tangents(params, x, tangent):
    r"""A, P and the logits' tangent Z2_dot, as in the solution."""
    A, P = _forward(params, x)
    A_dot = (1 - A ** 2) * (x @ tangent["W1"] + tangent["b1"])
    Z2_dot = A_dot @ params["W2"] + A @ tangent["W2"] + tangent["b2"]
    return A, P, Z2_dot


def _gradients(params, x, y):
    r"""Reverse mode, as in exercise 5.3."""
    A, P = _forward(params, x)
    dZ2 = (P - np.eye(P.shape[1])[y]) / len(y)
    dZ1 = dZ2 @ params["W2"].T * (1 - A ** 2)
    return {"W1": x.T @ dZ1, "b1": dZ1.sum(axis=0),
            "W2": A.T @ dZ2, "b2": dZ2.sum(axis=0)}


# ------------------------------------------------ registered, another way

def per_sample_loops(params, x, y, tangent, *, w2_dot_term=True,
                     a_dot_term=True, slope=lambda z, a: 1 - a * a,
                     b1=True, b2=True, mean=True, targets=True):
    r"""One sample at a time, with optional slips."""
    W1, b1_, W2, b2_ = (params[key] for key in KEYS)
    total = 0.0
    for x_n, label in zip(x, y):
        z1 = x_n @ W1 + b1_
        z1_dot = x_n @ tangent["W1"] + (tangent["b1"] if b1 else 0)
        a = np.tanh(z1)
        a_dot = slope(z1, a) * z1_dot
        z2 = a @ W2 + b2_
        z2_dot = (b2 and tangent["b2"]) * 1.0
        if a_dot_term:
            z2_dot = z2_dot + a_dot @ W2
        if w2_dot_term:
            z2_dot = z2_dot + a @ tangent["W2"]
        e = np.exp(z2 - z2.max())
        p = e / e.sum()
        if targets:
            p[label] -= 1.0
        total += p @ z2_dot
    return total / len(y) if mean else total


def _slip(**switches):
    return lambda params, x, y, tangent: per_sample_loops(
        params, x, y, tangent, **switches)


def only_the_first_layer_moves(params, x, y, tangent):
    A, P = _forward(params, x)
    Z1_dot = x @ tangent["W1"] + tangent["b1"]
    Z2_dot = ((1 - A ** 2) * Z1_dot) @ params["W2"] + tangent["b2"]
    T = np.eye(P.shape[1])[y]
    return float(np.sum((P - T) * Z2_dot) / len(y))


def slope_from_the_pre_activation(params, x, y, tangent):
    Z1 = x @ params["W1"] + params["b1"]
    A = np.tanh(Z1)
    A_dot = (1 - Z1 * Z1) * (x @ tangent["W1"] + tangent["b1"])
    Z2_dot = A_dot @ params["W2"] + A @ tangent["W2"] + tangent["b2"]
    P = _softmax(A @ params["W2"] + params["b2"])
    P[np.arange(len(y)), y] -= 1
    return float(np.sum(P * Z2_dot) / len(y))


def tangent_on_the_left(params, x, y, tangent):
    W1_dot = tangent["W1"]
    Z1_dot = W1_dot @ x + tangent["b1"]      # (D, M) @ (N, D): no product
    A, P = _forward(params, x)
    Z2_dot = (1 - A ** 2) * Z1_dot @ params["W2"] + A @ tangent["W2"]
    return float(np.sum((P - np.eye(P.shape[1])[y]) * Z2_dot) / len(y))


def weight_on_the_left(params, x, y, tangent):
    Z1 = params["W1"] @ x + params["b1"]     # the forward pass, too
    return float(np.sum(Z1))


def summed_probabilities(params, x, y, tangent):
    _, P, Z2_dot = _tangents(params, x, tangent)
    return float(np.einsum("nk,nk->", P, Z2_dot) / len(y))


STUDENT_MISTAKES = [
    (NAME, _slip(w2_dot_term=False), "the term A @ W2_dot is missing"),
    (NAME, only_the_first_layer_moves, "the term A @ W2_dot is missing"),
    (NAME, _slip(a_dot_term=False), "the term A_dot @ W2 is missing"),
    (NAME, _slip(slope=lambda z, a: 1 - a), "not 1 - A:"),
    (NAME, slope_from_the_pre_activation, "puts the pre-activation"),
    (NAME, _slip(slope=lambda z, a: 1 - z ** 2), "puts the pre-activation"),
    (NAME, _slip(slope=lambda z, a: 1 - np.tanh(a) ** 2),
     "A already is tanh(Z1)"),
    (NAME, _slip(slope=lambda z, a: np.ones_like(a)),
     "the slope of tanh is missing"),
    (NAME, _slip(b1=False, b2=False), "tangents of the biases are missing"),
    (NAME, _slip(b1=False), "the tangent of b1 is missing"),
    (NAME, _slip(b2=False), "the tangent of b2 is missing"),
    (NAME, _slip(mean=False), "the factor 1/N is missing"),
    (NAME, _slip(targets=False), "you used the probabilities P"),
    (NAME, summed_probabilities, "you used the probabilities P"),
    (NAME, tangent_on_the_left, "W1_dot @ x (like W1 @ x) does not exist"),
    (NAME, weight_on_the_left, "W1_dot @ x (like W1 @ x) does not exist"),
]


# --------------------------------------------------------- unregistered

def the_gradient_dict(params, x, y, tangent):
    return _gradients(params, x, y)


def per_sample_array(params, x, y, tangent):
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(P.shape[1])[y]
    return np.sum((P - T) * Z2_dot, axis=1) / len(y)


def summed_with_keepdims(params, x, y, tangent):
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(P.shape[1])[y]
    return np.sum((P - T) * Z2_dot, keepdims=True) / len(y)


def the_logits_tangent(params, x, y, tangent):
    return _tangents(params, x, tangent)[2]


def in_float32(params, x, y, tangent):
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(P.shape[1])[y]
    return np.float32(np.sum((P - T) * Z2_dot) / len(y))


def steps_params_in_place(params, x, y, tangent):
    h = 1e-5
    for key in KEYS:
        params[key] += h * tangent[key]
    plus = _loss(params, x, y)
    for key in KEYS:
        params[key] -= 2 * h * tangent[key]
    minus = _loss(params, x, y)
    return float((plus - minus) / (2 * h))  # params left at theta - h t


def scales_the_tangent_in_place(params, x, y, tangent):
    tangent["W2"] *= 1.0
    tangent["b1"] /= len(y)                  # the mean, in the wrong place
    _, P, Z2_dot = _tangents(params, x, tangent)
    return float(np.sum((P - np.eye(P.shape[1])[y]) * Z2_dot))


_TOTAL = [0.0]


def running_total(params, x, y, tangent):
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(P.shape[1])[y]
    _TOTAL[0] += np.sum((P - T) * Z2_dot) / len(y)   # never reset
    return float(_TOTAL[0])


def sign_flipped(params, x, y, tangent):
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(P.shape[1])[y]
    return float(np.sum((T - P) * Z2_dot) / len(y))


def one_hot_as_wide_as_the_labels(params, x, y, tangent):
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(np.max(y) + 1)[y]     # C only if the batch has every class
    dZ2 = (P - T) / len(y)
    return float(np.sum(dZ2 * Z2_dot))


def one_hot_with_n_columns(params, x, y, tangent):
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(len(y))[y]
    dZ2 = (P - T) / len(y)
    return float(np.sum(dZ2 * Z2_dot))


def one_hot_with_n_columns_in_the_sum(params, x, y, tangent):
    # The failing line sums over every axis: no hint about keepdims fits.
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(len(y))[y]
    return float(np.sum((P - T) * Z2_dot) / len(y))


def forward_difference(params, x, y, tangent):
    h = 1e-6
    moved = {key: params[key] + h * tangent[key] for key in KEYS}
    return float((_loss(moved, x, y) - _loss(params, x, y)) / h)


def central_difference(params, x, y, tangent):
    h = 1e-5
    plus = {key: params[key] + h * tangent[key] for key in KEYS}
    minus = {key: params[key] - h * tangent[key] for key in KEYS}
    return float((_loss(plus, x, y) - _loss(minus, x, y)) / (2 * h))


def central_difference_of_log_p(params, x, y, tangent):
    h = 1e-6
    plus = {key: params[key] + h * tangent[key] for key in KEYS}
    minus = {key: params[key] - h * tangent[key] for key in KEYS}
    return float((_naive_loss(plus, x, y) - _naive_loss(minus, x, y))
                 / (2 * h))   # log of a probability that underflows to 0


def divided_by_n_minus_1(params, x, y, tangent):
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(P.shape[1])[y]
    return float(np.sum((P - T) * Z2_dot) / max(len(y) - 1, 1))


def mean_over_every_entry(params, x, y, tangent):
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(P.shape[1])[y]
    return float(np.mean((P - T) * Z2_dot))


def tangents_mixed_up(params, x, y, tangent):
    A, P = _forward(params, x)
    A_dot = (1 - A ** 2) * (x @ tangent["W1"] + tangent["b1"])
    Z2_dot = A_dot @ tangent["W2"] + A @ params["W2"] + tangent["b2"]
    T = np.eye(P.shape[1])[y]
    return float(np.sum((P - T) * Z2_dot) / len(y))


def no_stable_softmax(params, x, y, tangent):
    A = np.tanh(x @ params["W1"] + params["b1"])
    e = np.exp(A @ params["W2"] + params["b2"])     # overflows at 1000
    P = e / e.sum(axis=1, keepdims=True)
    _, _, Z2_dot = _tangents(params, x, tangent)
    return float(np.sum((P - np.eye(P.shape[1])[y]) * Z2_dot) / len(y))


def the_loss_instead(params, x, y, tangent):
    return float(_loss(params, x, y))


def tangent_length_normalised(params, x, y, tangent):
    # the derivative along the unit vector: a direction, not the tangent
    norm = np.sqrt(sum(np.sum(tangent[key] ** 2) for key in KEYS))
    _, P, Z2_dot = _tangents(params, x, tangent)
    T = np.eye(P.shape[1])[y]
    return float(np.sum((P - T) * Z2_dot) / len(y) / norm)


UNREGISTERED = [
    (NAME, the_gradient_dict,
     "your function returns dict, but a single number is expected", NAMED),
    (NAME, per_sample_array, ("expected a single number, got an array of "
                              "shape (5,)", "did you forget to sum?"),
     NAMED),
    (NAME, the_logits_tangent, ("expected a single number, got an array of "
                                "shape (5, 4)"), NAMED),
    (NAME, summed_with_keepdims, "Return its one entry as a number", NAMED),
    (NAME, in_float32, ("dtype float32", "float64 is expected"), NAMED),
    (NAME, steps_params_in_place,
     "your function changed its input params['W1'] in place", NAMED),
    (NAME, scales_the_tangent_in_place,
     "your function changed its input tangent['b1'] in place", NAMED),
    (NAME, running_total, "on a batch of 1 with 4 inputs", NAMED),
    (NAME, sign_flipped, "but the answer is 0.62350", NAMED),
    (NAME, one_hot_as_wide_as_the_labels, "on a batch of 1 with 4 inputs",
     NAMED),
    (NAME, one_hot_with_n_columns, ("raised ValueError",
                                    "could not be broadcast"), NAMED),
    (NAME, one_hot_with_n_columns_in_the_sum,
     ("raised ValueError", "could not be broadcast"), NAMED + ("keepdims",)),
    (NAME, forward_difference, "but the answer is", NAMED),
    (NAME, central_difference, ("a long tangent (entries of order 1000), "
                                "your function returns"), NAMED),
    (NAME, central_difference_of_log_p, ("logits of magnitude 1000, a "
                                         "random tangent, your function "
                                         "returns nan", "underflow to 0"),
     NAMED),
    (NAME, divided_by_n_minus_1, "but the answer is", NAMED),
    (NAME, mean_over_every_entry, "but the answer is", NAMED),
    (NAME, tangents_mixed_up, "but the answer is", NAMED),
    (NAME, no_stable_softmax, ("logits of magnitude 1000", "returns nan",
                               "np.exp of them overflows"), NAMED),
    (NAME, the_loss_instead, "but the answer is", NAMED),
    (NAME, tangent_length_normalised, "but the answer is", NAMED),
]


# -------------------------------------------------------------- correct

def by_loops(params, x, y, tangent):
    W1, b1, W2, b2 = (params[key] for key in KEYS)
    (D, M), C = W1.shape, W2.shape[1]
    total = 0.0
    for n in range(len(y)):
        a, a_dot = np.zeros(M), np.zeros(M)
        for m in range(M):
            z = b1[m] + sum(x[n, d] * W1[d, m] for d in range(D))
            z_dot = tangent["b1"][m] + sum(x[n, d] * tangent["W1"][d, m]
                                           for d in range(D))
            a[m] = np.tanh(z)
            a_dot[m] = (1 - a[m] ** 2) * z_dot
        z2 = np.array([b2[k] + sum(a[m] * W2[m, k] for m in range(M))
                       for k in range(C)])
        e = np.exp(z2 - z2.max())
        for k in range(C):
            z2_dot = tangent["b2"][k] + sum(
                a_dot[m] * W2[m, k] + a[m] * tangent["W2"][m, k]
                for m in range(M))
            total += (e[k] / e.sum() - (k == y[n])) * z2_dot
    return total / len(y)


def through_linear_forward(params, x, y, tangent):
    Z1, _ = linear_forward(x, params["W1"], params["b1"])
    Z1_dot, _ = linear_forward(x, tangent["W1"], tangent["b1"])
    A = np.tanh(Z1)
    A_dot = (1 - A ** 2) * Z1_dot
    Z2, _ = linear_forward(A, params["W2"], params["b2"])
    Z2_dot, _ = linear_forward(A_dot, params["W2"], tangent["b2"])
    Z2_dot = Z2_dot + A @ tangent["W2"]
    P = _softmax(Z2)
    return float(np.sum((P - np.eye(Z2.shape[1])[y]) * Z2_dot) / len(y))


def with_einsum(params, x, y, tangent):
    A = np.tanh(np.einsum("nd,dm->nm", x, params["W1"]) + params["b1"])
    A_dot = (1 - A * A) * (np.einsum("nd,dm->nm", x, tangent["W1"])
                           + tangent["b1"])
    Z2 = np.einsum("nm,mk->nk", A, params["W2"]) + params["b2"]
    Z2_dot = (np.einsum("nm,mk->nk", A_dot, params["W2"])
              + np.einsum("nm,mk->nk", A, tangent["W2"]) + tangent["b2"])
    dZ2 = _softmax(Z2)
    dZ2[np.arange(len(y)), y] -= 1.0
    return float(np.einsum("nk,nk->", dZ2, Z2_dot) / len(y))


def through_log_sum_exp(params, x, y, tangent):
    # L = mean(LSE(Z2) - Z2[n, y_n]); d LSE = sum_k p_k dz_k
    _, P, Z2_dot = _tangents(params, x, tangent)
    rows = np.arange(len(y))
    return float(np.mean(np.sum(P * Z2_dot, axis=1) - Z2_dot[rows, y]))


STUDENT_CORRECT = [
    (NAME, by_loops),
    (NAME, per_sample_loops),
    (NAME, through_linear_forward),
    (NAME, with_einsum),
    (NAME, through_log_sum_exp),
]
