r"""Elementwise activations: sigmoid, tanh and ReLU, each a forward/backward pair.

An elementwise map :math:`y_i = f(x_i)` has a diagonal Jacobian, so its backward pass
is a product entry by entry: :math:`\partial L/\partial x_i = \mathrm{dout}_i \, f'(x_i)`.
Sigmoid and tanh express :math:`f'` through their own output, which is what they cache.

Shapes: ``x`` of any shape; ``out``, ``dout`` and ``dx`` have the shape of ``x``.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_dout


def sigmoid(x) -> np.ndarray:
    r"""The logistic sigmoid :math:`\sigma(x) = 1/(1 + e^{-x})`, without overflow.

    .. math::

        \sigma(x) = \begin{cases} \dfrac{1}{1 + e^{-|x|}} & x \ge 0 \\[1ex]
                    \dfrac{e^{-|x|}}{1 + e^{-|x|}} & x < 0 \end{cases}

    Both branches only ever exponentiate :math:`-|x| \le 0`, so ``x = -1e4`` gives 0
    and ``x = 1e4`` gives 1 with no overflow warning.
    """
    x = as_float_array(x, "x")
    small = np.exp(-np.abs(x))  # in (0, 1]: may underflow to 0, never overflows
    return np.where(x >= 0, 1.0 / (1.0 + small), small / (1.0 + small))


def sigmoid_forward(x) -> tuple[np.ndarray, np.ndarray]:
    r"""Sigmoid, returning ``(out, cache)``; the cache is the output :math:`\sigma(x)`.

    .. math::

        \mathrm{out} = \sigma(x) = \frac{1}{1 + e^{-x}}
    """
    out = sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache: np.ndarray) -> np.ndarray:
    r"""Gradient through the sigmoid, from its cached output :math:`\sigma = \sigma(x)`.

    .. math::

        \frac{\partial L}{\partial x} = \mathrm{dout} \odot \sigma (1 - \sigma)
    """
    out = cache
    dout = check_dout(dout, out.shape)
    return dout * out * (1.0 - out)


def tanh_forward(x) -> tuple[np.ndarray, np.ndarray]:
    r"""Hyperbolic tangent, returning ``(out, cache)``; the cache is the output.

    .. math::

        \mathrm{out} = \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}
    """
    out = np.tanh(as_float_array(x, "x"))
    return out, out


def tanh_backward(dout, cache: np.ndarray) -> np.ndarray:
    r"""Gradient through tanh, from its cached output :math:`\tanh(x)`.

    .. math::

        \frac{\partial L}{\partial x} = \mathrm{dout} \odot \big(1 - \tanh^2(x)\big)

    The square matters: :math:`1 - \tanh(x)` is a common slip.
    """
    out = cache
    dout = check_dout(dout, out.shape)
    return dout * (1.0 - out ** 2)


def relu_forward(x) -> tuple[np.ndarray, np.ndarray]:
    r"""Rectified linear unit, returning ``(out, cache)``; the cache is the input ``x``.

    .. math::

        \mathrm{out} = \max(x, 0)
    """
    x = as_float_array(x, "x")
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache: np.ndarray) -> np.ndarray:
    r"""Gradient through the ReLU: ``dout`` where ``x > 0``, and 0 elsewhere.

    .. math::

        \frac{\partial L}{\partial x} = \mathrm{dout} \odot \mathbb{1}[x > 0]

    At exactly :math:`x = 0` the ReLU has a kink and no derivative; like PyTorch, this
    uses 0 there (any value in :math:`[0, 1]` is a valid subgradient). Gradient checks
    must keep inputs away from 0.
    """
    x = cache
    dout = check_dout(dout, x.shape)
    return dout * (x > 0)
