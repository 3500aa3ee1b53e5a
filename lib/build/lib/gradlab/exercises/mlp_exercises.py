r"""Checkers for the exercises of chapter 5, backpropagation through an MLP.

- :func:`check_linear_backward` for ``linear_backward(dout, x, w)``: the three gradients
  ``(dx, dw, db)`` of :math:`y = xW + b`, with ``dout`` (N, M), ``x`` (N, D), ``w`` (D, M);
- :func:`check_tanh_backward` for ``tanh_backward(dout, h)``: ``da`` :math:`= \mathrm{dout}
  \odot (1 - h^2)` from the cached output :math:`h = \tanh(a)`;
- :func:`check_mlp_gradients` for ``mlp_gradients(params, x, y)``: the dict of gradients
  ``{"W1", "b1", "W2", "b2"}`` of the mean cross-entropy of the tanh–softmax network
  :math:`z = \tanh(x W_1 + b_1) W_2 + b_2`.

Every case has N, D, M (or N, D, H, C) all different, so that a missing transpose changes
a shape and a sum over the wrong axis changes a length. Each returns a
:class:`~gradlab.exercises.Feedback`.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

from ..gradcheck import numerical_gradient
from ..linear import linear_backward, linear_forward
from ..mlp import PARAMETER_NAMES, mlp_backward, mlp_forward
from ..softmax import softmax
from ._framework import Case, Exercise, Feedback, Mistake, check, described

LINEAR_PARTS = ("dx", "dw", "db")


def _batch(shape: tuple[int, ...], letters: str) -> str:
    r"""``(1, 4, 2), "NDM"`` -> ``"a batch of 1 (N=1, D=4, M=2)"``."""
    sizes = described(shape, letters)
    return f"a batch of 1 ({sizes})" if shape[0] == 1 else f"a batch of {sizes}"


# ------------------------------------------------------- Exercise 5.1: linear_backward

def _linear_reference(dout, x, w):
    bias = np.zeros(w.shape[1])  # the gradients do not depend on b
    return linear_backward(dout, linear_forward(x, w, bias)[1])


def _linear_numerical(dout, x, w):
    def gradients():
        x_, w_, b_ = x.copy(), w.copy(), np.zeros(w.shape[1])
        output = lambda _: linear_forward(x_, w_, b_)[0]  # reads the perturbed copies
        return tuple(numerical_gradient(output, v, dout) for v in (x_, w_, b_))
    return gradients


def _linear_case(rng, n, d, m, note=""):
    dout, x, w = rng.normal(size=(n, m)), rng.normal(size=(n, d)), rng.normal(size=(d, m))
    return Case(_batch((n, d, m), "NDM") + note, (dout, x, w),
                numerical=_linear_numerical(dout, x, w))


def _linear_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(5501)
    return (_linear_case(rng, 4, 3, 5), _linear_case(rng, 1, 4, 2),
            _linear_case(rng, 6, 5, 2, " (more samples than features)"))


def _dw_transposed(dout, x, w):
    return dout @ w.T, dout.T @ x, dout.sum(axis=0)


def _dw_without_transpose(dout, x, w):
    return dout @ w.T, dout @ x, dout.sum(axis=0)


def _dw_without_transpose_dot(dout, x, w):
    return dout @ w.T, np.dot(dout, x), dout.sum(axis=0)


def _dx_without_transpose(dout, x, w):
    return dout @ w, x.T @ dout, dout.sum(axis=0)


def _dx_without_transpose_dot(dout, x, w):
    return np.dot(dout, w), x.T @ dout, dout.sum(axis=0)


def _dx_transposed(dout, x, w):
    return w @ dout.T, x.T @ dout, dout.sum(axis=0)


def _column_convention(dout, x, w):
    return w @ dout.T, dout.T @ x, dout.sum(axis=0)


def _db_over_axis_1(dout, x, w):
    return dout @ w.T, x.T @ dout, dout.sum(axis=1)


def _db_over_everything(dout, x, w):
    return dout @ w.T, x.T @ dout, dout.sum()


def _db_mean(dout, x, w):
    return dout @ w.T, x.T @ dout, dout.mean(axis=0)


def _dw_and_db_averaged(dout, x, w):
    return dout @ w.T, x.T @ dout / len(x), dout.mean(axis=0)


def _all_averaged(dout, x, w):
    return dout @ w.T / len(x), x.T @ dout / len(x), dout.mean(axis=0)


def _returned_in_order(order):
    def wrong(dout, x, w):
        gradients = _linear_reference(dout, x, w)
        return tuple(gradients[i] for i in order)
    wrong.__name__ = "_returned_as_" + "_".join(LINEAR_PARTS[i] for i in order)
    return wrong


DW_NEEDS_TRANSPOSE = (
    "dw = dout @ x is missing a transpose: dout is (N, M) and x is (N, D), so the product "
    "does not even exist. dw[d, m] = sum_n x[n, d] dout[n, m], that is x.T @ dout, of the "
    "shape of w, (D, M) (chapter 5, 'Mistake 2').")
DX_NEEDS_TRANSPOSE = (
    "dx = dout @ w is missing a transpose: dout is (N, M) and w is (D, M), so the product "
    "only exists when M = D. dx = dout @ w.T sums over the M outputs and has the shape of x, "
    "(N, D) (chapter 5, 'Mistake 2').")
LAYER_DOES_NOT_AVERAGE = (
    "you divided by N inside the layer: its gradients are sums over the batch (each sample "
    "feeds the same w and b). When the loss is a mean, its 1/N is already in dout; dividing "
    "again counts it twice (chapter 5, 'The linear layer on a batch').")
WRONG_ORDER = ("the gradients come back in the wrong order: return dx, dw, db, in the order "
               "of the inputs x, w, b, as gradlab's linear_backward does.")

LINEAR_BACKWARD = Exercise(
    name="linear_backward", arg_names=("dout", "x", "w"), reference=_linear_reference,
    cases=_linear_cases(), returns="tuple", parts=LINEAR_PARTS,
    mistakes=(
        Mistake(_dw_transposed,
                "dw is transposed: dout.T @ x has shape (M, D), but dw must have the shape "
                "of w, (D, M). Entry (d, m) is sum_n x[n, d] dout[n, m], which is x.T @ dout "
                "(chapter 5, 'The linear layer on a batch')."),
        Mistake(_dw_without_transpose, DW_NEEDS_TRANSPOSE),
        Mistake(_dw_without_transpose_dot, DW_NEEDS_TRANSPOSE),
        Mistake(_dx_without_transpose, DX_NEEDS_TRANSPOSE),
        Mistake(_dx_without_transpose_dot, DX_NEEDS_TRANSPOSE),
        Mistake(_dx_transposed,
                "dx is transposed: w @ dout.T has shape (D, N), but dx must have the shape "
                "of x, (N, D): dx = dout @ w.T (chapter 5, 'The linear layer on a batch')."),
        Mistake(_column_convention,
                "dx and dw are both transposed: W^T dy and dy x^T are the column-vector "
                "formulas, for y = Wx + b. With samples as rows, y = xW + b, they read "
                "dx = dout @ w.T and dw = x.T @ dout (chapter 5, 'The linear layer on a "
                "batch', the table)."),
        Mistake(_db_over_axis_1,
                "db is summed over axis 1, which gives one number per sample (length N). b "
                "is added to every row, so its gradient sums over the rows: "
                "dout.sum(axis=0), length M (chapter 5, 'Mistake 5')."),
        Mistake(_db_over_everything,
                "db is a single number: sum over the batch axis only, dout.sum(axis=0), which "
                "leaves one entry per output, length M (chapter 5, 'The linear layer on a "
                "batch')."),
        Mistake(_db_mean, LAYER_DOES_NOT_AVERAGE),
        Mistake(_dw_and_db_averaged, LAYER_DOES_NOT_AVERAGE),
        Mistake(_all_averaged, LAYER_DOES_NOT_AVERAGE),
        *(Mistake(_returned_in_order(order), WRONG_ORDER)
          for order in permutations(range(3)) if order != (0, 1, 2)),
    ))


def check_linear_backward(fn) -> Feedback:
    r"""Check ``fn(dout, x, w)``: ``(dx, dw, db) = (dout w^T, x^T dout, sum_n dout_n)``."""
    return check(LINEAR_BACKWARD, fn)


# --------------------------------------------------------- Exercise 5.2: tanh_backward

def _tanh_reference(dout, h):
    return dout * (1.0 - h ** 2)


def _tanh_case(rng, shape, scale=1.0, note=""):
    a = rng.normal(scale=scale, size=shape)
    dout = rng.normal(size=shape)
    numerical = lambda: numerical_gradient(np.tanh, a.copy(), dout)
    return Case(_batch(shape, "NH") + note, (dout, np.tanh(a)), numerical=numerical)


def _tanh_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(5502)
    return (_tanh_case(rng, (4, 6)), _tanh_case(rng, (1, 5)),
            _tanh_case(rng, (3, 7), scale=3.0, note=" with saturated units (|h| close to 1)"))


def _one_minus_h(dout, h):
    return dout * (1 - h)


def _tanh_applied_twice(dout, h):
    return dout * (1 - np.tanh(h) ** 2)


def _dout_forgotten(dout, h):
    return 1 - h ** 2


def _tanh_sign_flipped(dout, h):
    return dout * (h ** 2 - 1)


def _sigmoid_slope(dout, h):
    return dout * h * (1 - h)


def _square_of_difference(dout, h):
    return dout * (1 - h) ** 2


TANH_BACKWARD = Exercise(
    name="tanh_backward", arg_names=("dout", "h"), reference=_tanh_reference,
    cases=_tanh_cases(),
    mistakes=(
        Mistake(_one_minus_h,
                "1 - h is not the slope of tanh: tanh'(a) = 1 - tanh(a)^2, which is "
                "1 - h**2 in terms of the cached output h (chapter 5, 'Mistake 3')."),
        Mistake(_tanh_applied_twice,
                "you applied tanh to h, but h already is tanh(a): the slope is 1 - h**2, not "
                "1 - tanh(h)**2 (the slip of chapter 5, 'Mistake 4', with tanh in place of "
                "the sigmoid)."),
        Mistake(_dout_forgotten,
                "dout is missing: by the chain rule the local slope 1 - h**2 multiplies the "
                "upstream gradient, entry by entry, da = dout * (1 - h**2) (chapter 5, "
                "'Matrix form')."),
        Mistake(_tanh_sign_flipped,
                "the sign is flipped: tanh is increasing, so its slope 1 - h**2 is positive "
                "and da has the sign of dout."),
        Mistake(_sigmoid_slope,
                "h(1 - h) is the sigmoid's slope, written with the sigmoid's output; for "
                "tanh it is 1 - h**2 (chapter 5, 'Mistake 3')."),
        Mistake(_square_of_difference,
                "(1 - h)**2 is not 1 - h**2: square h first, then subtract from 1."),
    ))


def check_tanh_backward(fn) -> Feedback:
    r"""Check ``fn(dout, h)``: ``da = dout * (1 - h**2)`` from the tanh output ``h``."""
    return check(TANH_BACKWARD, fn)


# --------------------------------------------------------- Exercise 5.3: mlp_gradients

def _mlp_reference(params, x, y):
    return mlp_backward(mlp_forward(params, x, y)[1])


def _mlp_numerical(params, x, y):
    def gradients():
        copies = {key: value.copy() for key, value in params.items()}
        loss = lambda _: mlp_forward(copies, x, y)[0]  # reads the perturbed copies
        return tuple(numerical_gradient(loss, copies[key]) for key in PARAMETER_NAMES)
    return gradients


def _mlp_case(rng, n, d, hidden, classes):
    params = {"W1": rng.normal(size=(d, hidden)) / np.sqrt(d),
              "b1": rng.normal(scale=0.5, size=hidden),
              "W2": rng.normal(size=(hidden, classes)), "b2": rng.normal(scale=0.5, size=classes)}
    x = rng.normal(size=(n, d))
    y = np.arange(n) % classes  # every class appears once the batch is large enough
    y = rng.permutation(y)
    sizes = f"{d} inputs, {hidden} hidden units, {classes} classes"
    batch = "a batch of 1" if n == 1 else f"a batch of N={n}"
    return Case(f"{batch} with {sizes}", (params, x, y),
                numerical=_mlp_numerical(params, x, y))


def _mlp_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(5503)
    return (_mlp_case(rng, 5, 3, 7, 4), _mlp_case(rng, 1, 4, 6, 3), _mlp_case(rng, 8, 2, 5, 3))


def _forward_by_hand(params, x):
    a = x @ params["W1"] + params["b1"]
    h = np.tanh(a)
    return a, h, softmax(h @ params["W2"] + params["b2"], axis=-1)


def _slipped(params, x, y, *, divide_by=None, sign=1.0, slope=lambda a, h: 1 - h ** 2,
             back=lambda dz, W2: dz @ W2.T, transposed=(), bias_over_axis_1=()):
    r"""The backward pass by hand, with one or more slips switched on (default: none)."""
    a, h, p = _forward_by_hand(params, x)
    t = np.eye(p.shape[1])[y]
    dz = sign * (p - t) / (len(y) if divide_by is None else divide_by)
    da = back(dz, params["W2"]) * slope(a, h)
    gradients = {}
    for layer, layer_input, dout in ((1, x, da), (2, h, dz)):
        gradients[f"W{layer}"] = (dout.T @ layer_input if layer in transposed
                                  else layer_input.T @ dout)
        gradients[f"b{layer}"] = dout.sum(axis=1 if layer in bias_over_axis_1 else 0)
    return gradients


def _mlp_no_mean(params, x, y):
    return _slipped(params, x, y, divide_by=1)


def _mlp_mean_twice(params, x, y):
    return _slipped(params, x, y, divide_by=len(y) ** 2)


def _mlp_t_minus_p(params, x, y):
    return _slipped(params, x, y, sign=-1.0)


def _mlp_one_minus_tanh(params, x, y):
    return _slipped(params, x, y, slope=lambda a, h: 1 - h)


def _mlp_tanh_twice(params, x, y):
    return _slipped(params, x, y, slope=lambda a, h: 1 - np.tanh(h) ** 2)


def _mlp_slope_at_pre_activation(params, x, y):
    return _slipped(params, x, y, slope=lambda a, h: 1 - a ** 2)


def _mlp_slope_forgotten(params, x, y):
    return _slipped(params, x, y, slope=lambda a, h: 1.0)


def _mlp_dw2_transposed(params, x, y):
    return _slipped(params, x, y, transposed=(2,))


def _mlp_dw1_transposed(params, x, y):
    return _slipped(params, x, y, transposed=(1,))


def _mlp_both_transposed(params, x, y):
    return _slipped(params, x, y, transposed=(1, 2))


def _mlp_dh_without_transpose(params, x, y):
    return _slipped(params, x, y, back=lambda dz, W2: dz @ W2)


def _mlp_dh_without_transpose_dot(params, x, y):
    return _slipped(params, x, y, back=lambda dz, W2: np.dot(dz, W2))


def _mlp_delta_for_hidden_layer(params, x, y):
    return _slipped(params, x, y, back=lambda dz, W2: dz)


def _mlp_slope_times_delta(params, x, y):
    _, h, p = _forward_by_hand(params, x)
    delta = (p - np.eye(p.shape[1])[y]) / len(y)
    return {"W1": x.T @ ((1 - h ** 2) * delta)}  # (N, H) times (N, C): raises


def _mlp_hidden_layer_skipped(params, x, y):
    return _slipped(params, x, y, back=lambda dz, W2: dz, slope=lambda a, h: 1.0)


def _mlp_b2_over_axis_1(params, x, y):
    return _slipped(params, x, y, bias_over_axis_1=(2,))


def _mlp_b1_over_axis_1(params, x, y):
    return _slipped(params, x, y, bias_over_axis_1=(1,))


def _mlp_biases_over_axis_1(params, x, y):
    return _slipped(params, x, y, bias_over_axis_1=(1, 2))



TRANSPOSED = ("the gradient of {param} is transposed: {wrong} has shape {shape}, but {param} "
              "is {right_shape}. A weight's gradient is the layer's input, transposed, times "
              "the gradient of its output: {right} (chapter 5, 'Matrix form').")
DH_NEEDS_TRANSPOSE = (
    "dz @ W2 is missing a transpose: dz is (N, C) and W2 is (H, C), so the product does not "
    "exist. The error sent back to the hidden units, sum_k delta_k w_kj, is dh = dz @ W2.T, "
    "shape (N, H) (chapter 5, 'Index notation').")
NOT_THROUGH_W2 = (
    "the hidden layer's error must come back through W2: dh = dz @ W2.T has one column per "
    "hidden unit, then da = dh * (1 - h**2). dz itself has one column per class (chapter 5, "
    "'Index notation').")
BIAS_AXIS = ("a bias gradient is summed over axis 1, one number per sample: each bias is "
             "added to every row, so db1 = da.sum(axis=0) and db2 = dz.sum(axis=0) sum over "
             "the batch (chapter 5, 'Mistake 5').")

MLP_GRADIENTS = Exercise(
    name="mlp_gradients", arg_names=("params", "x", "y"), reference=_mlp_reference,
    cases=_mlp_cases(), returns="dict", parts=PARAMETER_NAMES,
    mistakes=(
        Mistake(_mlp_no_mean,
                "every gradient is N times too large: the loss is the mean over the batch, "
                "so dz = (p - t)/N, and the 1/N reaches every parameter from there (chapter "
                "5, 'Matrix form')."),
        Mistake(_mlp_mean_twice,
                "every gradient is N times too small: you divided by N twice. If you start "
                "from cross_entropy_backward, its (p - t)/N already holds the 1/N of the "
                "mean; the layers only add up over the batch."),
        Mistake(_mlp_t_minus_p,
                "every gradient has the wrong sign: dL/dz = p - t (probabilities minus "
                "one-hot targets), not t - p, with which gradient descent would climb the "
                "loss (chapter 5, 'Index notation')."),
        Mistake(_mlp_one_minus_tanh,
                "W1 and b1 are wrong: the hidden layer's slope is 1 - h**2 (tanh' = "
                "1 - tanh^2), not 1 - h (chapter 5, 'Mistake 3')."),
        Mistake(_mlp_tanh_twice,
                "W1 and b1 are wrong: h already is tanh(a), so the slope is 1 - h**2, not "
                "1 - tanh(h)**2 (chapter 5, 'Mistake 4', with tanh in place of the sigmoid)."),
        Mistake(_mlp_slope_at_pre_activation,
                "W1 and b1 are wrong: 1 - a**2 puts the pre-activation where tanh(a) belongs. "
                "The slope is 1 - tanh(a)**2 = 1 - h**2, from the output h (chapter 5, "
                "'Mistake 4')."),
        Mistake(_mlp_slope_forgotten,
                "W1 and b1 are wrong: the tanh layer's slope is missing, da = dh * (1 - h**2) "
                "(chapter 5, 'Index notation')."),
        Mistake(_mlp_dw2_transposed,
                TRANSPOSED.format(param="W2", wrong="dz.T @ h", shape="(C, H)",
                                  right_shape="(H, C)", right="dW2 = h.T @ dz")),
        Mistake(_mlp_dw1_transposed,
                TRANSPOSED.format(param="W1", wrong="da.T @ x", shape="(H, D)",
                                  right_shape="(D, H)", right="dW1 = x.T @ da")),
        Mistake(_mlp_both_transposed,
                "the gradients of W1 and W2 are both transposed, (H, D) and (C, H): those are "
                "the column-vector formulas. With samples as rows a weight's gradient is the "
                "layer's input, transposed, times the gradient of its output: dW1 = x.T @ da, "
                "dW2 = h.T @ dz (chapter 5, 'Matrix form')."),
        Mistake(_mlp_dh_without_transpose, DH_NEEDS_TRANSPOSE),
        Mistake(_mlp_dh_without_transpose_dot, DH_NEEDS_TRANSPOSE),
        Mistake(_mlp_delta_for_hidden_layer, NOT_THROUGH_W2),
        Mistake(_mlp_slope_times_delta, NOT_THROUGH_W2),
        Mistake(_mlp_hidden_layer_skipped, NOT_THROUGH_W2),
        Mistake(_mlp_b2_over_axis_1, BIAS_AXIS),
        Mistake(_mlp_b1_over_axis_1, BIAS_AXIS),
        Mistake(_mlp_biases_over_axis_1, BIAS_AXIS),
    ))


def check_mlp_gradients(fn) -> Feedback:
    r"""Check ``fn(params, x, y)``: the dict of gradients of the network's mean loss."""
    return check(MLP_GRADIENTS, fn)
