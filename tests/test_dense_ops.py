r"""Properties, stability and input checks of the dense ops (softmax, losses, activations, linear).

The gradient checks themselves run from the registry (``cases_dense.py``, via
``test_gradients.py``). This file pins what a gradient check cannot see.

Hypothesis properties, each on bounded random logits:

1. softmax rows are probability vectors: entries in [0, 1], summing to 1.
2. softmax is shift invariant: softmax(z + c) = softmax(z) for any constant c.
3. the explicit Jacobian J = diag(s) - s s^T is symmetric, its rows sum to 0, it is
   positive semi-definite (eigenvalues >= -1e-12) and its entries lie in [-1/4, 1/4].
4. J has rank n - 1 for n >= 2. Its nonzero eigenvalues interlace with the sorted
   probabilities, so the smallest is at least min(s): the rank is visible numerically
   once no probability is negligible, hence logits in [-5, 5] for this property.
5. softmax_backward(v) equals the vector-Jacobian product v @ softmax_jacobian(z).
6. cross-entropy is non-negative.
7. log_softmax(z) equals log(softmax(z)) wherever softmax(z) is a normal float (where it
   underflows, log(softmax) is -inf or inaccurate, and log_softmax is the one to trust).

Then: stability for logits of magnitude 1e4 (exact values by hand, no warnings), the fused
cross-entropy gradient against the chain nll -> softmax, forward values by hand, integer
input promoted to float64, one row per bad input, and probabilities of exactly 0 in nll.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradlab
from gradlab.activations import (relu_backward, relu_forward, sigmoid, sigmoid_backward,
                                 sigmoid_forward, tanh_backward, tanh_forward)
from gradlab.linear import linear_backward, linear_forward
from gradlab.losses import (bce_with_logits_backward, bce_with_logits_forward,
                            cross_entropy_backward, cross_entropy_forward, mse_backward,
                            mse_forward, nll_backward, nll_forward)
from gradlab.softmax import (log_softmax, softmax, softmax_backward, softmax_forward,
                             softmax_jacobian)


def logits(low=-50.0, high=50.0, shape=None, min_dims=1, max_dims=3, max_side=6):
    shapes = shape if shape is not None else hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)
    return hnp.arrays(np.float64, shapes,
                      elements=st.floats(low, high, allow_nan=False, allow_infinity=False))


vectors = st.integers(1, 8).flatmap(lambda n: logits(shape=(n,)))


@contextmanager
def no_floating_point_trouble():
    r"""Turn every warning into an error, and make numpy raise on overflow, 0/0 and x/0.

    Underflow stays silent: ``exp(-1000) == 0`` is the correct rounded result.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


# ---------------------------------------------------------------- properties (Hypothesis)

@given(logits())
def test_softmax_rows_are_probability_vectors(z):
    s = softmax(z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=0, atol=1e-13)


@given(logits(), st.floats(-100, 100))
def test_softmax_is_shift_invariant(z, c):
    np.testing.assert_allclose(softmax(z + c), softmax(z), rtol=1e-12, atol=1e-300)


@given(vectors)
def test_softmax_jacobian_is_symmetric_psd_with_zero_row_sums(z):
    jac = softmax_jacobian(z)
    assert jac.shape == (z.size, z.size)
    np.testing.assert_array_equal(jac, jac.T)
    np.testing.assert_allclose(jac.sum(axis=1), 0.0, rtol=0, atol=1e-15)
    assert np.linalg.eigvalsh(jac).min() >= -1e-12
    assert np.abs(jac).max() <= 0.25


@given(st.integers(2, 8).flatmap(lambda n: logits(-5.0, 5.0, shape=(n,))))
def test_softmax_jacobian_has_rank_n_minus_1(z):
    eigenvalues = np.linalg.eigvalsh(softmax_jacobian(z))  # ascending
    # One eigenvalue is 0 (up to rounding, ~1e-16); the others are >= min(s) >= 5e-6.
    assert np.abs(eigenvalues[0]) <= 1e-12
    assert eigenvalues[1] >= softmax(z).min() - 1e-12


@given(vectors.flatmap(lambda z: st.tuples(st.just(z), logits(-10, 10, shape=z.shape))))
def test_softmax_backward_is_the_vector_jacobian_product(pair):
    z, v = pair
    _, cache = softmax_forward(z)
    np.testing.assert_allclose(softmax_backward(v, cache), v @ softmax_jacobian(z),
                               rtol=1e-12, atol=1e-13)


@given(st.data())
def test_cross_entropy_is_non_negative(data):
    z = data.draw(logits(shape=hnp.array_shapes(min_dims=2, max_dims=2, max_side=6)))
    y = data.draw(hnp.arrays(np.int64, z.shape[0], elements=st.integers(0, z.shape[1] - 1)))
    loss, _ = cross_entropy_forward(z, y)
    assert loss >= 0


@given(logits(-500.0, 500.0))
def test_log_softmax_equals_log_of_softmax_where_that_is_accurate(z):
    s = softmax(z)
    normal = s >= np.finfo(np.float64).tiny
    np.testing.assert_allclose(log_softmax(z)[normal], np.log(s[normal]),
                               rtol=1e-13, atol=1e-13)


# ---------------------------------------------------------------- stability

def test_logits_of_1e4_give_exact_finite_values():
    z = np.array([1e4, 0.0])
    with no_floating_point_trouble():
        s = softmax(z)
        log_s = log_softmax(z)
        loss_true, _ = cross_entropy_forward(z[None, :], [0])
        loss_wrong, cache = cross_entropy_forward(z[None, :], [1])
        dlogits = cross_entropy_backward(cache)
    np.testing.assert_array_equal(s, [1.0, 0.0])
    np.testing.assert_array_equal(log_s, [0.0, -1e4])
    assert loss_true == 0.0
    assert loss_wrong == 1e4
    np.testing.assert_array_equal(dlogits, [[1.0, -1.0]])


def test_batch_of_large_logits_matches_the_loss_by_hand():
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [0.0, 5e3, 1e4]])
    y = np.array([2, 1, 2])
    expected = (2e4 + np.log(3) + 0.0) / 3  # a 1e4 gap, three equal logits, a 5e3 lead
    with no_floating_point_trouble():
        loss, _ = cross_entropy_forward(z, y)
    assert loss == pytest.approx(expected, rel=1e-15)


def test_softmax_of_1000_and_0_is_exactly_one_and_zero_without_warnings():
    with no_floating_point_trouble():
        s = softmax([1000.0, 0.0])
    assert s.tolist() == [1.0, 0.0]


def test_sigmoid_tanh_and_bce_are_finite_at_1e4():
    a = np.array([1e4, -1e4])
    with no_floating_point_trouble():
        sig, sig_cache = sigmoid_forward(a)
        dsig = sigmoid_backward(np.ones(2), sig_cache)
        th, _ = tanh_forward(a)
        loss, cache = bce_with_logits_forward(a, [0.0, 0.0])
        dlogits = bce_with_logits_backward(cache)
    np.testing.assert_array_equal(sig, [1.0, 0.0])
    np.testing.assert_array_equal(dsig, [0.0, 0.0])  # saturated: no gradient flows
    np.testing.assert_array_equal(th, [1.0, -1.0])
    assert loss == 5e3  # (1e4 + 0) / 2: the first entry is confidently wrong by 1e4
    np.testing.assert_array_equal(dlogits, [0.5, 0.0])


# ---------------------------------------------------------------- fused gradient vs chain

@pytest.mark.parametrize("targets", [np.array([2, 0, 2, 1]),
                                     0.8 * np.eye(3)[[1, 1, 0, 2]] + 0.2 / 3],
                         ids=["labels", "smoothed one-hot"])
def test_fused_cross_entropy_gradient_equals_chain_through_softmax(targets):
    z = np.random.default_rng(1).standard_normal((4, 3))
    loss, fused_cache = cross_entropy_forward(z, targets)
    s, softmax_cache = softmax_forward(z)
    nll_loss, nll_cache = nll_forward(s, targets)
    chained = softmax_backward(nll_backward(nll_cache), softmax_cache)
    assert loss == pytest.approx(nll_loss, rel=1e-13)
    np.testing.assert_allclose(cross_entropy_backward(fused_cache), chained,
                               rtol=1e-12, atol=1e-15)


def test_cross_entropy_gradient_sign_true_class_negative_others_positive():
    _, cache = cross_entropy_forward(np.array([[0.3, -1.2, 2.0, 0.1]]), [1])
    grad = cross_entropy_backward(cache)[0]
    assert grad[1] < 0 and np.all(np.delete(grad, 1) > 0)


# ---------------------------------------------------------------- forward values by hand

def test_forward_values_by_hand():
    np.testing.assert_allclose(softmax([0.0, np.log(3.0)]), [0.25, 0.75], rtol=1e-15)
    np.testing.assert_allclose(softmax_jacobian([0.0, 0.0]), [[0.25, -0.25], [-0.25, 0.25]])
    assert cross_entropy_forward(np.zeros((2, 5)), [4, 0])[0] == pytest.approx(np.log(5))
    assert mse_forward([[1.0, 2.0], [3.0, 4.0]], np.zeros((2, 2)))[0] == 7.5  # 0.5*30/2
    assert nll_forward([[0.5, 0.5], [0.25, 0.75]], [0, 1])[0] == pytest.approx(
        -(np.log(0.5) + np.log(0.75)) / 2)
    np.testing.assert_array_equal(relu_forward([-2.0, 0.0, 3.0])[0], [0.0, 0.0, 3.0])
    assert sigmoid(0.0) == 0.5


def test_labels_and_one_hot_give_the_same_loss_and_gradient():
    z = np.random.default_rng(2).standard_normal((5, 3))
    y = np.array([0, 2, 2, 1, 0])
    loss_labels, cache_labels = cross_entropy_forward(z, y)
    loss_one_hot, cache_one_hot = cross_entropy_forward(z, np.eye(3)[y])
    assert loss_labels == loss_one_hot
    assert loss_labels == pytest.approx(-np.mean(np.log(softmax(z)[np.arange(5), y])))
    np.testing.assert_array_equal(cross_entropy_backward(cache_labels),
                                  cross_entropy_backward(cache_one_hot))


def test_bce_with_logits_matches_the_textbook_formula():
    rng = np.random.default_rng(3)
    a, y = rng.standard_normal((3, 4)), rng.uniform(0, 1, (3, 4))
    p = 1 / (1 + np.exp(-a))
    loss, _ = bce_with_logits_forward(a, y)
    assert loss == pytest.approx(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))),
                                 rel=1e-13)


def test_sigmoid_and_tanh_match_their_definitions():
    x = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sigmoid_forward(x)[0], 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_allclose(tanh_forward(x)[0], np.tanh(x), rtol=0, atol=0)


def test_linear_forward_matches_the_sum_written_out():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((3, 5)), rng.standard_normal((5, 4)), rng.standard_normal(4)
    out, _ = linear_forward(x, w, b)
    by_hand = [[sum(x[n, d] * w[d, m] for d in range(5)) + b[m] for m in range(4)]
               for n in range(3)]
    np.testing.assert_allclose(out, by_hand, rtol=1e-13)
    dx, dw, db = linear_backward(np.ones((3, 4)), linear_forward(x, w, b)[1])
    assert (dx.shape, dw.shape, db.shape) == ((3, 5), (5, 4), (4,))


def test_relu_gradient_at_exactly_zero_is_zero():
    _, cache = relu_forward([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(relu_backward(np.ones(3), cache), [0.0, 0.0, 1.0])


def test_batched_softmax_backward_equals_row_by_row_jacobian():
    rng = np.random.default_rng(5)
    z, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    _, cache = softmax_forward(z)
    rows = [v[i, j] @ softmax_jacobian(z[i, j]) for i in range(2) for j in range(3)]
    np.testing.assert_allclose(softmax_backward(v, cache), np.reshape(rows, (2, 3, 4)),
                               rtol=1e-12, atol=1e-15)


def test_mse_divides_by_the_batch_size_only():
    pred, target = np.ones((2, 3)), np.zeros((2, 3))
    loss, cache = mse_forward(pred, target)
    assert loss == 0.5 * 6 / 2
    np.testing.assert_array_equal(mse_backward(cache), np.full((2, 3), 0.5))


# ---------------------------------------------------------------- integer input

INTEGER_CALLS = {
    "softmax": lambda: softmax(np.array([1, 2, 3])),
    "log_softmax": lambda: log_softmax(np.array([[1, 2], [3, 4]])),
    "softmax_jacobian": lambda: softmax_jacobian(np.array([1, 2, 3])),
    "softmax_forward": lambda: softmax_forward(np.array([[1, 2, 3]]))[0],
    "sigmoid_forward": lambda: sigmoid_forward(np.array([-1, 0, 1]))[0],
    "tanh_forward": lambda: tanh_forward(np.array([-1, 0, 1]))[0],
    "relu_forward": lambda: relu_forward(np.array([-1, 0, 1]))[0],
    "linear_forward": lambda: linear_forward(np.ones((2, 3), int), np.ones((3, 4), int),
                                             np.arange(4))[0],
    "cross_entropy_backward": lambda: cross_entropy_backward(
        cross_entropy_forward(np.array([[1, 2, 3]]), np.array([2]))[1]),
    "nll_backward": lambda: nll_backward(nll_forward(np.array([[0, 1]]), np.array([[0, 1]]))[1]),
    "bce_with_logits_backward": lambda: bce_with_logits_backward(
        bce_with_logits_forward(np.array([1, -2]), np.array([1, 0]))[1]),
    "mse_backward": lambda: mse_backward(mse_forward(np.array([1, 2]), np.array([0, 0]))[1]),
}


@pytest.mark.parametrize("call", INTEGER_CALLS.values(), ids=INTEGER_CALLS.keys())
def test_integer_input_is_promoted_to_float64(call):
    assert call().dtype == np.float64


def test_losses_return_python_floats():
    assert type(cross_entropy_forward(np.array([[1, 2]]), [0])[0]) is float
    assert type(mse_forward([1, 2], [0, 0])[0]) is float


# ---------------------------------------------------------------- bad input

Z43 = np.zeros((4, 3))
P43 = np.full((4, 3), 1 / 3)
_, SOFTMAX_CACHE = softmax_forward(np.zeros((3, 5)))
_, LINEAR_CACHE = linear_forward(np.zeros((3, 5)), np.zeros((5, 4)), np.zeros(4))
_, TANH_CACHE = tanh_forward(np.zeros((2, 3)))

BAD_INPUTS = [
    ("softmax text", softmax, (np.array(["a", "b"]),), TypeError, r"z must be a numeric array"),
    ("softmax scalar", softmax, (3.0,), ValueError, r"z must be an array with at least one"),
    ("softmax nan", softmax, ([1.0, np.nan],), ValueError, r"z must contain only finite"),
    ("jacobian 2-D", softmax_jacobian, (np.zeros((2, 3)),), ValueError,
     r"z must be a 1-D array of n logits, got shape \(2, 3\)"),
    ("softmax_backward dout", softmax_backward, (np.zeros((5, 3)), SOFTMAX_CACHE), ValueError,
     r"dout must have the shape of the forward output \(3, 5\), got \(5, 3\)"),
    ("ce logits 1-D", cross_entropy_forward, (np.zeros(3), [0]), ValueError,
     r"logits must be a 2-D array of shape \(N, C\), got shape \(3,\)"),
    ("ce empty batch", cross_entropy_forward, (np.zeros((0, 3)), np.zeros(0, int)), ValueError,
     r"logits must hold at least one sample"),
    ("ce label count", cross_entropy_forward, (Z43, [0, 1, 2]), ValueError,
     r"y has 3 labels but logits has N=4 rows"),
    ("ce label too large", cross_entropy_forward, (Z43, [0, 1, 3, 0]), ValueError,
     r"y must hold class labels in \[0, 3\) .*C=3 classes, got values from 0 to 3"),
    ("ce label negative", cross_entropy_forward, (Z43, [-1, 0, 1, 2]), ValueError,
     r"y must hold class labels in \[0, 3\) .*got values from -1 to 2"),
    ("ce float labels", cross_entropy_forward, (Z43, [0.5, 1.0, 2.0, 0.0]), TypeError,
     r"y of shape \(N,\) must hold integer class labels, got dtype float64"),
    ("ce bool labels", cross_entropy_forward, (Z43, [True, False, True, True]), TypeError,
     r"y of shape \(N,\) must hold integer class labels, got dtype bool"),
    ("ce one-hot too wide", cross_entropy_forward, (Z43, np.eye(5)[:4]), ValueError,
     r"y of shape \(N, C\) must have the shape of logits \(4, 3\).*got shape \(4, 5\)"),
    ("ce one-hot too few rows", cross_entropy_forward, (Z43, np.eye(3)), ValueError,
     r"y of shape \(N, C\) must have the shape of logits \(4, 3\).*got shape \(3, 3\)"),
    ("ce negative target", cross_entropy_forward,
     (Z43, np.tile([1.5, -0.5, 0.0], (4, 1))), ValueError,
     r"y of shape \(N, C\) must be non-negative .*got a minimum entry of -0.5"),
    ("ce rows not summing to 1", cross_entropy_forward,
     (Z43, np.tile([0.5, 0.2, 0.2], (4, 1))), ValueError,
     r"each row of y .* must sum to 1 .*got row sums from 0.9 to 0.9"),
    ("ce y 3-D", cross_entropy_forward, (Z43, np.zeros((4, 3, 1))), ValueError,
     r"y must be a 1-D or 2-D array of shape \(N,\) of labels or \(N, C\) of targets"),
    ("nll probs above 1", nll_forward, (np.full((4, 3), 1.5), [0, 1, 2, 0]), ValueError,
     r"probs must lie in \[0, 1\], got values from 1.5 to 1.5"),
    ("nll probs negative", nll_forward, (P43 - 0.5, [0, 1, 2, 0]), ValueError,
     r"probs must lie in \[0, 1\]"),
    ("nll label count", nll_forward, (P43, [0, 1]), ValueError,
     r"y has 2 labels but probs has N=4 rows"),
    ("nll label out of range", nll_forward, (P43, [0, 1, 2, 7]), ValueError,
     r"y must hold class labels in \[0, 3\) for probs"),
    ("bce y shape", bce_with_logits_forward, (np.zeros(4), np.zeros(3)), ValueError,
     r"y must have the shape of logits \(4,\), got \(3,\)"),
    ("bce y outside [0,1]", bce_with_logits_forward, (np.zeros(2), [0.0, 2.0]), ValueError,
     r"y must lie in \[0, 1\] .*got values from 0 to 2"),
    ("bce empty", bce_with_logits_forward, (np.zeros((0, 2)), np.zeros((0, 2))), ValueError,
     r"logits must have at least one entry, got shape \(0, 2\)"),
    ("mse target shape", mse_forward, (np.zeros((4, 3)), np.zeros((3, 4))), ValueError,
     r"target must have the shape of pred \(4, 3\), got \(3, 4\)"),
    ("mse scalar pred", mse_forward, (1.0, 1.0), ValueError,
     r"pred must hold at least one sample \(N, \.\.\.\), got shape \(\)"),
    ("mse text target", mse_forward, (np.zeros(2), ["a", "b"]), TypeError,
     r"target must be a numeric array"),
    ("sigmoid text", sigmoid_forward, (["a"],), TypeError, r"x must be a numeric array"),
    ("relu inf", relu_forward, ([1.0, np.inf],), ValueError, r"x must contain only finite"),
    ("tanh_backward dout", tanh_backward, (np.zeros(6), TANH_CACHE), ValueError,
     r"dout must have the shape of the forward output \(2, 3\), got \(6,\)"),
    ("linear x 1-D", linear_forward, (np.zeros(5), np.zeros((5, 4)), np.zeros(4)), ValueError,
     r"x must be a 2-D array of shape \(N, D\), got shape \(5,\)"),
    ("linear w 3-D", linear_forward, (np.zeros((3, 5)), np.zeros((5, 4, 1)), np.zeros(4)),
     ValueError, r"w must be a 2-D array of shape \(D, M\), got shape \(5, 4, 1\)"),
    ("linear D mismatch", linear_forward, (np.zeros((3, 5)), np.zeros((4, 3)), np.zeros(3)),
     ValueError, r"x has D=5 features but w expects 4 \(w has shape \(4, 3\)"),
    ("linear bias length", linear_forward, (np.zeros((3, 4)), np.zeros((4, 3)), np.zeros(4)),
     ValueError, r"b must have length M=3 to match w of shape \(4, 3\), got length 4"),
    ("linear bias 2-D", linear_forward, (np.zeros((3, 4)), np.zeros((4, 3)), np.zeros((1, 3))),
     ValueError, r"b must be a 1-D array of shape \(M,\), got shape \(1, 3\)"),
    ("linear_backward dout", linear_backward, (np.zeros((4, 3)), LINEAR_CACHE), ValueError,
     r"dout must have the shape of the forward output \(3, 4\), got \(4, 3\)"),
]


@pytest.mark.parametrize("function, args, error, message",
                         [row[1:] for row in BAD_INPUTS], ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_is_rejected_with_a_message(function, args, error, message):
    with pytest.raises(error, match=message):
        function(*args)


# ---------------------------------------------------------------- probabilities of exactly 0

def test_nll_with_zero_probability_on_the_true_class_is_inf_not_nan():
    probs = np.array([[0.0, 1.0], [0.5, 0.5]])
    with no_floating_point_trouble():
        loss, cache = nll_forward(probs, [0, 1])
        dprobs = nll_backward(cache)
    assert loss == np.inf
    np.testing.assert_array_equal(dprobs, [[-np.inf, 0.0], [0.0, -1.0]])


def test_nll_with_zero_probability_on_another_class_is_finite():
    with no_floating_point_trouble():
        loss, cache = nll_forward([[0.0, 1.0, 0.0]], [1])
        dprobs = nll_backward(cache)
    assert loss == 0.0
    np.testing.assert_array_equal(dprobs, [[0.0, -1.0, 0.0]])


# ---------------------------------------------------------------- package surface

def test_package_exposes_submodules_and_common_names():
    assert gradlab.softmax.softmax_jacobian is softmax_jacobian
    for module in ("activations", "gradcheck", "linear", "losses", "softmax"):
        assert hasattr(gradlab, module)
    for name in ("log_softmax", "softmax_jacobian", "check_gradient", "numerical_gradient",
                 "rel_error"):
        assert callable(getattr(gradlab, name))


def test_importing_gradlab_does_not_import_plotting_or_widgets():
    code = ("import sys, gradlab; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
