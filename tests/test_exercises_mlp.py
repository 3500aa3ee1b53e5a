r"""The checkers of chapter 5's exercises, tested in both directions, and their notebook.

Properties checked, for ``check_linear_backward``, ``check_tanh_backward`` and
``check_mlp_gradients``:

- the reference solution passes, and is confirmed against central differences for every
  returned gradient (the verdict quotes the worst relative error);
- the stub is "not attempted yet";
- every registered mistake is rejected with its own message, and each known mistake
  written the way a student would write it (loops, einsum, other operand orders, gradlab's
  own layers, not the checker's code) gets its targeted message;
- other correct formulations pass;
- several returned arrays: a single array, too few values, a part that is None, a missing
  dict key, a wrong type, a part of the wrong shape, with a wrong value or with nan each
  get a message naming the part; None, raising and in-place changes are reported;
- every case has N, D, M (N, D, H, C) all different, with a batch of 1 and one of more;
- the numerical comparison covers every part: a checker whose reference were wrong would
  say so instead of passing.

And for the notebook: every solution block, executed in order, passes its checker; the
stubs are executed and report "not attempted yet"; the pen-and-paper answers are right;
the chapter sections that feedback points to exist.
"""

from __future__ import annotations

import re
from fractions import Fraction

import nbformat
import numpy as np
import pytest

from gradlab.activations import sigmoid, tanh_backward
from gradlab.exercises import (check_linear_backward, check_mlp_gradients,
                               check_tanh_backward)
from gradlab.exercises import _framework as fw
from gradlab.exercises import mlp_exercises as me
from gradlab.linear import linear_backward, linear_forward
from gradlab.losses import cross_entropy_backward, cross_entropy_forward
from gradlab.mlp import init_mlp, mlp_backward, mlp_forward
from gradlab.softmax import softmax
from tests.exercise_helpers import (RETURNS_NONE, ROOT, assert_each_mistake_gets_its_message,
                                    assert_not_attempted, assert_rejected_with, feedback_text,
                                    headings, markdown, run_solutions)

NOTEBOOK = "exercises/05_mlp_backprop.ipynb"
CHAPTER = "chapters/05_mlp_backprop.ipynb"

CHECKERS = {
    "linear_backward": (check_linear_backward, me.LINEAR_BACKWARD),
    "tanh_backward": (check_tanh_backward, me.TANH_BACKWARD),
    "mlp_gradients": (check_mlp_gradients, me.MLP_GRADIENTS),
}


def verdict(name, fn) -> str:
    return feedback_text(CHECKERS[name][0], fn)


# ------------------------------------------------------------------ both directions

@pytest.mark.parametrize("name", CHECKERS)
def test_reference_passes_and_matches_central_differences(name):
    checker, exercise = CHECKERS[name]
    feedback = checker(exercise.reference)
    assert feedback, str(feedback)
    assert str(feedback).startswith("correct: matches the reference on 3 inputs and the "
                                    "numerical gradient (relative error ")
    error = float(re.search(r"relative error (\S+)\)", str(feedback)).group(1))
    assert error < 1e-8


@pytest.mark.parametrize("name", CHECKERS)
def test_stub_is_not_attempted(name):
    assert_not_attempted(CHECKERS[name][0])


@pytest.mark.parametrize("name", CHECKERS)
def test_every_registered_mistake_gets_its_own_message(name):
    checker, exercise = CHECKERS[name]
    assert_each_mistake_gets_its_message(checker, exercise.mistakes, minimum=6)


def test_linear_cases_expose_bugs():
    shapes = []
    for case in me.LINEAR_BACKWARD.cases:
        dout, x, w = case.inputs
        n, d = x.shape
        m = w.shape[1]
        assert dout.shape == (n, m) and w.shape[0] == d
        assert len({n, d, m}) == 3, case.description  # a missing transpose changes a shape
        shapes.append(n)
    assert 1 in shapes and max(shapes) > 1


def test_tanh_cases_expose_bugs():
    rows = []
    for case in me.TANH_BACKWARD.cases:
        dout, h = case.inputs
        assert dout.shape == h.shape and h.shape[0] != h.shape[1]
        assert np.all(np.abs(h) < 1)
        rows.append(h.shape[0])
    assert 1 in rows and max(rows) > 1
    assert max(np.abs(case.inputs[1]).max() for case in me.TANH_BACKWARD.cases) > 0.99


def test_network_cases_expose_bugs():
    batches = []
    for case in me.MLP_GRADIENTS.cases:
        params, x, y = case.inputs
        n, d = x.shape
        hidden, classes = params["W2"].shape
        assert params["W1"].shape == (d, hidden)
        assert len({n, d, hidden, classes}) == 4, case.description
        assert y.dtype.kind == "i" and y.min() >= 0 and y.max() < classes
        if n > 1:
            assert len(set(y)) > 1  # a one-hot matrix mixed up with its transpose shows
        assert np.all(params["b1"] != 0) and np.all(params["b2"] != 0)
        batches.append(n)
    assert 1 in batches and max(batches) > 1


# ------------------------------------------------ mistakes written the student's way

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
     "not 1 - h (chapter 5"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, slope=lambda a, h: 1 / np.cosh(h) ** 2),
     "h already is tanh(a)"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, slope=lambda a, h: 1 - a * a),
     "puts the pre-activation where tanh(a) belongs"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, slope=lambda a, h: np.ones_like(h)),
     "the tanh layer's slope is missing"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, transpose_w2=True),
     "the gradient of W2 is transposed"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, transpose_w1=True),
     "the gradient of W1 is transposed"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, transpose_w1=True, transpose_w2=True),
     "both transposed"),
    ("mlp_gradients", lambda p, x, y: matrix_form(p, x, y, dh=lambda dz, W2: dz @ W2),
     "dz @ W2 is missing a transpose"),
    ("mlp_gradients", lambda p, x, y: matrix_form(p, x, y, dh=lambda dz, W2: dz),
     "must come back through W2"),
    ("mlp_gradients", lambda p, x, y: matrix_form(p, x, y, bias_axis=(0, 1)),
     "summed over axis 1"),
    ("mlp_gradients", lambda p, x, y: by_index(p, x, y, bias_axis=1), "summed over axis 1"),
]


@pytest.mark.parametrize("name, wrong, phrase", STUDENT_MISTAKES,
                         ids=[f"{name}-{phrase[:30]}" for name, _, phrase in STUDENT_MISTAKES])
def test_student_mistake_gets_its_targeted_message(name, wrong, phrase):
    assert_rejected_with(CHECKERS[name][0], wrong, phrase)


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


@pytest.mark.parametrize("name, right", STUDENT_CORRECT,
                         ids=[name for name, _ in STUDENT_CORRECT])
def test_other_correct_formulations_pass(name, right):
    feedback = CHECKERS[name][0](right)
    assert feedback, str(feedback)


# --------------------------------------------------------- several returned arrays

def test_linear_single_array_instead_of_three():
    assert verdict("linear_backward", lambda dout, x, w: dout @ w.T) == (
        "not yet right: your function returns a single ndarray, but 3 are expected: return "
        "dx, dw, db, in this order.")


def test_linear_two_values_instead_of_three():
    assert "returns 2 values, but 3 are expected" in verdict(
        "linear_backward", lambda dout, x, w: (dout @ w.T, x.T @ dout))


def test_linear_part_that_is_none():
    assert verdict("linear_backward", lambda dout, x, w: (dout @ w.T, x.T @ dout, None)) == (
        "not yet right: db is NoneType, but an array of floats is expected.")


def test_linear_part_with_an_unregistered_wrong_shape():
    text = verdict("linear_backward",
                   lambda dout, x, w: (dout @ w.T, x.T @ dout, dout.sum(0, keepdims=True)))
    assert "on a batch of N=4, D=3, M=5, expected shape (5,) for db, got (1, 5)." in text
    assert "There is an extra axis" in text


def test_linear_part_with_a_wrong_value_is_named():
    text = verdict("linear_backward", lambda dout, x, w: (dout @ w.T, x.T @ dout,
                                                          dout.sum(0) + 0.5 * np.eye(len(w.T))[2]))
    assert re.fullmatch(r"not yet right: on a batch of N=4, D=3, M=5, entry \[2\] of db is "
                        r"\S+ but should be \S+ \(the largest difference, 0\.5\)\.", text), text


def test_linear_part_with_nan_is_named():
    def nan_in_dw(dout, x, w):
        dw = x.T @ dout
        dw[1, 2] = np.nan
        return dout @ w.T, dw, dout.sum(0)

    text = verdict("linear_backward", nan_in_dw)
    assert text.startswith("not yet right: on a batch of N=4, D=3, M=5, your function "
                           "returns nan in dw at [1, 2].")


def test_unregistered_matmul_error_gets_a_transpose_hint():
    text = verdict("linear_backward", lambda dout, x, w: (dout @ w.T, x @ dout, dout.sum(0)))
    assert "your function raised ValueError: matmul" in text
    assert "the inner sizes of a matrix product must agree" in text


def test_network_missing_key_and_wrong_container():
    text = verdict("mlp_gradients", lambda p, x, y: {"dW1": 0, "db1": 0})
    assert text == ("not yet right: the dict your function returns has no key 'W1' (its "
                    "keys: 'dW1', 'db1'); it needs the keys W1, b1, W2, b2.")
    text = verdict("mlp_gradients", lambda p, x, y: tuple(mlp_backward(
        mlp_forward(p, x, y)[1]).values()))
    assert text == ("not yet right: your function returns tuple, but a dict with the keys "
                    "W1, b1, W2, b2 is expected.")


def test_network_wrong_value_names_the_parameter():
    def b2_off(p, x, y):
        grads = with_gradlab_layers(p, x, y)
        grads["b2"] = grads["b2"] + 0.25
        return grads

    text = verdict("mlp_gradients", b2_off)
    assert "on a batch of N=5 with 3 inputs, 7 hidden units, 4 classes, entry [" in text
    assert "] of b2 is" in text


def test_network_extra_keys_are_ignored():
    def with_extra(p, x, y):
        return {**with_gradlab_layers(p, x, y), "x": np.zeros_like(x)}

    assert check_mlp_gradients(with_extra)


@pytest.mark.parametrize("name", CHECKERS)
def test_returning_none(name):
    assert verdict(name, lambda *args: None) == RETURNS_NONE


@pytest.mark.parametrize("name", CHECKERS)
def test_raising_is_reported_not_raised(name):
    def raises(*args):
        raise ValueError("shapes do not match")

    exercise = CHECKERS[name][1]
    assert verdict(name, raises) == (f"not yet right: on {exercise.cases[0].description}, "
                                     f"your function raised ValueError: shapes do not match")


@pytest.mark.parametrize("name, position", [("linear_backward", 1), ("tanh_backward", 0),
                                            ("mlp_gradients", 1)])
def test_changing_an_input_in_place(name, position):
    exercise = CHECKERS[name][1]

    def mutates(*args):
        result = exercise.reference(*args)
        args[position][...] = 0
        return result

    argument = exercise.arg_names[position]
    assert f"your function changed its input {argument} in place" in verdict(name, mutates)


def test_numerical_gradient_is_compared_for_every_part():
    # A checker whose reference had a wrong bias gradient must not call a match correct.
    def wrong_reference(dout, x, w):
        dx, dw, db = me.LINEAR_BACKWARD.reference(dout, x, w)
        return dx, dw, 2 * db

    broken = fw.Exercise(name="linear_backward", arg_names=("dout", "x", "w"),
                         reference=wrong_reference, cases=me.LINEAR_BACKWARD.cases,
                         returns="tuple", parts=me.LINEAR_PARTS)
    text = str(fw.check(broken, wrong_reference))
    assert text.startswith("not yet right: matches the reference on 3 inputs but not the "
                           "numerical gradient")


def test_case_inputs_are_not_changed_by_checking():
    before = [[np.copy(v) if isinstance(v, np.ndarray) else {k: a.copy() for k, a in v.items()}
               for v in case.inputs] for case in me.MLP_GRADIENTS.cases]
    check_mlp_gradients(me.MLP_GRADIENTS.reference)
    for case, saved in zip(me.MLP_GRADIENTS.cases, before):
        np.testing.assert_array_equal(case.inputs[0]["W1"], saved[0]["W1"])
        np.testing.assert_array_equal(case.inputs[1], saved[1])


def test_no_warnings_leak_and_feedback_is_deterministic(recwarn):
    huge = lambda dout, h: dout * np.exp(1e4 * h)  # overflows
    first = verdict("tanh_backward", huge)
    assert first == verdict("tanh_backward", huge)
    assert len(recwarn) == 0


# ------------------------------------------------------------- the exercise notebook

def test_notebook_solutions_pass_their_checkers():
    # As in the notebook: the setup cell's imports, solutions run in order (5.3 calls the
    # functions of 5.1 and 5.2).
    checkers = {name: checker for name, (checker, _) in CHECKERS.items()}
    checked = run_solutions(NOTEBOOK, {"np": np, "softmax": softmax}, checkers)
    assert set(checked) == set(CHECKERS)


def test_notebook_stubs_setup_and_checker_outputs():
    notebook = nbformat.read(ROOT / NOTEBOOK, as_version=4)
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    setup = next(code for code in sources if code.startswith("import numpy as np"))
    assert "from gradlab.softmax import softmax" in setup  # exercise 5.3 uses it
    for number, name in enumerate(CHECKERS, start=1):
        assert any(re.search(rf"^def {name}\(", code, re.MULTILINE)
                   and f'raise NotImplementedError("Exercise 5.{number}")' in code
                   for code in sources), name
        assert any(code.strip() == f"check_{name}({name})" for code in sources), name
    checks = [cell for cell in notebook.cells
              if cell.cell_type == "code" and cell.source.startswith("check_")]
    assert len(checks) == 3
    for cell in checks:
        assert cell.outputs, f"{NOTEBOOK} was not executed"
        assert "not attempted yet" in cell.outputs[0]["data"]["text/plain"]
    assert (ROOT / NOTEBOOK).stat().st_size < 2_000_000


def test_pen_and_paper_neuron_numbers():
    y_in, w, desired, rate = np.array([2.0, -1.0, 1.0]), np.array([0.5, 1.0, 0.0]), 0.0, 2.0

    def step(dE_dz):
        z = float(sigmoid(w @ y_in))
        grad = dE_dz(z) * z * (1 - z) * y_in
        w_new = w - rate * grad
        z_new = float(sigmoid(w_new @ y_in))
        return z, grad, w_new, w_new @ y_in, z_new, 0.5 * (desired - z_new) ** 2

    z, grad, w_new, p_new, z_new, error_new = step(lambda z: z - desired)
    assert w @ y_in == 0 and z == 0.5 and 0.5 * (desired - z) ** 2 == Fraction(1, 8)
    np.testing.assert_allclose(grad, [1 / 4, -1 / 8, 1 / 8], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w_new, [0.0, 1.25, -0.25], rtol=0, atol=1e-15)
    assert p_new == pytest.approx(-1.5, abs=1e-15)
    assert f"{z_new:.4f}" == "0.1824" and f"{error_new:.4f}" == "0.0166"
    _, _, w_slip, p_slip, z_slip, error_slip = step(lambda z: desired - z)
    np.testing.assert_allclose(w_slip, [1.0, 0.75, 0.25], rtol=0, atol=1e-15)
    assert p_slip == pytest.approx(1.5, abs=1e-15)
    assert f"{z_slip:.4f}" == "0.8176" and f"{error_slip:.4f}" == "0.3342"
    assert error_slip / 0.125 == pytest.approx(2.67, abs=0.01)  # "almost triples"
    assert f"{np.exp(-1.5):.4f}" == "0.2231"
    text = markdown(NOTEBOOK)
    for claim in [r"\frac{1}{8}", r"\left(\frac{1}{4}, -\frac{1}{8}, \frac{1}{8}\right)",
                  "(0, 1.25, -0.25)", "-1.5", "0.1824", "0.0166", "(1, 0.75, 0.25)", "0.8176",
                  "0.3342", "0.2231"]:
        assert claim in text, claim


def test_pen_and_paper_shapes():
    N, D, H, C = 50, 64, 32, 10
    params = init_mlp(D, H, C, seed=0)
    x, y = np.zeros((N, D)), np.arange(N) % C
    assert sum(value.size for value in params.values()) == 2410
    _, (cache_1, h, cache_2, cache_loss) = mlp_forward(params, x, y)
    dz = cross_entropy_backward(cache_loss)
    dh, dW2, db2 = linear_backward(dz, cache_2)
    dx, dW1, db1 = linear_backward(tanh_backward(dh, h), cache_1)
    shapes = {"W1": params["W1"].shape, "h": h.shape, "W2": params["W2"].shape,
              "dz": dz.shape, "dW2": dW2.shape, "db2": db2.shape, "dh": dh.shape,
              "dW1": dW1.shape, "db1": db1.shape, "dx": dx.shape}
    assert shapes == {"W1": (64, 32), "h": (50, 32), "W2": (32, 10), "dz": (50, 10),
                      "dW2": (32, 10), "db2": (10,), "dh": (50, 32), "dW1": (64, 32),
                      "db1": (32,), "dx": (50, 64)}
    # Part 4: with N = C = 10 the wrong-axis bias sum of the output layer has b2's length.
    small = np.zeros((10, C))
    assert small.sum(axis=1).shape == params["b2"].shape
    assert np.zeros((10, H)).sum(axis=1).shape != params["b1"].shape
    text = markdown(NOTEBOOK)
    for claim in ["(64, 32)", "(32, 10)", "(50, 32)", "(50, 10)", "(10, 32)", "(50, 64)",
                  "(32, 64)", "(64, 50)", "(32, 50)", "2048 + 32 + 320 + 10 = 2410"]:
        assert claim in text, claim


def test_feedback_points_to_sections_that_exist():
    r"""Every "(chapter 5, 'Section')" in a message names a heading of chapter 5."""
    chapter_headings = headings(CHAPTER)
    texts = [mistake.message for _, exercise in CHECKERS.values()
             for mistake in exercise.mistakes]
    pointers = [section for text in texts for section in re.findall(r"chapter 5, '([^']+)'", text)]
    assert len(pointers) >= 20
    for section in pointers:
        assert any(heading.startswith(section) for heading in chapter_headings), section
    sections = [" ".join(section.split())  # a section name may wrap onto the next line
                for section in re.findall(r"\*([A-Z][^*]+)\*", markdown(NOTEBOOK))]
    assert "The linear layer on a batch" in sections
    for section in sections:
        assert any(heading.startswith(section) for heading in chapter_headings), section
