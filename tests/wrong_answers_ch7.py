r"""Answers a student might write for chapter 7 (batch normalisation, layer
normalisation, self-attention): wrong ones, each with the phrase its
feedback must contain (``STUDENT_MISTAKES``: registered mistakes written
another way; ``UNREGISTERED``: slips no mistake describes, whose feedback
must name none), and correct formulations the checkers must accept
(``STUDENT_CORRECT``)."""

from __future__ import annotations

import numpy as np

from gradlab.normalization import batchnorm_backward_steps, \
    batchnorm_forward, layernorm_backward, layernorm_forward
from gradlab.softmax import softmax

EPS = 1e-5


def bn_steps(dout, x, gamma, *, ddof=0, eps_inside=True, var_path=True,
             mean_path=True):
    r"""A student's backward pass through the small steps, the mean summed
    one sample at a time and the variance from np.var."""
    n = len(x)
    mu = sum(x[i] for i in range(n)) / n
    c = x - mu
    var = np.var(x, axis=0, ddof=ddof)
    std = np.sqrt(var + EPS) if eps_inside else np.sqrt(var) + EPS
    x_hat = c / std
    dx_hat = dout * gamma
    if eps_inside:
        dvar = np.sum(dx_hat * c, axis=0) * -0.5 / (var + EPS) ** 1.5
    else:
        dvar = np.sum(dx_hat * c, axis=0) * -1 / std ** 2 * 0.5 \
            / np.sqrt(var)
    dc = dx_hat / std + (dvar * 2 * c / (n - ddof) if var_path else 0)
    dx = dc - (dc.mean(axis=0) if mean_path else 0)
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def bn_closed(dout, x, gamma, *, sigma=None, count=None, dgamma=None):
    r"""The closed form, as in the notebook's solution; ``sigma`` and
    ``count`` replace the standard deviation and N where a slip puts
    something else."""
    n = len(x) if count is None else count
    c = x - x.mean(axis=0)
    s = np.sqrt((c ** 2).mean(axis=0) + EPS) if sigma is None \
        else sigma(x)
    x_hat = c / s
    dx = gamma / (n * s) * (n * dout - dout.sum(axis=0)
                            - x_hat * (dout * x_hat).sum(axis=0))
    return dx, (dout * x_hat).sum(axis=0) if dgamma is None \
        else dgamma(dout, x_hat), dout.sum(axis=0)


def ln_by_rows(dout, x, gamma, *, gamma_out=False):
    r"""Layer norm one row at a time, batch norm's formula on each."""
    rows = []
    for g_row, x_row in zip(dout, x):
        d = len(x_row)
        sigma = np.sqrt(x_row.var() + EPS)
        x_hat = (x_row - x_row.mean()) / sigma
        g = g_row if gamma_out else g_row * gamma
        dx = (d * g - g.sum() - x_hat * (g * x_hat).sum()) / (d * sigma)
        rows.append(gamma * dx if gamma_out else dx)
    x_hat = (x - x.mean(1, keepdims=True)) \
        / np.sqrt(x.var(1, keepdims=True) + EPS)
    return np.array(rows), (dout * x_hat).sum(0), dout.sum(0)


def ln_transposed(dout, x, gamma):
    r"""Layer norm as batch norm of the transpose (with gamma inside)."""
    xt, gt = x.T, (dout * gamma).T
    d = len(xt)
    c = xt - xt.mean(axis=0)
    sigma = np.sqrt((c ** 2).mean(axis=0) + EPS)
    x_hat = c / sigma
    dx = (d * gt - gt.sum(axis=0) - x_hat * (gt * x_hat).sum(axis=0)) \
        / (d * sigma)
    return dx.T, (dout * x_hat.T).sum(axis=0), dout.sum(axis=0)


def attention_by_loops(dout, x, w_q, w_k, w_v, *, scale=True,
                       dk_swap=False, v_path=True):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    length, m = q.shape
    a = softmax(q @ k.T / np.sqrt(m))
    dv = np.einsum("ij,im->jm", a, dout)
    da = dout @ v.T
    ds = np.zeros_like(a)
    for i in range(length):  # chapter 1's VJP, row by row
        ds[i] = a[i] * (da[i] - da[i] @ a[i])
    c = 1 / np.sqrt(m) if scale else 1.0
    dq = np.einsum("ij,jm->im", ds, k) * c
    dk = np.einsum("ij,jm->im" if dk_swap else "ij,im->jm", ds, q) * c
    dx = dq @ w_q.T + dk @ w_k.T + (dv @ w_v.T if v_path else 0)
    return dx, x.T @ dq, x.T @ dk, x.T @ dv


def attention_with_jacobians(dout, x, w_q, w_k, w_v):
    r"""Each row's softmax Jacobian built in full, diag(a) - a a^T."""
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    m = q.shape[1]
    a = softmax(q @ k.T / np.sqrt(m), axis=-1)
    da = dout @ v.T
    ds = np.stack([(np.diag(row) - np.outer(row, row)) @ d_row
                   for row, d_row in zip(a, da)])
    dq, dk, dv = ds @ k / np.sqrt(m), ds.T @ q / np.sqrt(m), a.T @ dout
    return (dq @ w_q.T + dk @ w_k.T + dv @ w_v.T, x.T @ dq, x.T @ dk,
            x.T @ dv)


def from_library_steps(dout, x, gamma):
    _, cache = batchnorm_forward(x, gamma, np.zeros(x.shape[1]))
    return batchnorm_backward_steps(dout, cache)


def from_library_layernorm(dout, x, gamma):
    _, cache = layernorm_forward(x, gamma, np.zeros(x.shape[1]))
    return layernorm_backward(dout, cache)


def attention_softmax_down_columns(dout, x, w_q, w_k, w_v):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    m = q.shape[1]
    s = q @ k.T / m ** 0.5
    e = np.exp(s - s.max(axis=0))
    a = e / e.sum(axis=0)  # each key's column sums to 1
    da = dout @ v.T
    ds = a * (da - np.sum(da * a, axis=0))
    dq, dk, dv = ds @ k / m ** 0.5, ds.T @ q / m ** 0.5, a.T @ dout
    return (dq @ w_q.T + dk @ w_k.T + dv @ w_v.T, x.T @ dq, x.T @ dk,
            x.T @ dv)


def bn_steps_with_np_cov(dout, x, gamma):
    r"""Unbiased throughout: np.cov divides by N - 1 unless bias=True."""
    n = len(x)
    c = x - x.mean(axis=0)
    var = np.cov(x, rowvar=False).diagonal()
    std = np.sqrt(var + EPS)
    dx_hat = dout * gamma
    dvar = -0.5 * (dx_hat * c).sum(axis=0) * std ** -3
    dc = dx_hat / std + dvar * 2 * c / (n - 1)
    dx = dc - dc.mean(axis=0)
    return dx, (dout * c / std).sum(axis=0), dout.sum(axis=0)


STUDENT_MISTAKES = [
    # exercise 7.1: batch normalisation
    ("batchnorm_backward", lambda *a: bn_steps(*a, ddof=1),
     "the unbiased variance"),
    ("batchnorm_backward", lambda *a: bn_steps(*a, var_path=False),
     "the path through the variance is missing"),
    ("batchnorm_backward", lambda *a: bn_steps(*a, mean_path=False),
     "the path through the mean is missing"),
    ("batchnorm_backward",
     lambda *a: bn_steps(*a, var_path=False, mean_path=False),
     "treated as constants"),
    ("batchnorm_backward", lambda dout, x, gamma: (
        gamma * dout / np.sqrt(x.var(axis=0) + EPS),
        (dout * (x - x.mean(0)) / np.sqrt(x.var(0) + EPS)).sum(0),
        dout.sum(0)), "treated as constants"),
    ("batchnorm_backward", lambda *a: bn_steps(*a, eps_inside=False),
     "eps is outside the square root"),
    ("batchnorm_backward",
     lambda *a: bn_closed(*a, sigma=lambda x: x.std(axis=0) + EPS),
     "eps is outside the square root"),
    ("batchnorm_backward", bn_steps_with_np_cov, "the unbiased variance"),
    ("batchnorm_backward", lambda *a: bn_closed(*a, dgamma=lambda dout, xh:
                                                dout.sum(axis=0)),
     "dgamma is missing the factor x_hat"),
    ("batchnorm_backward", lambda *a: tuple(
        g / (1 if k == 0 else len(a[1]))
        for k, g in enumerate(bn_closed(*a))), "means over the batch"),
    # exercise 7.2: layer normalisation
    ("layernorm_backward", lambda *a: ln_by_rows(*a, gamma_out=True),
     "gamma was taken out of the row sums"),
    ("layernorm_backward", bn_closed,
     "the means were taken over the wrong axis"),
    ("layernorm_backward", lambda dout, x, gamma: (
        ln_by_rows(dout, x, gamma)[0], (dout * (x - x.mean(1, keepdims=True))
                                        / np.sqrt(x.var(1, keepdims=True)
                                                  + EPS)).sum(1),
        dout.sum(1)), "summed over the features (axis 1)"),
    # exercise 7.3: attention
    ("attention_backward", attention_softmax_down_columns,
     "the softmax runs down the columns"),
    ("attention_backward", lambda *a: attention_by_loops(*a, scale=False),
     "missing the factor 1/sqrt(M)"),
    ("attention_backward", lambda *a: attention_by_loops(*a, dk_swap=True),
     "dK = dS @ Q uses dS where its transpose belongs"),
    ("attention_backward", lambda *a: attention_by_loops(*a, v_path=False),
     "dx is missing the path through V"),
]

STUDENT_CORRECT = [
    ("batchnorm_backward", bn_steps),
    ("batchnorm_backward", bn_closed),
    ("batchnorm_backward", from_library_steps),
    ("batchnorm_backward", lambda *a: bn_closed(
        *a, sigma=lambda x: np.sqrt(np.var(x, axis=0, ddof=0) + EPS))),
    ("layernorm_backward", ln_by_rows),
    ("layernorm_backward", ln_transposed),
    ("layernorm_backward", from_library_layernorm),
    ("attention_backward", attention_by_loops),
    ("attention_backward", attention_with_jacobians),
]


# -------------------------------------------------- unregistered slips

def bn_mean_path_on_rows(dout, x, gamma):
    r"""axis=1 typed in one of the three terms."""
    c = x - x.mean(axis=0)
    sigma = np.sqrt((c ** 2).mean(axis=0) + EPS)
    x_hat = c / sigma
    g = dout * gamma
    dx = (g - g.mean(axis=1, keepdims=True)
          - x_hat * (g * x_hat).mean(axis=0)) / sigma
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def bn_in_float32(dout, x, gamma):
    x = x.astype(np.float32)  # "to save memory"
    return bn_closed(dout, x, gamma)


def bn_all_in_float32(dout, x, gamma):
    dout, x, gamma = (a.astype(np.float32) for a in (dout, x, gamma))
    return bn_closed(dout, x, gamma)


def bn_scales_dout_in_place(dout, x, gamma):
    n = len(x)
    dout *= gamma  # now dout is the gradient at x_hat
    c = x - x.mean(axis=0)
    sigma = np.sqrt((c ** 2).mean(axis=0) + EPS)
    x_hat = c / sigma
    dx = (n * dout - dout.sum(axis=0)
          - x_hat * (dout * x_hat).sum(axis=0)) / (n * sigma)
    return dx, (dout / gamma * x_hat).sum(axis=0), (dout / gamma).sum(0)


def ln_centres_x_in_place(dout, x, gamma):
    x -= x.mean(axis=1, keepdims=True)
    return ln_by_rows(dout, x, gamma)


def bn_sigma_from_np_cov(dout, x, gamma):
    r"""sigma from np.cov (unbiased, N - 1), the rest of the closed form
    with N."""
    return bn_closed(dout, x, gamma, sigma=lambda x: np.sqrt(
        np.cov(x, rowvar=False).diagonal() + EPS))


def bn_variance_term_without_1_over_n(dout, x, gamma):
    n = len(x)
    c = x - x.mean(axis=0)
    sigma = np.sqrt((c ** 2).mean(axis=0) + EPS)
    x_hat = c / sigma
    g = dout * gamma
    dx = (g - g.mean(axis=0) - x_hat * (g * x_hat).sum(axis=0)) / sigma
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def ln_mean_without_keepdims(dout, x, gamma):
    c = x - x.mean(axis=1)
    sigma = np.sqrt((c ** 2).mean(axis=1) + EPS)
    return ln_by_rows(dout, c / sigma, gamma)


def attention_scale_on_dq_only(dout, x, w_q, w_k, w_v):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scale = 1 / np.sqrt(q.shape[1])
    a = softmax(q @ k.T * scale)
    dv = a.T @ dout
    da = dout @ v.T
    ds = a * (da - (da * a).sum(axis=1, keepdims=True))
    dq = ds @ k * scale
    dk = ds.T @ q
    dx = dq @ w_q.T + dk @ w_k.T + dv @ w_v.T
    return dx, x.T @ dq, x.T @ dk, x.T @ dv


def attention_scaled_by_sqrt_d(dout, x, w_q, w_k, w_v):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scale = 1 / np.sqrt(x.shape[1])  # D, the width of x, instead of M
    a = softmax(q @ k.T * scale)
    dv = a.T @ dout
    da = dout @ v.T
    ds = a * (da - (da * a).sum(axis=1, keepdims=True))
    dq, dk = ds @ k * scale, ds.T @ q * scale
    dx = dq @ w_q.T + dk @ w_k.T + dv @ w_v.T
    return dx, x.T @ dq, x.T @ dk, x.T @ dv


def attention_dw_q_transposed(dout, x, w_q, w_k, w_v):
    dx, _, dw_k, dw_v = attention_by_loops(dout, x, w_q, w_k, w_v)
    q, k = x @ w_q, x @ w_k
    m = q.shape[1]
    a = softmax(q @ k.T / np.sqrt(m))
    da = dout @ (x @ w_v).T
    ds = a * (da - (da * a).sum(axis=1, keepdims=True))
    dq = ds @ k / np.sqrt(m)
    return dx, dq.T @ x, dw_k, dw_v


def attention_da_without_transpose(dout, x, w_q, w_k, w_v):
    v = x @ w_v
    da = dout @ v
    return da, w_q, w_k, w_v


def attention_weights_over_the_whole_matrix(dout, x, w_q, w_k, w_v):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    m = q.shape[1]
    s = q @ k.T / np.sqrt(m)
    e = np.exp(s - s.max())
    a = e / e.sum()  # no axis: the whole matrix sums to 1
    da = dout @ v.T
    ds = a * (da - (da * a).sum(axis=1, keepdims=True))
    dq, dk, dv = ds @ k / np.sqrt(m), ds.T @ q / np.sqrt(m), a.T @ dout
    return (dq @ w_q.T + dk @ w_k.T + dv @ w_v.T, x.T @ dq, x.T @ dk,
            x.T @ dv)


def bn_remembers_its_statistics(dout, x, gamma, _saved={}):
    r"""The forward statistics kept from the first call of each shape,
    "so that the backward pass need not recompute them"."""
    if x.shape not in _saved:
        c = x - x.mean(axis=0)
        _saved[x.shape] = (x.mean(axis=0),
                           np.sqrt((c ** 2).mean(axis=0) + EPS))
    mu, sigma = _saved[x.shape]
    n = len(x)
    x_hat = (x - mu) / sigma
    dx = gamma / (n * sigma) * (n * dout - dout.sum(axis=0)
                                - x_hat * (dout * x_hat).sum(axis=0))
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def attention_remembers_its_weights(dout, x, w_q, w_k, w_v, _cache={}):
    length = len(x)
    if length not in _cache:
        q, k = x @ w_q, x @ w_k
        _cache[length] = softmax(q @ k.T / np.sqrt(q.shape[1]))
    a = _cache[length]
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    m = q.shape[1]
    da = dout @ v.T
    ds = a * (da - (da * a).sum(axis=1, keepdims=True))
    dq, dk, dv = ds @ k / np.sqrt(m), ds.T @ q / np.sqrt(m), a.T @ dout
    return (dq @ w_q.T + dk @ w_k.T + dv @ w_v.T, x.T @ dq, x.T @ dk,
            x.T @ dv)


UNREGISTERED = [
    ("batchnorm_backward", bn_mean_path_on_rows,
     "on a batch (N=5, D=3), entry"),
    # float32 x meets float64 dout and gamma: the result is float64 again,
    # but x has lost its digits, which the value message shows
    ("batchnorm_backward", bn_in_float32,
     "entry [2, 2] of dx is -2.3825843 but should be -2.382584"),
    ("batchnorm_backward", bn_all_in_float32,
     "dx has dtype float32"),
    ("batchnorm_backward", bn_scales_dout_in_place,
     "your function changed its input dout in place"),
    ("layernorm_backward", ln_centres_x_in_place,
     "your function changed its input x in place"),
    ("batchnorm_backward", bn_sigma_from_np_cov, "entry"),
    ("batchnorm_backward", bn_variance_term_without_1_over_n, "entry"),
    ("layernorm_backward", ln_mean_without_keepdims, "keepdims=True"),
    ("attention_backward", attention_scale_on_dq_only, "of dx is"),
    ("attention_backward", attention_scaled_by_sqrt_d, "of dx is"),
    ("attention_backward", attention_dw_q_transposed,
     "expected shape (3, 2) for dw_q, got (2, 3)"),
    ("attention_backward", attention_da_without_transpose,
     "in attention_da_without_transpose: da = dout @ v"),
    ("attention_backward", attention_weights_over_the_whole_matrix,
     "of dx is"),
    ("attention_backward", lambda *a: tuple(
        np.float32(g) for g in attention_by_loops(*a)),
     "dx has dtype float32"),
    ("batchnorm_backward", bn_remembers_its_statistics,
     ("in another order", "keep something from an earlier call")),
    ("attention_backward", attention_remembers_its_weights,
     "in another order"),
]
