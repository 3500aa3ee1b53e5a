r"""What is specific to the checkers of chapter 5 (the MLP): cases with
all sizes different, functions that return several arrays, the order in
which a wrong network is reported, and the notebook's pen-and-paper
answers."""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from gradlab.activations import sigmoid, tanh_backward
from gradlab.exercises import check
from gradlab.exercises import mlp_exercises as me
from gradlab.linear import linear_backward
from gradlab.losses import cross_entropy_backward
from gradlab.mlp import init_mlp, mlp_backward, mlp_forward, mlp_logits
from tests.exercise_helpers import markdown, verdict
from tests.wrong_answers_mlp import with_gradlab_layers


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


def test_jvp_cases_expose_bugs():
    batches, along_one = [], []
    for case in me.MLP_JVP.cases:
        params, x, y, tangent = case.inputs
        n, d = x.shape
        hidden, classes = params["W2"].shape
        assert params["W1"].shape == (d, hidden)
        assert {k: v.shape for k, v in tangent.items()} == {
            k: v.shape for k, v in params.items()}
        # W1_dot @ x never exists: the registered transposed tangent raises
        assert hidden != n and hidden != d, case.description
        if n > 1:
            assert len({n, d, hidden, classes}) == 4, case.description
            assert len(set(y)) > 1
        moving = [key for key, value in tangent.items() if np.any(value)]
        if len(moving) == 1:
            along_one.append(moving[0])
        else:
            assert all(np.all(value != 0) for value in tangent.values())
        batches.append(n)
    assert 1 in batches and max(batches) > 1
    assert along_one and len(along_one) < len(me.MLP_JVP.cases) - 2


def _case(words):
    return next(case for case in me.MLP_JVP.cases
                if words in case.description)


def test_jvp_saturated_and_large_logit_cases_are_what_they_say():
    params, x, _, _ = _case("saturated").inputs
    A = np.tanh(x @ params["W1"] + params["b1"])
    assert np.mean(np.abs(A) > 0.99) >= 0.3
    params, x, y, _ = _case("logits of magnitude 1000").inputs
    Z2 = mlp_logits(params, x)[0]
    assert 500 < np.abs(Z2).max() < 2000
    with np.errstate(over="ignore"):
        assert np.any(np.isinf(np.exp(Z2)))  # a naive softmax overflows
    rows = np.arange(len(y))
    assert np.any(Z2.max(axis=1) - Z2[rows, y] > 746)  # p_y underflows to 0


def test_jvp_reference_is_the_gradient_dotted_with_the_tangent():
    for case in me.MLP_JVP.cases:
        params, x, y, tangent = case.inputs
        grads = mlp_backward(mlp_forward(params, x, y)[1])
        dotted = sum(np.sum(grads[key] * tangent[key]) for key in grads)
        assert me.MLP_JVP.reference(*case.inputs) == pytest.approx(
            dotted, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("h", [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9])
def test_a_finite_difference_is_no_forward_mode(h):
    # with any fixed step: truncation on the long tangent, rounding on others
    def central(params, x, y, tangent):
        def loss(sign):
            return mlp_forward({key: value + sign * h * tangent[key]
                                for key, value in params.items()}, x, y)[0]
        return (loss(1.0) - loss(-1.0)) / (2 * h)

    text = verdict("mlp_jvp", central)
    assert re.match(r"not yet right: on .*, your function returns \S+ but "
                    r"the answer is \S+\.$", text), text


@pytest.mark.parametrize("wrong, message", [
    (lambda dout, x, w: dout @ w.T,
     "your function returns a single ndarray, but 3 are expected: return "
     "dx, dw, db, in this order."),
    (lambda dout, x, w: (dout @ w.T, x.T @ dout),
     "your function returns 2 values, but 3 are expected: return dx, dw, "
     "db, in this order."),
    (lambda dout, x, w: (dout @ w.T, x.T @ dout, None),
     "db is None, but an array of floats is expected."),
])
def test_linear_returns_three_arrays(wrong, message):
    assert verdict("linear_backward", wrong) == f"not yet right: {message}"


def test_a_wrong_part_is_named():
    text = verdict("linear_backward", lambda dout, x, w: (
        dout @ w.T, x.T @ dout, dout.sum(0) + 0.5 * np.eye(len(w.T))[2]))
    assert re.fullmatch(r"not yet right: on a batch of N=4, D=3, M=5, entry "
                        r"\[2\] of db is \S+ but should be \S+ \(the largest "
                        r"difference, 0\.5\)\.", text), text

    def nan_in_dw(dout, x, w):
        dw = x.T @ dout
        dw[1, 2] = np.nan
        return dout @ w.T, dw, dout.sum(0)

    assert verdict("linear_backward", nan_in_dw).startswith(
        "not yet right: on a batch of N=4, D=3, M=5, your function returns "
        "nan at [1, 2] in dw.")


def test_network_keys_and_container():
    assert verdict("mlp_gradients", lambda p, x, y: {"dW1": 0, "db1": 0}) == (
        "not yet right: the dict your function returns has no key 'b2' (its "
        "keys: 'dW1', 'db1'); it needs the keys b2, W2, b1, W1.")
    assert verdict("mlp_gradients", lambda p, x, y: tuple(mlp_backward(
        mlp_forward(p, x, y)[1]).values())) == (
        "not yet right: your function returns tuple, but a dict with the "
        "keys b2, W2, b1, W1 is expected.")
    assert verdict("mlp_gradients", lambda p, x, y: {
        **with_gradlab_layers(p, x, y), "x": np.zeros_like(x)}).startswith(
        "correct")


def test_a_wrong_network_is_reported_where_the_backward_pass_starts():
    def everything_off(p, x, y):
        return {key: value + 0.25 for key, value in
                with_gradlab_layers(p, x, y).items()}

    assert "] of b2 is" in verdict("mlp_gradients", everything_off)

    def hidden_side_off(p, x, y):
        grads = with_gradlab_layers(p, x, y)
        return {**grads, "W1": grads["W1"] * 2, "b1": grads["b1"] * 2}

    assert "] of b1 is" in verdict("mlp_gradients", hidden_side_off)


def test_the_numerical_gradient_is_compared_for_every_part():
    def wrong_reference(dout, x, w):
        dx, dw, db = me.LINEAR_BACKWARD.reference(dout, x, w)
        return dx, dw, 2 * db

    broken = replace(me.LINEAR_BACKWARD, reference=wrong_reference,
                     mistakes=())
    assert str(check(broken, wrong_reference)).startswith(
        "not yet right: matches the reference on 4 inputs but not the "
        "numerical gradient")


def test_case_inputs_are_not_changed_by_checking():
    saved = [{k: v.copy() for k, v in case.inputs[0].items()}
             for case in me.MLP_GRADIENTS.cases]
    for mistake in me.MLP_GRADIENTS.mistakes[:4]:
        verdict("mlp_gradients", mistake.wrong)
    for case, before in zip(me.MLP_GRADIENTS.cases, saved):
        for key, value in before.items():
            np.testing.assert_array_equal(case.inputs[0][key], value)


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
    text = markdown("exercises", 5)
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
    text = markdown("exercises", 5)
    for claim in ["(64, 32)", "(32, 10)", "(50, 32)", "(50, 10)", "(10, 32)", "(50, 64)",
                  "(32, 64)", "(64, 50)", "(32, 50)", "2048 + 32 + 320 + 10 = 2410"]:
        assert claim in text, claim


