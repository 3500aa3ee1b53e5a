r"""Checkers for chapter 5, backpropagation through an MLP.

- ``check_linear_backward(fn)``: ``fn(dout, x, w)`` returns ``(dx, dw, db)``
  of :math:`Z = XW + b`, dout (N, M), x (N, D), w (D, M);
- ``check_tanh_backward(fn)``: ``fn(dout, h)``, :math:`\mathrm{dout} \odot
  (1 - h^2)` from the cached output :math:`h = A = \tanh(Z_1)`;
- ``check_mlp_gradients(fn)``: ``fn(params, x, y)``, the dict of gradients
  ``{"W1", "b1", "W2", "b2"}`` of the mean cross-entropy of the logits
  :math:`Z_2 = \tanh(X W_1 + b_1) W_2 + b_2`. A wrong answer is reported
  where the backward pass first goes wrong: b2, W2, then b1, W1;
- ``check_mlp_jvp(fn)``: ``fn(params, x, y, tangent)``, forward mode: the
  derivative of that loss along ``tangent`` (a dict with the keys and
  shapes of ``params``), one number.

Every case has N, D, M (or N, D, M, C) all different, so that a missing
transpose changes a shape and a sum over the wrong axis changes a length.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

from ..gradcheck import numerical_gradient
from ..linear import linear_backward, linear_forward
from ..mlp import PARAMETER_NAMES, mlp_backward, mlp_forward, mlp_jvp
from ..softmax import softmax
from ._framework import Case, Exercise, Mistake, checker
from .cases import batch_name

LINEAR_PARTS = ("dx", "dw", "db")
BACKWARD_ORDER = ("b2", "W2", "b1", "W1")  # where the backward pass starts
ON_A_BATCH = "The linear layer on a batch"
MATRIX = "Matrix form"
INDEX = "Index notation"
MISSING_TRANSPOSES = "Mistake 2"
ONE_MINUS_TANH = "Mistake 3"
ON_THE_OUTPUT = "Mistake 4"
BIAS_AXIS_HEADING = "Mistake 5"


# --------------------------------------------- Exercise 5.1: linear_backward

def _linear_reference(dout, x, w):
    return linear_backward(dout, linear_forward(x, w, np.zeros(w.shape[1]))[1])


def _linear_case(rng, n, d, m, note=""):
    dout, x, w = (rng.normal(size=shape) for shape in [(n, m), (n, d),
                                                       (d, m)])

    def numeric():
        x_, w_, b_ = x.copy(), w.copy(), np.zeros(m)
        return tuple(numerical_gradient(
            lambda _: linear_forward(x_, w_, b_)[0], v, dout)
            for v in (x_, w_, b_))
    return Case(batch_name((n, d, m), "NDM") + note, (dout, x, w),
                numerical=numeric)


def _linear(dout, x, w, *, dx=lambda dout, w: dout @ w.T,
            dw=lambda dout, x: x.T @ dout, db_axis=0, divided=""):
    r"""The three gradients by hand; the switches reproduce the slips
    (``divided`` lists the gradients divided by N)."""
    grads = {"dx": dx(dout, w), "dw": dw(dout, x),
             "db": dout.sum(axis=db_axis)}
    return tuple(grads[name] / (len(x) if name in divided else 1)
                 for name in LINEAR_PARTS)


def _returned_in(order):
    return lambda dout, x, w: tuple(_linear_reference(dout, x, w)[i]
                                    for i in order)




def _product(a: str, b: str, target: str) -> str:
    r"""A line computing a @ b (or np.dot, np.matmul, a.dot) that assigns
    it to ``target`` or to no name at all (a return, a tuple)."""
    return (rf"^({target}\s*=|(?!\w+\s*=[^=])).*({a}\s*@\s*{b}\b|"
            rf"(dot|matmul)\(\s*{a}\s*,\s*{b}\b|{a}\.dot\(\s*{b}\b)")


DW_LINE, DX_LINE = _product("dout", "x", "dw"), _product("dout", "w", "dx")
# dZ2 times W2 (not W2.T); the slope 1 - h**2 on the raising line
DZ_W2 = (r"(@\s*|dot\([^,]*,\s*)(\w+\[['\"])?W2\b(['\"]\])?"
         r"(?!\s*\.T)")
SLOPE = r"1\s*-\s*(\w+\s*\*\*\s*2|np\.(square|tanh))|\(1\s*[-+]\s*\w+\)"
DW_NEEDS_TRANSPOSE = (
    "dw = dout @ x is missing a transpose: dout is (N, M) and x is (N, D), "
    "so the product does not even exist. dw[d, m] = sum_n x[n, d] "
    "dout[n, m], that is x.T @ dout, of the shape of w, (D, M)")
DX_NEEDS_TRANSPOSE = (
    "dx = dout @ w is missing a transpose: dout is (N, M) and w is (D, M), "
    "so the product only exists when M = D. dx = dout @ w.T sums over the M "
    "outputs and has the shape of x, (N, D)")
LAYER_DOES_NOT_AVERAGE = (
    "you divided by N inside the layer: its gradients are sums over the "
    "batch (each sample feeds the same w and b). When the loss is a mean, "
    "its 1/N is already in dout; dividing again counts it twice")

LINEAR_BACKWARD = Exercise(
    name="linear_backward", chapter=5, arg_names=("dout", "x", "w"),
    reference=_linear_reference, returns="tuple", parts=LINEAR_PARTS,
    reproduces=("linear.linear_backward",),
    cases=tuple(_linear_case(np.random.default_rng(5501 + k), *sizes)
                for k, sizes in enumerate([(4, 3, 5), (1, 4, 2),
                                           (6, 5, 2, " (more samples than "
                                                     "features)")])),
    mistakes=(
        Mistake(lambda *a: _linear(*a, dw=lambda dout, x: dout.T @ x),
                "dw is transposed: dout.T @ x has shape (M, D), but dw must "
                "have the shape of w, (D, M). Entry (d, m) is sum_n x[n, d] "
                "dout[n, m], which is x.T @ dout", ON_A_BATCH),
        Mistake(lambda *a: _linear(*a, dw=lambda dout, x: dout @ x),
                DW_NEEDS_TRANSPOSE, MISSING_TRANSPOSES, line=DW_LINE),
        Mistake(lambda *a: _linear(*a, dw=np.dot),
                DW_NEEDS_TRANSPOSE, MISSING_TRANSPOSES, line=DW_LINE),
        Mistake(lambda *a: _linear(*a, dx=lambda dout, w: dout @ w),
                DX_NEEDS_TRANSPOSE, MISSING_TRANSPOSES, line=DX_LINE),
        Mistake(lambda *a: _linear(*a, dx=np.dot),
                DX_NEEDS_TRANSPOSE, MISSING_TRANSPOSES, line=DX_LINE),
        Mistake(lambda *a: _linear(*a, dx=lambda dout, w: w @ dout.T),
                "dx is transposed: w @ dout.T has shape (D, N), but dx must "
                "have the shape of x, (N, D): dx = dout @ w.T", ON_A_BATCH),
        Mistake(lambda *a: _linear(
            *a, dx=lambda dout, w: w @ dout.T, dw=lambda dout, x: dout.T @ x),
                "dx and dw are both transposed: W^T dz and dz x^T are the "
                "column-vector formulas, for z = Wx + b. With samples as "
                "rows, Z = XW + b, they read dx = dout @ w.T and dw = "
                "x.T @ dout, as the table shows", ON_A_BATCH),
        Mistake(lambda *a: _linear(*a, db_axis=1),
                "db is summed over axis 1, which gives one number per "
                "sample (length N). b is added to every row, so its "
                "gradient sums over the rows: dout.sum(axis=0), length M",
                BIAS_AXIS_HEADING),
        Mistake(lambda *a: _linear(*a, db_axis=None),
                "db is a single number: sum over the batch axis only, "
                "dout.sum(axis=0), which leaves one entry per output, "
                "length M", ON_A_BATCH),
        *(Mistake(lambda *a, d=divided: _linear(*a, divided=d),
                  LAYER_DOES_NOT_AVERAGE, ON_A_BATCH)
          for divided in ("db", "dw db", "dx dw db")),
        *(Mistake(_returned_in(order),
                  "the gradients come back in the wrong order: return dx, "
                  "dw, db, in the order of the inputs x, w, b, as gradlab's "
                  "linear_backward does.")
          for order in permutations(range(3)) if order != (0, 1, 2)),
    ))

check_linear_backward = checker(LINEAR_BACKWARD, r"""Check ``fn(dout, x, w)``:
``(dx, dw, db) = (dout w^T, x^T dout, sum_n dout_n)``.""")


# ----------------------------------------------- Exercise 5.2: tanh_backward

def _tanh_case(rng, shape, scale=1.0, note=""):
    a, dout = rng.normal(scale=scale, size=shape), rng.normal(size=shape)
    return Case(batch_name(shape, "NM") + note, (dout, np.tanh(a)),
                numerical=lambda: numerical_gradient(np.tanh, a.copy(), dout))


TANH_BACKWARD = Exercise(
    name="tanh_backward", chapter=5, arg_names=("dout", "h"),
    reference=lambda dout, h: dout * (1.0 - h ** 2),
    reproduces=("activations.tanh_backward",),
    cases=tuple(_tanh_case(np.random.default_rng(5502 + k), *spec)
                for k, spec in enumerate([((4, 6),), ((1, 5),),
                                          ((3, 7), 3.0, " with saturated "
                                           "units (|h| close to 1)")])),
    mistakes=(
        Mistake(lambda dout, h: dout * (1 - h),
                "1 - h is not the slope of tanh: tanh'(z) = 1 - tanh(z)^2, "
                "which is 1 - h**2 in terms of the cached output h",
                ONE_MINUS_TANH),
        Mistake(lambda dout, h: dout * (1 - np.tanh(h) ** 2),
                "you applied tanh to h, but h already is tanh(Z1): the "
                "slope is 1 - h**2, not 1 - tanh(h)**2; the chapter shows "
                "the same slip with the sigmoid", ON_THE_OUTPUT),
        Mistake(lambda dout, h: 1 - h ** 2,
                "dout is missing: by the chain rule the local slope "
                "1 - h**2 multiplies the upstream gradient, entry by entry, "
                "dZ1 = dout * (1 - h**2)", MATRIX),
        Mistake(lambda dout, h: dout * (h ** 2 - 1),
                "the sign is flipped: tanh is increasing, so its slope "
                "1 - h**2 is positive and dZ1 has the sign of dout."),
        Mistake(lambda dout, h: dout * h * (1 - h),
                "h(1 - h) is the sigmoid's slope, written with the "
                "sigmoid's output; for tanh it is 1 - h**2", ONE_MINUS_TANH),
        Mistake(lambda dout, h: dout * (1 - h) ** 2,
                "(1 - h)**2 is not 1 - h**2: square h first, then subtract "
                "from 1."),
    ))

check_tanh_backward = checker(TANH_BACKWARD, r"""Check ``fn(dout, h)``:
``dZ1 = dout * (1 - h**2)`` from the tanh output ``h``.""")


# ----------------------------------------------- Exercise 5.3: mlp_gradients

def _mlp_case(rng, n, d, hidden, classes):
    params = {"W1": rng.normal(size=(d, hidden)) / np.sqrt(d),
              "b1": rng.normal(scale=0.5, size=hidden),
              "W2": rng.normal(size=(hidden, classes)),
              "b2": rng.normal(scale=0.5, size=classes)}
    x = rng.normal(size=(n, d))
    y = rng.permutation(np.arange(n) % classes)  # every class, if N >= C

    def numeric():
        copies = {key: value.copy() for key, value in params.items()}
        return tuple(numerical_gradient(
            lambda _: mlp_forward(copies, x, y)[0], copies[key])
            for key in BACKWARD_ORDER)
    batch = "a batch of 1" if n == 1 else f"a batch of N={n}"
    return Case(f"{batch} with {d} inputs, {hidden} hidden units, {classes} "
                f"classes", (params, x, y), numerical=numeric)


def _mlp(params, x, y, *, divide_by=None, sign=1.0,
         slope=lambda z1, a: 1 - a ** 2, back=lambda dz2, W2: dz2 @ W2.T,
         transposed=(), bias_axis_1=()):
    r"""The backward pass by hand; the switches reproduce the slips."""
    z1 = x @ params["W1"] + params["b1"]
    a = np.tanh(z1)
    p = softmax(a @ params["W2"] + params["b2"], axis=-1)
    dz2 = sign * (p - np.eye(p.shape[1])[y]) / (
        len(y) if divide_by is None else divide_by(len(y)))
    dz1 = back(dz2, params["W2"]) * slope(z1, a)
    grads = {}
    for layer, layer_input, dout in ((1, x, dz1), (2, a, dz2)):
        grads[f"W{layer}"] = (dout.T @ layer_input if layer in transposed
                              else layer_input.T @ dout)
        grads[f"b{layer}"] = dout.sum(axis=1 if layer in bias_axis_1 else 0)
    return grads


def _slope_times_dz2(params, x, y):
    a = np.tanh(x @ params["W1"] + params["b1"])
    p = softmax(a @ params["W2"] + params["b2"], axis=-1)
    dz2 = (p - np.eye(p.shape[1])[y]) / len(y)
    return {"W1": x.T @ ((1 - a ** 2) * dz2)}  # (N, M) times (N, C): raises


def _slip(**switches):
    return lambda params, x, y: _mlp(params, x, y, **switches)


TRANSPOSED = ("the gradient of {param} is transposed: {wrong} has shape "
              "{shape}, but {param} is {right_shape}. A weight's gradient "
              "is the layer's input, transposed, times the gradient of its "
              "output: {right}")
DA_NEEDS_TRANSPOSE = (
    "dZ2 @ W2 is missing a transpose: dZ2 is (N, C) and W2 is (M, C), so "
    "the product does not exist. The gradient sent back to the hidden "
    "units, sum_k dZ2[n, k] W2[j, k], is dA = dZ2 @ W2.T, shape (N, M)")
NOT_THROUGH_W2 = (
    "the hidden layer's gradient must come back through W2: dA = "
    "dZ2 @ W2.T has one column per hidden unit, then dZ1 = "
    "dA * (1 - A**2). dZ2 itself has one column per class")
BIAS_AXIS = ("a bias gradient is summed over axis 1, one number per sample: "
             "each bias is added to every row, so db1 = dZ1.sum(axis=0) and "
             "db2 = dZ2.sum(axis=0) sum over the batch")

MLP_GRADIENTS = Exercise(
    name="mlp_gradients", chapter=5, arg_names=("params", "x", "y"),
    reference=lambda params, x, y: mlp_backward(mlp_forward(params, x, y)[1]),
    returns="dict", parts=BACKWARD_ORDER,
    reproduces=("mlp.mlp_backward", "linear.linear_backward",
                "activations.tanh_backward", "losses.cross_entropy_backward"),
    cases=tuple(_mlp_case(np.random.default_rng(5503 + k), *sizes)
                for k, sizes in enumerate([(5, 3, 7, 4), (1, 4, 6, 3),
                                           (8, 2, 5, 3)])),
    mistakes=(
        Mistake(_slip(divide_by=lambda n: 1),
                "every gradient is N times too large: the loss is the mean "
                "over the batch, so dZ2 = (P - T)/N, and the 1/N reaches "
                "every parameter from there", MATRIX),
        Mistake(_slip(divide_by=lambda n: n * n),
                "every gradient is N times too small: you divided by N "
                "twice. If you start from cross_entropy_backward, its "
                "(P - T)/N already holds the 1/N of the mean; the layers "
                "only add up over the batch."),
        Mistake(_slip(sign=-1.0),
                "every gradient has the wrong sign: dL/dZ2 = (P - T)/N "
                "(probabilities minus one-hot targets), not (T - P)/N, with "
                "which gradient descent would climb the loss", INDEX),
        Mistake(_slip(slope=lambda z1, a: 1 - a),
                "W1 and b1 are wrong: the hidden layer's slope is 1 - A**2 "
                "(tanh' = 1 - tanh^2), not 1 - A", ONE_MINUS_TANH),
        Mistake(_slip(slope=lambda z1, a: 1 - np.tanh(a) ** 2),
                "W1 and b1 are wrong: A already is tanh(Z1), so the slope "
                "is 1 - A**2, not 1 - tanh(A)**2; the chapter shows the same "
                "slip with the sigmoid", ON_THE_OUTPUT),
        Mistake(_slip(slope=lambda z1, a: 1 - z1 ** 2),
                "W1 and b1 are wrong: 1 - Z1**2 puts the pre-activation "
                "where tanh(Z1) belongs. The slope is 1 - tanh(Z1)**2 = "
                "1 - A**2, from the output A", ON_THE_OUTPUT),
        Mistake(_slip(slope=lambda z1, a: 1.0),
                "W1 and b1 are wrong: the tanh layer's slope is missing, "
                "dZ1 = dA * (1 - A**2)", INDEX),
        Mistake(_slip(transposed=(2,)), TRANSPOSED.format(
            param="W2", wrong="dZ2.T @ A", shape="(C, M)",
            right_shape="(M, C)", right="dW2 = A.T @ dZ2"), MATRIX),
        Mistake(_slip(transposed=(1,)), TRANSPOSED.format(
            param="W1", wrong="dZ1.T @ x", shape="(M, D)",
            right_shape="(D, M)", right="dW1 = x.T @ dZ1"), MATRIX),
        Mistake(_slip(transposed=(1, 2)),
                "the gradients of W1 and W2 are both transposed, (M, D) and "
                "(C, M): those are the column-vector formulas. With samples "
                "as rows a weight's gradient is the layer's input, "
                "transposed, times the gradient of its output: "
                "dW1 = x.T @ dZ1, dW2 = A.T @ dZ2", MATRIX),
        Mistake(_slip(back=lambda dz2, W2: dz2 @ W2), DA_NEEDS_TRANSPOSE,
                INDEX, line=DZ_W2),
        Mistake(_slip(back=np.dot), DA_NEEDS_TRANSPOSE, INDEX, line=DZ_W2),
        Mistake(_slip(back=lambda dz2, W2: dz2), NOT_THROUGH_W2, INDEX,
                line=SLOPE),
        Mistake(_slope_times_dz2, NOT_THROUGH_W2, INDEX, line=SLOPE),
        Mistake(_slip(back=lambda dz2, W2: dz2, slope=lambda z1, a: 1.0),
                NOT_THROUGH_W2, INDEX, line=SLOPE),
        Mistake(_slip(bias_axis_1=(2,)), BIAS_AXIS, BIAS_AXIS_HEADING),
        Mistake(_slip(bias_axis_1=(1,)), BIAS_AXIS, BIAS_AXIS_HEADING),
        Mistake(_slip(bias_axis_1=(1, 2)), BIAS_AXIS, BIAS_AXIS_HEADING),
    ))

check_mlp_gradients = checker(MLP_GRADIENTS, r"""Check ``fn(params, x, y)``:
the dict of gradients of the network's mean loss.""")


# ----------------------------------------------------- Exercise 5.7: mlp_jvp

WHY_REVERSE = "Why reverse mode"
JVP_OVERFLOW = ("Here the logits are of magnitude 1000: np.exp of them "
                "overflows, and a probability can underflow to 0 (whose "
                "log is -inf). Compute P with a stable softmax (subtract "
                "each row's own maximum first), as gradlab's softmax does; "
                "L_dot needs P, not its log.")


def _jvp_case(seed, n, d, hidden, classes, *, along=None, w1_scale=1.0,
              w2_scale=1.0, b2_shift=0.0, length=1.0, note=""):
    r"""A network, a batch and a tangent (only ``along`` nonzero, if
    given; entries of order ``length``), with the central difference of
    the loss along the tangent, (L(params + h t) - L(params - h t)) / 2h,
    h = 1e-6 / ``length`` (a finite difference with a fixed step is not
    exact: along a long tangent it moves far)."""
    rng = np.random.default_rng(seed)
    params = {"W1": w1_scale * rng.normal(size=(d, hidden)) / np.sqrt(d),
              "b1": rng.normal(scale=0.5, size=hidden),
              "W2": w2_scale * rng.normal(size=(hidden, classes)),
              "b2": b2_shift + rng.normal(scale=0.5, size=classes)}
    x = rng.normal(size=(n, d))
    y = rng.permutation(np.arange(n) % classes)  # every class, if N >= C
    tangent = {key: length * rng.normal(size=value.shape)
               if along in (None, key) else np.zeros(value.shape)
               for key, value in params.items()}

    def numeric():
        def loss(step):  # L(params + step * tangent / length)
            moved = {key: params[key] + step[0] / length * tangent[key]
                     for key in params}
            return mlp_forward(moved, x, y)[0]
        return length * numerical_gradient(loss, np.zeros(1))[0]
    batch = "a batch of 1" if n == 1 else f"a batch of N={n}"
    return Case(f"{batch} with {d} inputs, {hidden} hidden units, "
                f"{classes} classes, {note}", (params, x, y, tangent),
                hint=JVP_OVERFLOW if b2_shift else "",
                numerical=numeric)


def _jvp(params, x, y, tangent, *, slope=lambda z1, a: 1 - a ** 2,
         terms="both", biases="b1 b2", divide=True, targets=True,
         first=lambda x, w1_dot: x @ w1_dot):
    r"""Forward mode by hand; the switches reproduce the slips (``terms``:
    which product-rule terms of Z2_dot are kept)."""
    W1, b1, W2, b2 = (params[key] for key in PARAMETER_NAMES)
    Z1 = x @ W1 + b1
    Z1_dot = first(x, tangent["W1"]) + (
        tangent["b1"] if "b1" in biases.split() else 0.0)
    A = np.tanh(Z1)
    A_dot = slope(Z1, A) * Z1_dot
    Z2 = A @ W2 + b2
    Z2_dot = {"both": lambda: A_dot @ W2 + A @ tangent["W2"],
              "A_dot W2": lambda: A_dot @ W2,
              "A W2_dot": lambda: A @ tangent["W2"]}[terms]() + (
        tangent["b2"] if "b2" in biases.split() else 0.0)
    P = softmax(Z2, axis=-1)
    dZ2 = P - np.eye(P.shape[1])[y] if targets else P
    return float(np.sum(dZ2 * Z2_dot) / (len(x) if divide else 1))


def _jvp_slip(**switches):
    return lambda params, x, y, tangent: _jvp(params, x, y, tangent,
                                               **switches)


# W1 or its tangent multiplied with x on its right (the raising line)
W1_TIMES_X = (r"(\w*W1\w*|\w+\[['\"]W1['\"]\])\s*@\s*(x|X)\b|"
              r"(dot|matmul)\(\s*(\w*W1\w*|\w+\[['\"]W1['\"]\])\s*,\s*"
              r"(x|X)\b")
W1_DOT_ON_THE_LEFT = (
    "W1_dot @ x (like W1 @ x) does not exist: W1 and its tangent W1_dot "
    "are (D, M) and x is (N, D). With samples as rows Z1 = x @ W1 + b1, "
    "so Z1_dot = x @ W1_dot + b1_dot, with x on the left")

MLP_JVP = Exercise(
    name="mlp_jvp", chapter=5, arg_names=("params", "x", "y", "tangent"),
    reference=mlp_jvp, returns="scalar",
    reproduces=("mlp.mlp_jvp", "mlp.mlp_backward", "mlp.mlp_forward",
                "linear.linear_backward", "activations.tanh_backward"),
    scalar_hint=("The derivative along the tangent is one number, "
                 "L_dot = sum over n and k of (P - T)[n, k] Z2_dot[n, k] / "
                 "N: did you forget to sum?"),
    cases=(
        _jvp_case(5571, 5, 3, 7, 4, note="a random tangent"),
        _jvp_case(5572, 1, 4, 6, 3, note="a random tangent"),
        _jvp_case(5573, 8, 2, 5, 3, along="W2",
                  note="a tangent along W2 only"),
        _jvp_case(5574, 4, 5, 6, 3, along="b1",
                  note="a tangent along b1 only"),
        _jvp_case(5575, 6, 3, 5, 4, w1_scale=6.0,
                  note="saturated units (|A| close to 1), a random tangent"),
        _jvp_case(5576, 3, 2, 5, 4, w2_scale=200.0, b2_shift=1000.0,
                  note="logits of magnitude 1000, a random tangent"),
        _jvp_case(5577, 4, 3, 6, 2, length=1000.0,
                  note="a long tangent (entries of order 1000)"),
    ),
    mistakes=(
        Mistake(_jvp_slip(terms="A_dot W2"),
                "the term A @ W2_dot is missing: both factors of Z2 = A W2 + "
                "b2 move, A with W1 and b1, and W2 itself. By the product "
                "rule Z2_dot = A_dot @ W2 + A @ W2_dot + b2_dot",
                WHY_REVERSE),
        Mistake(_jvp_slip(terms="A W2_dot"),
                "the term A_dot @ W2 is missing: the tangents of W1 and b1 "
                "reach the logits only through A. By the product rule "
                "Z2_dot = A_dot @ W2 + A @ W2_dot + b2_dot", WHY_REVERSE),
        Mistake(_jvp_slip(slope=lambda z1, a: 1 - a),
                "the slope of tanh is 1 - A**2 (tanh' = 1 - tanh^2), not "
                "1 - A: A_dot = (1 - A**2) * Z1_dot", ONE_MINUS_TANH),
        Mistake(_jvp_slip(slope=lambda z1, a: 1 - z1 ** 2),
                "1 - Z1**2 puts the pre-activation where tanh(Z1) belongs: "
                "the slope is 1 - tanh(Z1)**2 = 1 - A**2, so A_dot = "
                "(1 - A**2) * Z1_dot", ON_THE_OUTPUT),
        Mistake(_jvp_slip(slope=lambda z1, a: 1 - np.tanh(a) ** 2),
                "A already is tanh(Z1): the slope is 1 - A**2, not "
                "1 - tanh(A)**2, so A_dot = (1 - A**2) * Z1_dot",
                ON_THE_OUTPUT),
        Mistake(_jvp_slip(slope=lambda z1, a: 1.0),
                "the slope of tanh is missing: A = tanh(Z1) changes at the "
                "rate 1 - A**2 times the change of Z1, so A_dot = "
                "(1 - A**2) * Z1_dot", WHY_REVERSE),
        Mistake(_jvp_slip(biases=""),
                "the tangents of the biases are missing: an add adds "
                "tangents, so Z1_dot = x @ W1_dot + b1_dot and Z2_dot ends "
                "in + b2_dot", WHY_REVERSE),
        Mistake(_jvp_slip(biases="b2"),
                "the tangent of b1 is missing: Z1 = x W1 + b1 moves with b1 "
                "too, so Z1_dot = x @ W1_dot + b1_dot", WHY_REVERSE),
        Mistake(_jvp_slip(biases="b1"),
                "the tangent of b2 is missing: Z2 = A W2 + b2 moves with b2 "
                "too, so Z2_dot = A_dot @ W2 + A @ W2_dot + b2_dot",
                WHY_REVERSE),
        Mistake(_jvp_slip(divide=False),
                "the factor 1/N is missing: the loss is the mean over the "
                "batch, so its gradient in the logits is (P - T)/N and "
                "L_dot = sum over n and k of (P - T)[n, k] Z2_dot[n, k] / N",
                WHY_REVERSE),
        Mistake(_jvp_slip(targets=False),
                "you used the probabilities P where the loss's gradient in "
                "the logits belongs: that is (P - T)/N, with T the one-hot "
                "targets, so L_dot = sum over n and k of (P - T)[n, k] "
                "Z2_dot[n, k] / N", WHY_REVERSE),
        Mistake(_jvp_slip(first=lambda x, w1_dot: w1_dot @ x),
                W1_DOT_ON_THE_LEFT, WHY_REVERSE, line=W1_TIMES_X),
        Mistake(_jvp_slip(first=lambda x, w1_dot: np.dot(w1_dot, x)),
                W1_DOT_ON_THE_LEFT, WHY_REVERSE, line=W1_TIMES_X),
    ))

check_mlp_jvp = checker(MLP_JVP, r"""Check ``fn(params, x, y, tangent)``:
forward mode, the derivative of the network's mean loss along ``tangent``,
one number.""")
