r"""Batch normalisation and layer normalisation (training mode) on (N, D).

Both subtract a mean, divide by a standard deviation and then scale and shift:

.. math::

    \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad
    y = \gamma \odot \hat x + \beta .

Batch normalisation takes :math:`\mu` and :math:`\sigma^2` of each feature
(column) over the N samples of the batch; layer normalisation takes them of
each sample (row) over its D features. The variance is the biased one (divide
by the number of entries, not by one less), as in PyTorch's normalisation. In
both, :math:`\gamma` and :math:`\beta` have one entry per feature, shape (D,).

Because the mean and the variance are shared, every entry of :math:`\hat x`
depends on every entry it was averaged with, and the backward pass has three
terms:

.. math::

    \frac{\partial L}{\partial x} = \frac{1}{\sigma}\Big(\bar{\hat x}
    - \operatorname{mean}(\bar{\hat x})
    - \hat x \odot \operatorname{mean}(\bar{\hat x} \odot \hat x)\Big),
    \qquad \bar{\hat x} = \gamma \odot \mathrm{dout},

with the means over the normalised axis and :math:`\sigma = \sqrt{\sigma^2 +
\varepsilon}`. :func:`batchnorm_backward_steps` keeps the teaching form (the
graph of small steps, one local derivative each); a test pins that it agrees
with the compact form.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float, as_float_array, check_dout

DEFAULT_EPS = 1e-5


class NormCache(NamedTuple):
    r"""What the backward pass needs: the input, its normalised form, ..."""

    x: np.ndarray        # the input (N, D)
    x_hat: np.ndarray    # the normalised input (N, D)
    inv_std: np.ndarray  # 1 / sqrt(var + eps): (1, D) batch norm, (N, 1) layer
    gamma: np.ndarray    # the scale (D,)
    eps: float
    axis: int            # averaged over: 0 for batch norm, 1 for layer norm


def _checked(x, gamma, beta, eps, axis: int):
    x = as_float_array(x, "x", ndim=2, layout="(N, D)")
    gamma = as_float_array(gamma, "gamma", ndim=1, layout="(D,)")
    beta = as_float_array(beta, "beta", ndim=1, layout="(D,)")
    eps = as_float(eps, "eps", 0, low_open=True)
    n, d = x.shape
    for name, value in (("gamma", gamma), ("beta", beta)):
        if value.shape[0] != d:
            raise ValueError(f"{name} must have length D={d} (one entry per "
                             f"feature of x of shape {x.shape}), got length "
                             f"{value.shape[0]}")
    if x.shape[axis] < 2:
        what = ("samples (rows) for batch normalisation" if axis == 0
                else "features (columns) for layer normalisation")
        raise ValueError(f"x must have at least 2 {what}, got shape "
                         f"{x.shape}: the mean of one number is that number, "
                         f"so the output would be beta")
    return x, gamma, beta, eps


def _normalise(x, gamma, beta, eps, axis: int) -> tuple[np.ndarray, NormCache]:
    # keepdims: the statistics keep a length-1 axis and broadcast back over it.
    mu = x.mean(axis=axis, keepdims=True)
    # The biased variance: divide by N (or D), not by one less.
    var = ((x - mu) ** 2).mean(axis=axis, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)  # eps inside the root
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, NormCache(x, x_hat, inv_std, gamma, eps, axis)


def _normalise_backward(dout, cache: NormCache):
    dout = check_dout(dout, cache.x.shape)
    x_hat, inv_std, axis = cache.x_hat, cache.inv_std, cache.axis
    # gamma and beta act on every row, so their gradients sum over the rows.
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * cache.gamma
    dx = inv_std * (dx_hat - dx_hat.mean(axis=axis, keepdims=True)
                    - x_hat * (dx_hat * x_hat).mean(axis=axis, keepdims=True))
    return dx, dgamma, dbeta


def batchnorm_forward(x, gamma, beta, eps: float = DEFAULT_EPS
                      ) -> tuple[np.ndarray, NormCache]:
    r"""Batch normalisation in training mode, returning ``(out, cache)``.

    .. math::

        \mu_d = \frac{1}{N}\sum_n x_{nd}, \qquad
        \sigma^2_d = \frac{1}{N}\sum_n (x_{nd} - \mu_d)^2, \qquad
        \mathrm{out}_{nd} = \gamma_d \frac{x_{nd} - \mu_d}{\sqrt{\sigma^2_d +
        \varepsilon}} + \beta_d

    Shapes: ``x`` (N, D) with N >= 2, ``gamma`` (D,), ``beta`` (D,) -> ``out``
    (N, D). The variance is the biased one (divide by N). ``eps`` > 0 sits
    inside the root.
    """
    return _normalise(*_checked(x, gamma, beta, eps, axis=0), axis=0)


def batchnorm_backward(dout, cache: NormCache
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of batch normalisation, by the compact closed form.

    With :math:`\sigma_d = \sqrt{\sigma_d^2 + \varepsilon}` and
    :math:`\bar y` = ``dout``,

    .. math::

        \frac{\partial L}{\partial x_{nd}} = \frac{\gamma_d}{N \sigma_d}
        \Big(N \bar y_{nd} - \sum_{n'} \bar y_{n'd}
        - \hat x_{nd} \sum_{n'} \bar y_{n'd}\, \hat x_{n'd}\Big), \qquad
        \frac{\partial L}{\partial \gamma_d} = \sum_n \bar y_{nd}\, \hat
        x_{nd}, \qquad \frac{\partial L}{\partial \beta_d} = \sum_n \bar y_{nd}

    Shapes: ``dout`` (N, D) -> ``dx`` (N, D), ``dgamma`` (D,), ``dbeta`` (D,).
    """
    return _normalise_backward(dout, cache)


def batchnorm_backward_steps(dout, cache: NormCache
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The same gradients through the graph of small steps (teaching form).

    Forward steps: :math:`\mu`, :math:`c = x - \mu`, :math:`v =
    \operatorname{mean}(c^2)`, :math:`r = (v + \varepsilon)^{-1/2}`,
    :math:`\hat x = c\, r`, :math:`y = \gamma \hat x + \beta`. The backward
    pass visits them in reverse; the gradient of :math:`c` collects two paths,
    directly and through :math:`v`, and the gradient of :math:`x` two more,
    directly and through :math:`\mu`.

    Shapes: as :func:`batchnorm_backward`, which it equals.
    """
    if cache.axis != 0:
        raise ValueError("cache must come from batchnorm_forward, got the "
                         "cache of layernorm_forward (it averages over "
                         "axis 1)")
    dout = check_dout(dout, cache.x.shape)
    x, gamma, eps = cache.x, cache.gamma, cache.eps
    n = x.shape[0]
    mu = x.mean(axis=0)
    c = x - mu
    v = (c ** 2).mean(axis=0)
    r = (v + eps) ** -0.5
    x_hat = c * r
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx_hat = dout * gamma
    dr = (dx_hat * c).sum(axis=0)           # r is shared by the column: sum
    dv = dr * (-0.5) * (v + eps) ** -1.5
    dc = dx_hat * r + dv * 2 * c / n        # two paths: x_hat = c r, and v
    dmu = -dc.sum(axis=0)
    dx = dc + dmu / n                       # two paths: c = x - mu, and mu
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, eps: float = DEFAULT_EPS
                      ) -> tuple[np.ndarray, NormCache]:
    r"""Layer normalisation, returning ``(out, cache)``: row by row.

    .. math::

        \mu_n = \frac{1}{D}\sum_d x_{nd}, \qquad
        \sigma^2_n = \frac{1}{D}\sum_d (x_{nd} - \mu_n)^2, \qquad
        \mathrm{out}_{nd} = \gamma_d \frac{x_{nd} - \mu_n}{\sqrt{\sigma^2_n +
        \varepsilon}} + \beta_d

    Shapes: ``x`` (N, D) with D >= 2 (N may be 1), ``gamma`` (D,), ``beta``
    (D,) -> ``out`` (N, D). The same in training and at test time: no batch
    statistics.
    """
    return _normalise(*_checked(x, gamma, beta, eps, axis=1), axis=1)


def layernorm_backward(dout, cache: NormCache
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of layer normalisation: batch norm's form on the other axis.

    With :math:`g = \gamma \odot \bar y` (row by row) and
    :math:`\sigma_n = \sqrt{\sigma_n^2 + \varepsilon}`,

    .. math::

        \frac{\partial L}{\partial x_{nd}} = \frac{1}{D \sigma_n}
        \Big(D g_{nd} - \sum_{d'} g_{nd'} - \hat x_{nd} \sum_{d'} g_{nd'}\,
        \hat x_{nd'}\Big),

    and ``dgamma``, ``dbeta`` are the column sums of :math:`\bar y \odot \hat
    x` and :math:`\bar y`, as in batch norm. Unlike batch norm, :math:`\gamma`
    varies along the averaged axis, so it stays inside the sums.

    Shapes: ``dout`` (N, D) -> ``dx`` (N, D), ``dgamma`` (D,), ``dbeta`` (D,).
    """
    return _normalise_backward(dout, cache)
