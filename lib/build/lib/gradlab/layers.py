r"""Layer objects for the capstone: thin wrappers over gradlab's forward/backward pairs.

Each layer keeps the cache of its last :meth:`~Layer.forward` call, so that
:meth:`~Layer.backward` needs only ``dout``. It holds its parameters in the dict
``params`` and their gradients, with the same keys and shapes, in ``grads``. The
mathematics stays in the function pairs (:mod:`gradlab.conv`, :mod:`gradlab.pooling`,
:mod:`gradlab.activations`, :mod:`gradlab.linear`, :mod:`gradlab.losses`); a layer only
stores what they return.

As in PyTorch, ``backward`` *adds* the new gradients to ``grads``, so gradients of
several batches can be summed; call :meth:`~Layer.zero_grad` (or
:meth:`SGD.zero_grad`) before each training step. One step of training reads::

    optimizer.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    optimizer.step()

Shapes use the book's letters: images (N, C, H, W), filters (F, C, HH, WW), features
(N, D) mapped to (N, M); in the loss head, as in :mod:`gradlab.losses`, logits (N, C) for C
classes.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

from ._validate import as_float, as_float_array, as_int
from .activations import relu_backward, relu_forward, tanh_backward, tanh_forward
from .conv import conv2d_backward, conv2d_forward
from .linear import linear_backward, linear_forward
from .losses import cross_entropy_backward, cross_entropy_forward
from .pooling import max_pool2d_backward, max_pool2d_forward


def he_normal(shape: tuple[int, ...], fan_in: int, rng) -> np.ndarray:
    r"""Weights drawn from :math:`\mathcal{N}(0, 2/\text{fan-in})` (He et al., 2015).

    .. math::

        w \sim \mathcal{N}\!\left(0, \frac{2}{\text{fan-in}}\right)

    The factor 2 makes up for the ReLU that follows, which zeroes about half of the
    pre-activations: the variance of the activations then stays about the same from layer
    to layer. ``rng`` is a seed or a ``numpy.random.Generator``.
    """
    fan_in = as_int(fan_in, "fan_in", minimum=1)
    return np.random.default_rng(rng).standard_normal(shape) * np.sqrt(2.0 / fan_in)


def glorot_normal(shape: tuple[int, ...], fan_in: int, fan_out: int, rng) -> np.ndarray:
    r"""Weights drawn from :math:`\mathcal{N}(0, 2/(\text{fan-in} + \text{fan-out}))` (Glorot and Bengio, 2010).

    .. math::

        w \sim \mathcal{N}\!\left(0, \frac{2}{\text{fan-in} + \text{fan-out}}\right)

    A compromise between keeping the forward activations and the backward gradients of
    the same size; the usual choice for a layer with no ReLU after it, such as the last one.
    """
    fan_in, fan_out = as_int(fan_in, "fan_in", minimum=1), as_int(fan_out, "fan_out", minimum=1)
    return np.random.default_rng(rng).standard_normal(shape) * np.sqrt(2.0 / (fan_in + fan_out))


class Layer:
    r"""Base class: no parameters; ``forward`` stores a cache, ``backward`` uses it.

    Subclasses with parameters fill ``params`` and call :meth:`zero_grad`; their
    ``backward`` adds each parameter's gradient to ``grads`` (PyTorch's rule).
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.cache = None

    def zero_grad(self) -> None:
        r"""Set every gradient to zeros of its parameter's shape."""
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}

    def _accumulate(self, **grads: np.ndarray) -> None:
        for key, grad in grads.items():
            self.grads[key] = self.grads[key] + grad

    def _cache(self):
        if self.cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward: "
                               f"run forward first, it stores what backward needs")
        return self.cache

    def __repr__(self) -> str:
        shapes = ", ".join(f"{key} {value.shape}" for key, value in self.params.items())
        return f"{type(self).__name__}({shapes})"


class Conv2d(Layer):
    r"""2-D convolution (cross-correlation) with F filters, He-initialised, zero bias.

    .. math::

        y(n, f, i, j) = \sum_{c, m, k} x_p(n, c,\ i s + m,\ j s + k)\, w(f, c, m, k) + b(f)

    Square kernels (HH = WW = ``kernel_size``); ``stride`` and ``padding`` are ints. Wraps
    :func:`gradlab.conv.conv2d_forward` and :func:`gradlab.conv.conv2d_backward`.

    Shapes: x (N, C, H, W) -> out (N, F, H', W'); params ``w`` (F, C, HH, WW), ``b`` (F,).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, *,
                 stride: int = 1, padding: int = 0, rng: int | np.random.Generator = 0) -> None:
        super().__init__()
        channels = as_int(in_channels, "in_channels", minimum=1)
        filters = as_int(out_channels, "out_channels", minimum=1)
        size = as_int(kernel_size, "kernel_size", minimum=1)
        self.stride = as_int(stride, "stride", minimum=1)
        self.padding = as_int(padding, "padding", minimum=0)
        fan_in = channels * size * size
        self.params = {"w": he_normal((filters, channels, size, size), fan_in, rng),
                       "b": np.zeros(filters)}
        self.zero_grad()

    def forward(self, x) -> np.ndarray:
        out, self.cache = conv2d_forward(x, self.params["w"], self.params["b"],
                                         stride=self.stride, padding=self.padding)
        return out

    def backward(self, dout) -> np.ndarray:
        dx, dw, db = conv2d_backward(dout, self._cache())
        self._accumulate(w=dw, b=db)
        return dx


class ReLU(Layer):
    r"""Elementwise :math:`\max(x, 0)`; its gradient passes ``dout`` where :math:`x > 0`.

    Wraps :func:`gradlab.activations.relu_forward` and ``relu_backward``. Shapes: any.
    """

    def forward(self, x) -> np.ndarray:
        out, self.cache = relu_forward(x)
        return out

    def backward(self, dout) -> np.ndarray:
        return relu_backward(dout, self._cache())


class Tanh(Layer):
    r"""Elementwise :math:`\tanh(x)`; its gradient is ``dout`` times :math:`1 - \tanh^2(x)`.

    Wraps :func:`gradlab.activations.tanh_forward` and ``tanh_backward``. Shapes: any.
    """

    def forward(self, x) -> np.ndarray:
        out, self.cache = tanh_forward(x)
        return out

    def backward(self, dout) -> np.ndarray:
        return tanh_backward(dout, self._cache())


class MaxPool2d(Layer):
    r"""Max pooling of each channel over ``kernel_size`` windows (``stride=None``: side by side).

    Wraps :func:`gradlab.pooling.max_pool2d_forward` and ``max_pool2d_backward``.

    Shapes: x (N, C, H, W) -> out (N, C, H', W').
    """

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x) -> np.ndarray:
        out, self.cache = max_pool2d_forward(x, self.kernel_size, stride=self.stride,
                                             padding=self.padding)
        return out

    def backward(self, dout) -> np.ndarray:
        return max_pool2d_backward(dout, self._cache())


class Flatten(Layer):
    r"""Reshape each sample to a row: (N, C, H, W) -> (N, C·H·W); backward reshapes back.

    A reshape keeps every entry and its row-major position, so its Jacobian is the
    identity: the gradient is ``dout`` reshaped to the input's shape.
    """

    def forward(self, x) -> np.ndarray:
        x = as_float_array(x, "x", ndim=(2, 3, 4, 5), layout="(N, ...)")
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout) -> np.ndarray:
        return np.reshape(dout, self._cache())


class Linear(Layer):
    r"""Affine layer :math:`y = xW + b`, He- or Glorot-initialised, zero bias.

    ``init="he"`` when a ReLU follows, ``"glorot"`` otherwise (for example, the last
    layer before the softmax). Wraps :func:`gradlab.linear.linear_forward` and
    ``linear_backward``.

    Shapes: x (N, D) -> out (N, M); params ``w`` (D, M), ``b`` (M,).
    """

    def __init__(self, in_features: int, out_features: int, *, init: str = "he",
                 rng: int | np.random.Generator = 0) -> None:
        super().__init__()
        d = as_int(in_features, "in_features", minimum=1)
        m = as_int(out_features, "out_features", minimum=1)
        if init == "he":
            w = he_normal((d, m), d, rng)
        elif init == "glorot":
            w = glorot_normal((d, m), d, m, rng)
        else:
            raise ValueError(f"init must be 'he' or 'glorot', got {init!r}")
        self.params = {"w": w, "b": np.zeros(m)}
        self.zero_grad()

    def forward(self, x) -> np.ndarray:
        out, self.cache = linear_forward(x, self.params["w"], self.params["b"])
        return out

    def backward(self, dout) -> np.ndarray:
        dx, dw, db = linear_backward(dout, self._cache())
        self._accumulate(w=dw, b=db)
        return dx


class Sequential:
    r"""Layers applied one after another; backward visits them in reverse.

    .. math::

        \text{out} = f_L(\cdots f_2(f_1(x))), \qquad
        \bar x = J_{f_1}^\top \cdots J_{f_L}^\top\, \overline{\text{out}}

    (each backward call is one vector–Jacobian product). ``params`` and ``grads`` gather
    the layers' dicts under the names ``"<index>.<key>"`` (``"0.w"``, ``"4.b"``); they
    are the layers' own arrays, so an in-place change to one of them changes the layer.
    """

    def __init__(self, *layers: Layer) -> None:
        for index, layer in enumerate(layers):
            if not (hasattr(layer, "forward") and hasattr(layer, "backward")):
                raise TypeError(f"layer {index} must have forward and backward methods, "
                                f"got {type(layer).__name__}")
        self.layers = list(layers)

    def __iter__(self):
        return iter(self.layers)

    def forward(self, x) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout) -> np.ndarray:
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def zero_grad(self) -> None:
        for layer in self.layers:
            layer.zero_grad()

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {f"{i}.{key}": value for i, layer in enumerate(self.layers)
                for key, value in layer.params.items()}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        return {f"{i}.{key}": value for i, layer in enumerate(self.layers)
                for key, value in layer.grads.items()}

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


class SoftmaxCrossEntropy:
    r"""The loss head: softmax of the logits, then the mean cross-entropy.

    .. math::

        L = -\frac{1}{N} \sum_{n} \log \operatorname{softmax}(z_n)_{y_n}, \qquad
        \frac{\partial L}{\partial z} = \frac{P - T}{N}

    Wraps :func:`gradlab.losses.cross_entropy_forward` and ``cross_entropy_backward``.
    After ``forward``, ``probs`` holds the probabilities (N, C).

    Shapes: logits (N, C), y (N,) integer labels -> a float; backward -> dlogits (N, C).
    """

    def __init__(self) -> None:
        self.cache = None

    def forward(self, logits, y) -> float:
        loss, self.cache = cross_entropy_forward(logits, y)
        return loss

    @property
    def probs(self) -> np.ndarray:
        return self._cache()[0]

    def backward(self, dout: float = 1.0) -> np.ndarray:
        r"""Gradient of ``dout`` times the loss with respect to the logits: ``dout (P - T)/N``."""
        return as_float(dout, "dout") * cross_entropy_backward(self._cache())

    def _cache(self):
        if self.cache is None:
            raise RuntimeError("SoftmaxCrossEntropy: call forward(logits, y) before "
                               "backward or probs")
        return self.cache


class SGD:
    r"""Mini-batch gradient descent with momentum and weight decay on the parameters of ``layers``.

    .. math::

        g = \frac{\partial L}{\partial \theta} + \lambda \theta, \qquad
        v \leftarrow \mu v - \eta\, g, \qquad
        \theta \leftarrow \theta + v

    with learning rate :math:`\eta`, momentum :math:`\mu` and weight decay :math:`\lambda`.
    The term :math:`\lambda \theta` is the gradient of the penalty
    :math:`\tfrac{\lambda}{2} \lVert \theta \rVert^2` added to the loss (L2
    regularisation); like PyTorch's ``SGD``, it applies to every parameter, biases included.
    With :math:`\mu = 0` and :math:`\lambda = 0` this is plain SGD,
    :math:`\theta \leftarrow \theta - \eta\, \partial L/\partial \theta`; the velocity
    :math:`v` starts at 0. Without weight decay it is the rule of
    :func:`gradlab.mlp.train_mlp`. ``learning_rate`` is an attribute that may be changed
    between steps (a learning-rate schedule). Parameters are updated in place, so a copy
    taken earlier (``w.copy()``) is a snapshot; ``grads`` are left as they were.
    """

    def __init__(self, layers: Iterable[Layer], learning_rate: float,
                 momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        self.layers = list(layers)
        self.learning_rate = as_float(learning_rate, "learning_rate", 0, low_open=True)
        self.momentum = as_float(momentum, "momentum", 0, 1, high_open=True)
        self.weight_decay = as_float(weight_decay, "weight_decay", 0)
        self.velocity = [{key: np.zeros_like(value) for key, value in layer.params.items()}
                         for layer in self.layers]

    def zero_grad(self) -> None:
        for layer in self.layers:
            layer.zero_grad()

    def step(self) -> None:
        for layer, velocity in zip(self.layers, self.velocity):
            for key, value in layer.params.items():
                grad = layer.grads[key] + self.weight_decay * value
                velocity[key] = self.momentum * velocity[key] - self.learning_rate * grad
                value += velocity[key]
