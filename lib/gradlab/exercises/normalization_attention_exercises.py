r"""Checkers for chapter 7, batch normalisation and self-attention.

- ``check_batchnorm_backward(fn)``: ``fn(dout, x, gamma)`` returns the
  gradients ``(dx, dgamma, dbeta)`` of batch normalisation in training
  mode on x (N, D), with eps = 1e-5 inside the square root;
- ``check_layernorm_backward(fn)``: the same for layer normalisation,
  which normalises each row;
- ``check_attention_backward(fn)``: ``fn(dout, x, w_q, w_k, w_v)`` returns
  the gradients ``(dx, dw_q, dw_k, dw_v)`` of one head of scaled
  dot-product self-attention without a mask.

Every mistake is a switch on one by-hand implementation: the two
normalisations share :func:`_norm_by_hand` (statistics down axis 0 or along
axis 1), attention has :func:`_attention_by_hand`.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..attention import attention_backward, attention_forward
from ..gradcheck import numerical_gradient
from ..normalization import (batchnorm_backward, batchnorm_forward,
                             layernorm_backward, layernorm_forward)
from ..softmax import softmax
from ._framework import Case, Exercise, Mistake, checker, described

EPS = 1e-5
NORM_PARTS = ("dx", "dgamma", "dbeta")
ATTENTION_PARTS = ("dx", "dw_q", "dw_k", "dw_v")
SMALL_STEPS = "The backward pass through the graph of small steps"
OTHER_AXIS = "Layer normalisation: the other axis"
CHAIN = "The backward pass as a chain"


def _numerical(forward, arrays: tuple, dout: np.ndarray):
    r"""Central differences of ``sum(dout * forward(*arrays)[0])`` with
    respect to each of ``arrays``."""
    def gradients():
        copies = [a.copy() for a in arrays]
        return tuple(numerical_gradient(lambda _: forward(*copies)[0], v,
                                        dout) for v in copies)
    return gradients


# --------------------------- Exercises 7.1 and 7.2: the normalisations

def _norm_by_hand(dout, x, gamma, *, axis=0, ddof=0, eps_inside=True,
                  eps_derived=False, mean_path=True, var_path=True,
                  gamma_inside=True, dgamma_uses_x_hat=True, reduce=np.sum,
                  params_axis=0):
    r"""dx by the closed form, statistics along ``axis``; the switches
    reproduce the slips."""
    n = x.shape[axis]
    c = x - x.mean(axis=axis, keepdims=True)
    var = (c ** 2).sum(axis=axis, keepdims=True) / (n - ddof)
    sigma = np.sqrt(var + EPS) if eps_inside else np.sqrt(var) + EPS
    # eps_derived: sigma = sqrt(var) + eps differentiated correctly through
    # the steps (d sigma / d var = 1 / (2 sqrt(var))), not only put into
    # the closed form
    stretch = sigma / np.sqrt(var) if eps_derived else 1.0
    x_hat = c / sigma
    g = dout * gamma if gamma_inside else dout
    inner = g
    if mean_path:
        inner = inner - g.mean(axis=axis, keepdims=True)
    if var_path:
        spread = (g * x_hat).sum(axis=axis, keepdims=True) / (n - ddof)
        inner = inner - stretch * x_hat * spread
    dx = inner / sigma if gamma_inside else gamma * inner / sigma
    scaled = dout * x_hat if dgamma_uses_x_hat else dout
    return dx, reduce(scaled, axis=params_axis), reduce(dout,
                                                        axis=params_axis)


def _norm_reference(forward, backward):
    def reference(dout, x, gamma):
        _, cache = forward(x, gamma, np.zeros(x.shape[1]), eps=EPS)
        return backward(dout, cache)
    return reference


def _norm_case(rng, forward, description, x, numerical=True):
    n, d = x.shape
    gamma, dout = rng.normal(size=d), rng.normal(size=(n, d))
    beta = np.zeros(d)  # the gradients do not depend on beta
    return Case(f"{description} ({described(x.shape, 'ND')})",
                (dout, x, gamma), numerical=_numerical(
                    forward, (x, gamma, beta), dout) if numerical else None)


def _batchnorm_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(7701)
    spread = rng.normal(size=(6, 3)) * [1.0, 1e-2, 3.0] + [0.5, 2.0, -1.0]
    return (
        _norm_case(rng, batchnorm_forward, "a batch",
                   rng.normal(1.0, 2.0, size=(5, 3))),
        # With two samples x_hat is +-1 whatever x is, so dx is almost 0
        # and its relative error against central differences is rounding
        # noise: no numerical comparison here (the other three have one).
        _norm_case(rng, batchnorm_forward, "a batch of 2",
                   rng.normal(size=(2, 4)), numerical=False),
        _norm_case(rng, batchnorm_forward, "more features than samples",
                   rng.normal(size=(3, 5))),
        _norm_case(rng, batchnorm_forward, "a feature with a tiny spread, "
                   "variance about 1e-4 (column 1)", spread),
    )


def _layernorm_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(7702)
    spread = rng.normal(size=(3, 5))
    spread[1] = 2.0 + 1e-2 * spread[1]
    return (
        _norm_case(rng, layernorm_forward, "a batch",
                   rng.normal(1.0, 2.0, size=(4, 6))),
        _norm_case(rng, layernorm_forward, "a batch of 1",
                   rng.normal(size=(1, 5))),
        _norm_case(rng, layernorm_forward, "more samples than features",
                   rng.normal(size=(5, 3))),
        _norm_case(rng, layernorm_forward, "a sample with a tiny spread, "
                   "variance about 1e-4 (row 1)", spread),
    )


EPS_OUTSIDE = ("eps is outside the square root: sigma = sqrt(var + eps), "
               "not sqrt(var) + eps. The two differ most where the variance "
               "is tiny, as in one of the checker's inputs")


def _norm_mistakes(axis: int, where: str) -> tuple[Mistake, ...]:
    other = "each row, over the D features" if axis == 0 \
        else "each column, over the N samples"
    # where the chapter derives dgamma and dbeta as sums over the batch
    params = SMALL_STEPS if axis == 0 else OTHER_AXIS
    slips = (
        (dict(mean_path=False, var_path=False),
         f"the mean and the standard deviation were treated as constants: "
         f"they are computed from {where}, so moving one entry moves them "
         f"too, and dx needs the paths through them", "Mistake 1"),
        (dict(var_path=False),
         "the path through the variance is missing: subtracting the mean of "
         "gamma * dout is only half of the correction; the variance also "
         "depends on every entry, which adds - x_hat * mean(gamma * dout * "
         "x_hat)", "Mistake 2"),
        (dict(mean_path=False),
         "the path through the mean is missing: every entry moves the mean, "
         "so dx also loses the mean of gamma * dout", SMALL_STEPS),
        (dict(ddof=1),
         "you used the unbiased variance (divide by the count minus 1, as "
         "np.var(..., ddof=1) or torch.var do by default): the forward pass "
         "normalises with the biased one, dividing by the count",
         "Mistake 3"),
        (dict(eps_inside=False), EPS_OUTSIDE, "Mistake 4"),
        (dict(eps_inside=False, eps_derived=True), EPS_OUTSIDE, "Mistake 4"),
        (dict(axis=1 - axis),
         f"the means were taken over the wrong axis: here they belong to "
         f"{where}, not to {other}", OTHER_AXIS),
        (dict(dgamma_uses_x_hat=False),
         "dgamma is missing the factor x_hat: gamma multiplies x_hat, so "
         "dgamma = (dout * x_hat).sum(axis=0); dout.sum(axis=0) is dbeta",
         params),
        (dict(reduce=np.mean),
         "dgamma and dbeta are means over the batch: gamma and beta act on "
         "every row, so their gradients are sums, (dout * x_hat).sum(axis=0) "
         "and dout.sum(axis=0)", params),
        (dict(params_axis=1),
         "dgamma and dbeta were summed over the features (axis 1): they "
         "have one entry per feature, shape (D,), and sum over the batch "
         "(axis 0)", params),
    )
    return tuple(Mistake(partial(_norm_by_hand, **{"axis": axis, **switches}),
                         message, see) for switches, message, see in slips)


BATCHNORM_BACKWARD = Exercise(
    name="batchnorm_backward", chapter=7, arg_names=("dout", "x", "gamma"),
    reference=_norm_reference(batchnorm_forward, batchnorm_backward),
    reproduces=("normalization.batchnorm_backward",
                "normalization.batchnorm_backward_steps"),
    cases=_batchnorm_cases(), returns="tuple", parts=NORM_PARTS,
    mistakes=_norm_mistakes(0, "each column, over the N samples of the "
                               "batch"))

check_batchnorm_backward = checker(BATCHNORM_BACKWARD, r"""Check
``fn(dout, x, gamma)``: batch norm's ``(dx, dgamma, dbeta)``.""")

LAYERNORM_BACKWARD = Exercise(
    name="layernorm_backward", chapter=7, arg_names=("dout", "x", "gamma"),
    reference=_norm_reference(layernorm_forward, layernorm_backward),
    reproduces=("normalization.layernorm_backward",),
    cases=_layernorm_cases(), returns="tuple", parts=NORM_PARTS,
    mistakes=(
        Mistake(partial(_norm_by_hand, axis=1, gamma_inside=False),
                "gamma was taken out of the row sums, as in batch norm: in "
                "layer norm gamma changes along the row, so the sums run "
                "over gamma * dout", OTHER_AXIS),
        *_norm_mistakes(1, "each row, over its D features"),
    ))

check_layernorm_backward = checker(LAYERNORM_BACKWARD, r"""Check
``fn(dout, x, gamma)``: layer norm's ``(dx, dgamma, dbeta)``.""")


# ------------------------------------- Exercise 7.3: attention_backward

def _attention_by_hand(dout, x, w_q, w_k, w_v, *, softmax_axis=1,
                       vjp_axis=1, full_jacobian=True, scale=True,
                       dk_transposed=False, dv_transposed=True, v_path=True):
    r"""The chain of the chapter; the switches reproduce the slips."""
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    factor = 1 / np.sqrt(q.shape[1]) if scale else 1.0
    a = softmax(q @ k.T / np.sqrt(q.shape[1]), axis=softmax_axis)
    dv = a.T @ dout if dv_transposed else a @ dout
    da = dout @ v.T
    if full_jacobian:
        ds = a * (da - (da * a).sum(axis=vjp_axis, keepdims=True))
    else:
        ds = a * da
    dq = ds @ k * factor
    dk = (ds @ q if dk_transposed else ds.T @ q) * factor
    dx = dq @ w_q.T + dk @ w_k.T + (dv @ w_v.T if v_path else 0.0)
    return dx, x.T @ dq, x.T @ dk, x.T @ dv


def _attention_reference(dout, x, w_q, w_k, w_v):
    return attention_backward(dout, attention_forward(x, w_q, w_k, w_v)[1])


def _attention_case(rng, length, d, m, m_v, note=""):
    arrays = (rng.normal(size=(length, d)), rng.normal(size=(d, m)),
              rng.normal(size=(d, m)), rng.normal(size=(d, m_v)))
    dout = rng.normal(size=(length, m_v))
    sizes = described((length, d, m, m_v), ("L", "D", "M", "M_V"))
    return Case(f"a sequence of {sizes}{note}", (dout, *arrays),
                numerical=_numerical(attention_forward, arrays, dout))


def _attention_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(7703)
    return (_attention_case(rng, 4, 3, 2, 5),
            _attention_case(rng, 5, 4, 3, 2),
            _attention_case(rng, 1, 3, 2, 2,
                            " (one position: every weight is 1)"),
            _attention_case(rng, 3, 2, 4, 6, " (M > D)"))


ATTENTION_BACKWARD = Exercise(
    name="attention_backward", chapter=7,
    arg_names=("dout", "x", "w_q", "w_k", "w_v"),
    reference=_attention_reference,
    reproduces=("attention.attention_backward",),
    cases=_attention_cases(), returns="tuple", parts=ATTENTION_PARTS,
    mistakes=tuple(Mistake(partial(_attention_by_hand, **switches), message,
                           see) for switches, message, see in (
        (dict(softmax_axis=0, vjp_axis=0),
         "the softmax runs down the columns (axis 0): each query's row of "
         "scores is one distribution over the keys, softmax(S, axis=1)",
         "Mistake 5"),
        (dict(vjp_axis=0),
         "the softmax's vector-Jacobian product sums down the columns: each "
         "row of A is its own softmax, so dS = A * (dA - (dA * "
         "A).sum(axis=1, keepdims=True))", "Mistake 5"),
        (dict(full_jacobian=False),
         "dS = A * dA keeps only the diagonal of the softmax's Jacobian: "
         "each row also loses A times the dot product of dA and A, as in "
         "the softmax's vector-Jacobian product", CHAIN),
        (dict(scale=False),
         "dQ and dK are missing the factor 1/sqrt(M): S = Q K^T / sqrt(M), "
         "so the factor reaches both gradients", "Mistake 6"),
        (dict(dk_transposed=True),
         "dK = dS @ Q uses dS where its transpose belongs: S[i, j] pairs "
         "query i with key j, so dK = dS.T @ Q / sqrt(M). The shapes agree, "
         "only the values differ", "Mistake 7"),
        (dict(dv_transposed=False),
         "dV = A @ dout uses A where its transpose belongs: Y = A V, so by "
         "the linear-layer rule dV = A.T @ dout", CHAIN),
        (dict(v_path=False),
         "dx is missing the path through V: x reaches the output through "
         "Q, K and V, so dx = dQ W_Q^T + dK W_K^T + dV W_V^T", "Mistake 8"),
    )))

check_attention_backward = checker(ATTENTION_BACKWARD, r"""Check
``fn(dout, x, w_q, w_k, w_v)``: ``(dx, dw_q, dw_k, dw_v)`` of one
self-attention head.""")
