r"""Chapter 7's ops beyond their gradients (those are in the registry, cases_modern.py).

Properties checked:

- batch norm: every column of x_hat has mean 0 and variance var / (var + eps); the
  output is gamma * x_hat + beta; the graph of small steps and the closed form agree;
- layer norm is batch norm of the transpose (forward and dx, with gamma = 1, beta = 0),
  and each sample's output does not depend on the rest of the batch;
- attention: the forward pass equals the definition written with loops; each row of
  the weights sums to 1; a causal mask gives weights exactly 0 above the diagonal, and
  the gradient reaching a later position from an earlier output row is exactly 0;
- bad input: messages name the argument, the expected and the received value.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradlab.attention import (attention_backward, attention_forward, causal_mask,
                               masked_softmax)
from gradlab.gradcheck import rel_error
from gradlab.normalization import (batchnorm_backward, batchnorm_backward_steps,
                                   batchnorm_forward, layernorm_backward,
                                   layernorm_forward)

rng = np.random.default_rng(7)


def norm_inputs(n, d):
    return (rng.normal(1.0, 2.0, size=(n, d)), rng.normal(size=d), rng.normal(size=d))


# ------------------------------------------------------------------ normalisation

def test_batchnorm_normalises_each_column():
    x, gamma, beta = norm_inputs(6, 3)
    out, cache = batchnorm_forward(x, gamma, beta, eps=1e-3)
    var = x.var(axis=0)
    np.testing.assert_allclose(cache.x_hat.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(cache.x_hat.var(axis=0), var / (var + 1e-3), rtol=1e-12)
    np.testing.assert_allclose(out, gamma * cache.x_hat + beta, rtol=1e-12)


def test_layernorm_normalises_each_row():
    x, gamma, beta = norm_inputs(4, 5)
    _, cache = layernorm_forward(x, gamma, beta)
    var = x.var(axis=1)
    np.testing.assert_allclose(cache.x_hat.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(cache.x_hat.var(axis=1), var / (var + 1e-5), rtol=1e-12)


# With N = 2 and a small eps, dx is almost 0 (x_hat is +-1 whatever x is) and the two
# forms differ by cancellation noise relative to it; eps = 0.5 makes dx of order 1.
@pytest.mark.parametrize("shape, eps", [((5, 3), 1e-5), ((2, 6), 0.5), ((7, 1), 1e-5)])
def test_graph_of_steps_equals_closed_form(shape, eps):
    x, gamma, beta = norm_inputs(*shape)
    dout = rng.normal(size=shape)
    _, cache = batchnorm_forward(x, gamma, beta, eps=eps)
    for steps, closed in zip(batchnorm_backward_steps(dout, cache),
                             batchnorm_backward(dout, cache)):
        assert steps.shape == closed.shape
        assert rel_error(steps, closed) < 1e-13


def test_closed_form_as_written_in_the_docstring():
    x, gamma, beta = norm_inputs(5, 4)
    dout = rng.normal(size=x.shape)
    _, cache = batchnorm_forward(x, gamma, beta)
    n, sigma, x_hat = len(x), np.sqrt(x.var(axis=0) + 1e-5), cache.x_hat
    dx = gamma / (n * sigma) * (n * dout - dout.sum(axis=0)
                                - x_hat * (dout * x_hat).sum(axis=0))
    assert rel_error(batchnorm_backward(dout, cache)[0], dx) < 1e-13


def test_layernorm_is_batchnorm_of_the_transpose():
    x = rng.normal(size=(3, 5))
    dout = rng.normal(size=(3, 5))
    out_l, cache_l = layernorm_forward(x, np.ones(5), np.zeros(5))
    out_b, cache_b = batchnorm_forward(x.T, np.ones(3), np.zeros(3))
    assert rel_error(out_l, out_b.T) < 1e-14
    dx_l = layernorm_backward(dout, cache_l)[0]
    dx_b = batchnorm_backward(dout.T, cache_b)[0]
    assert rel_error(dx_l, dx_b.T) < 1e-13


def test_batchnorm_couples_samples_layernorm_does_not():
    x, gamma, beta = norm_inputs(4, 3)
    changed = x.copy()
    changed[3] += 5.0
    for forward, coupled in ((batchnorm_forward, True), (layernorm_forward, False)):
        before = forward(x, gamma, beta)[0][0]
        after = forward(changed, gamma, beta)[0][0]
        assert (not np.allclose(before, after)) == coupled, forward.__name__


def test_steps_refuse_a_layernorm_cache():
    x, gamma, beta = norm_inputs(3, 4)
    _, cache = layernorm_forward(x, gamma, beta)
    with pytest.raises(ValueError, match="batchnorm_forward"):
        batchnorm_backward_steps(np.ones(x.shape), cache)


def test_integer_input_is_promoted():
    out, _ = batchnorm_forward(np.array([[1, 2], [3, 5]]), np.ones(2), np.zeros(2))
    assert out.dtype == np.float64


@pytest.mark.parametrize("args, kwargs, error, phrase", [
    ((np.ones(4), np.ones(4), np.zeros(4)), {}, ValueError,
     "x must be a 2-D array of shape (N, D), got shape (4,)"),
    ((np.ones((3, 4)), np.ones(3), np.zeros(4)), {}, ValueError,
     "gamma must have length D=4"),
    ((np.ones((3, 4)), np.ones(4), np.zeros(5)), {}, ValueError,
     "beta must have length D=4"),
    ((np.ones((3, 4)), np.ones(4), np.zeros(4)), {"eps": 0.0}, ValueError,
     "eps must be a finite number in (0, inf), got 0.0"),
    ((np.ones((1, 4)), np.ones(4), np.zeros(4)), {}, ValueError,
     "x must have at least 2 samples (rows) for batch normalisation, got shape (1, 4)"),
    ((np.array([["a", "b"]]), np.ones(2), np.zeros(2)), {}, TypeError,
     "x must be a numeric array"),
])
def test_batchnorm_bad_input(args, kwargs, error, phrase):
    with pytest.raises(error) as raised:
        batchnorm_forward(*args, **kwargs)
    assert phrase in str(raised.value)


def test_layernorm_bad_input_and_dout():
    with pytest.raises(ValueError, match=r"at least 2 features \(columns\) for layer "
                                         r"normalisation, got shape \(3, 1\)"):
        layernorm_forward(np.ones((3, 1)), np.ones(1), np.zeros(1))
    _, cache = layernorm_forward(np.arange(6.0).reshape(2, 3), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward "
                                         r"output \(2, 3\), got \(3, 2\)"):
        layernorm_backward(np.ones((3, 2)), cache)


# ------------------------------------------------------------------ attention

def attention_inputs(length=5, d=4, m=3, m_v=2):
    return (rng.normal(size=(length, d)), rng.normal(size=(d, m)),
            rng.normal(size=(d, m)), rng.normal(size=(d, m_v)))


def attention_by_loops(x, w_q, w_k, w_v, mask):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    length, m = q.shape
    out = np.zeros((length, v.shape[1]))
    for i in range(length):
        allowed = [j for j in range(length) if mask[i, j]]
        scores = np.array([q[i] @ k[j] / np.sqrt(m) for j in allowed])
        weights = np.exp(scores) / np.exp(scores).sum()
        out[i] = sum(w * v[j] for w, j in zip(weights, allowed))
    return out


@pytest.mark.parametrize("mask", [None, causal_mask(5)], ids=["full", "causal"])
def test_attention_equals_the_definition(mask):
    arrays = attention_inputs()
    out, cache = attention_forward(*arrays, mask=mask)
    full = np.ones((5, 5), dtype=bool) if mask is None else mask
    assert rel_error(out, attention_by_loops(*arrays, full)) < 1e-14
    np.testing.assert_allclose(cache.a.sum(axis=1), 1.0, rtol=1e-14)


def test_causal_mask_zeroes_weights_and_gradients_from_the_future():
    arrays = attention_inputs(length=6)
    out, cache = attention_forward(*arrays, mask=causal_mask(6))
    assert np.all(cache.a[np.triu_indices(6, 1)] == 0.0)
    dout = np.zeros(out.shape)
    dout[2] = rng.normal(size=out.shape[1])        # only output row 2 matters
    dx = attention_backward(dout, cache)[0]
    assert np.all(dx[3:] == 0.0)                   # later positions get nothing
    assert np.all(np.abs(dx[:3]).sum(axis=1) > 0)  # earlier ones do


def test_masked_softmax_is_stable_for_huge_scores():
    s = np.array([[1000.0, -1000.0], [5e4, 5e4 + 1.0]])
    a = masked_softmax(s, np.array([[True, False], [True, True]]))
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a[0], [1.0, 0.0])
    np.testing.assert_allclose(a[1], [1 / (1 + np.e), np.e / (1 + np.e)])


@pytest.mark.parametrize("change, error, phrase", [
    ({"x": np.ones(5)}, ValueError, "x must be a 2-D array of shape (L, D), got shape (5,)"),
    ({"w_q": np.ones((3, 3))}, ValueError,
     "w_q must have D=4 rows to match x of shape (5, 4), got shape (3, 3)"),
    ({"w_k": np.ones((4, 2))}, ValueError,
     "w_k must have the shape of w_q (4, 3) (queries and keys are compared entry by "
     "entry), got (4, 2)"),
    ({"w_v": np.ones((2, 2))}, ValueError, "w_v must have D=4 rows"),
    ({"mask": np.ones((5, 5))}, TypeError,
     "mask must be a boolean array (True where a query may attend to a key), "
     "got dtype float64"),
    ({"mask": np.ones((5, 4), dtype=bool)}, ValueError,
     "mask must have shape (L, L) = (5, 5), got (5, 4)"),
    ({"mask": np.triu(np.ones((5, 5), dtype=bool), 1)}, ValueError,
     "mask row 4 is all False"),
])
def test_attention_bad_input(change, error, phrase):
    x, w_q, w_k, w_v = attention_inputs()
    arguments = {"x": x, "w_q": w_q, "w_k": w_k, "w_v": w_v, "mask": None, **change}
    with pytest.raises(error) as raised:
        attention_forward(**arguments)
    assert phrase in str(raised.value)


def test_attention_backward_checks_dout_and_causal_mask_length():
    out, cache = attention_forward(*attention_inputs())
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward "
                                         r"output \(5, 2\), got \(2, 5\)"):
        attention_backward(np.ones((2, 5)), cache)
    with pytest.raises(ValueError, match="length must be a positive integer, got 0"):
        causal_mask(0)
