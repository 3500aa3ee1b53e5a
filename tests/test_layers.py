r"""The layer objects of the capstone (gradlab.layers).

Properties checked:

- every parameter of a whole small network (conv -> ReLU -> max-pool -> flatten ->
  linear -> softmax cross-entropy), and its input, against central differences on a
  tiny batch with non-square shapes (N=3, C=2, H=4, W=6, F=5, K=4) and on a batch of 1;
  the inputs are chosen away from the ReLU's kink and from ties in the pooling windows,
  and the test asserts that margin, so the check cannot pass or fail by accident;
- each layer returns what its gradlab function pair returns (no maths of its own), and
  every output and gradient has the documented shape;
- ``backward`` adds to ``grads`` (PyTorch's rule) and ``zero_grad`` resets them;
- the tanh layer, in a small MLP (flatten -> linear -> tanh -> linear) whose every
  parameter and input is checked against central differences (smooth: tolerance 1e-9);
- the SGD update rule, with and without momentum, written out for two steps, in place;
- weight decay: two steps with momentum written out, and the gradient a step applies
  equals central differences of the loss plus the penalty (lambda/2) * ||theta||^2;
- initialisation: deterministic under the seed, He and Glorot variances;
- a few training steps on the digits lower the loss, identically on every run;
- bad input: each error names the argument and what was received.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from gradlab.activations import relu_forward, tanh_backward, tanh_forward
from gradlab.conv import conv2d_backward, conv2d_forward
from gradlab.data import load_digits_split
from gradlab.gradcheck import check_gradient
from gradlab.layers import (SGD, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential,
                            SoftmaxCrossEntropy, Tanh, glorot_normal, he_normal)
from gradlab.linear import linear_backward, linear_forward
from gradlab.losses import cross_entropy_backward, cross_entropy_forward
from gradlab.pooling import max_pool2d_forward

KINK_MARGIN = 1e-4  # central differences with h = 1e-6 never cross a kink this far away


def small_network(seed: int, channels=2, filters=5, classes=4, height=4, width=6):
    rng = np.random.default_rng(seed)
    flat = filters * (height // 2) * (width // 2)
    model = Sequential(Conv2d(channels, filters, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
                       Flatten(), Linear(flat, classes, init="glorot", rng=rng))
    # Non-zero biases, so that a bias gradient summed over the wrong axis cannot hide.
    model.layers[0].params["b"] = 0.3 * rng.standard_normal(filters)
    model.layers[4].params["b"] = 0.3 * rng.standard_normal(classes)
    return model, rng


def assert_away_from_kinks(model, x):
    r"""No pre-activation near 0 and no near-tie for the maximum of a pooling window."""
    pre = conv2d_forward(x, model.layers[0].params["w"], model.layers[0].params["b"],
                         padding=1)[0]
    assert np.min(np.abs(pre)) > KINK_MARGIN
    relu = np.maximum(pre, 0)
    n, f, h, w = relu.shape
    windows = relu.reshape(n, f, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    top_two = np.sort(windows.reshape(n, f, h // 2, w // 2, 4), axis=-1)[..., -2:]
    positive = top_two[..., 1] > 0  # windows that are all zero pass no gradient at all
    assert np.all((top_two[..., 1] - top_two[..., 0])[positive] > KINK_MARGIN)


# ------------------------------------------------------------------ the whole network

@pytest.mark.parametrize("n, seed", [(3, 1), (3, 2), (1, 3)])
def test_every_parameter_of_the_network_matches_central_differences(n, seed):
    model, rng = small_network(seed)
    loss_fn = SoftmaxCrossEntropy()
    x = rng.standard_normal((n, 2, 4, 6))
    y = rng.integers(0, 4, size=n)
    assert_away_from_kinks(model, x)

    model.zero_grad()
    loss_fn.forward(model.forward(x), y)
    dx = model.backward(loss_fn.backward())

    def loss_of(_):
        return loss_fn.forward(model.forward(x), y)

    assert set(model.params) == {"0.w", "0.b", "4.w", "4.b"}
    for name, value in model.params.items():
        assert model.grads[name].shape == value.shape, name
        check_gradient(loss_of, value, model.grads[name], name=f"dL/d{name} (N={n})"
                       ).raise_if_failed()
    check_gradient(loss_of, x, dx, name=f"dL/dx (N={n})").raise_if_failed()


@pytest.mark.parametrize("n, seed", [(3, 21), (1, 22)])
def test_every_parameter_of_a_tanh_mlp_matches_central_differences(n, seed):
    rng = np.random.default_rng(seed)
    model = Sequential(Flatten(), Linear(2 * 3 * 2, 5, init="glorot", rng=rng), Tanh(),
                       Linear(5, 4, init="glorot", rng=rng))
    model.layers[1].params["b"] = 0.3 * rng.standard_normal(5)
    model.layers[3].params["b"] = 0.3 * rng.standard_normal(4)
    loss_fn = SoftmaxCrossEntropy()
    x, y = rng.standard_normal((n, 2, 3, 2)), rng.integers(0, 4, size=n)

    model.zero_grad()
    loss_fn.forward(model.forward(x), y)
    dx = model.backward(loss_fn.backward())
    assert dx.shape == x.shape

    def loss_of(_):
        return loss_fn.forward(model.forward(x), y)

    # Smooth everywhere, so the tight tolerance; h = 1e-5 (near eps ** (1/3), the step that
    # balances rounding, ~eps/h, against truncation, ~h^2) keeps the numerical side below it.
    assert set(model.params) == {"1.w", "1.b", "3.w", "3.b"}
    for name, value in model.params.items():
        check_gradient(loss_of, value, model.grads[name], name=f"dL/d{name} (N={n})",
                       tolerance=1e-9, h=1e-5).raise_if_failed()
    check_gradient(loss_of, x, dx, name=f"dL/dx (N={n})", tolerance=1e-9, h=1e-5
                   ).raise_if_failed()


def test_network_shapes_layer_by_layer():
    model, rng = small_network(0)
    x = rng.standard_normal((3, 2, 4, 6))
    shapes = []
    out = x
    for layer in model:
        out = layer.forward(out)
        shapes.append(out.shape)
    assert shapes == [(3, 5, 4, 6), (3, 5, 4, 6), (3, 5, 2, 3), (3, 30), (3, 4)]
    dout = rng.standard_normal(out.shape)
    for layer, shape in zip(reversed(model.layers), [(3, 30), (3, 5, 2, 3), (3, 5, 4, 6),
                                                     (3, 5, 4, 6), (3, 2, 4, 6)]):
        dout = layer.backward(dout)
        assert dout.shape == shape, type(layer).__name__


# ------------------------------------------------------------------ thin wrappers

def test_layers_return_what_the_function_pairs_return():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 5, 7))
    conv = Conv2d(3, 4, 3, stride=2, padding=1, rng=6)
    conv.params["b"] = rng.standard_normal(4)
    out, cache = conv2d_forward(x, conv.params["w"], conv.params["b"], stride=2, padding=1)
    np.testing.assert_array_equal(conv.forward(x), out)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    np.testing.assert_array_equal(conv.backward(dout), dx)
    np.testing.assert_array_equal(conv.grads["w"], dw)
    np.testing.assert_array_equal(conv.grads["b"], db)

    np.testing.assert_array_equal(ReLU().forward(x), relu_forward(x)[0])
    tanh = Tanh()
    np.testing.assert_array_equal(tanh.forward(x), tanh_forward(x)[0])
    dout = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(tanh.backward(dout), tanh_backward(dout, tanh_forward(x)[1]))
    np.testing.assert_array_equal(MaxPool2d(2, stride=1).forward(x),
                                  max_pool2d_forward(x, 2, stride=1)[0])
    flat = rng.standard_normal((4, 6))
    linear = Linear(6, 3, rng=7)
    out, cache = linear_forward(flat, linear.params["w"], linear.params["b"])
    np.testing.assert_array_equal(linear.forward(flat), out)
    dout = rng.standard_normal((4, 3))
    np.testing.assert_array_equal(linear.backward(dout), linear_backward(dout, cache)[0])

    logits, labels = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    head = SoftmaxCrossEntropy()
    loss, cache = cross_entropy_forward(logits, labels)
    assert head.forward(logits, labels) == loss
    np.testing.assert_array_equal(head.probs, cache[0])
    np.testing.assert_array_equal(head.backward(), cross_entropy_backward(cache))
    np.testing.assert_allclose(head.backward(2.5), 2.5 * cross_entropy_backward(cache))


def test_flatten_round_trip_keeps_row_major_order():
    x = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    flatten = Flatten()
    out = flatten.forward(x)
    assert out.shape == (2, 12)
    np.testing.assert_array_equal(out[1], np.arange(12, 24))
    np.testing.assert_array_equal(flatten.backward(out), x)


def test_backward_accumulates_and_zero_grad_resets():
    rng = np.random.default_rng(8)
    linear = Linear(3, 2, rng=9)
    x, dout = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    linear.forward(x)
    linear.backward(dout)
    once = {key: value.copy() for key, value in linear.grads.items()}
    linear.backward(dout)
    for key in once:
        np.testing.assert_allclose(linear.grads[key], 2 * once[key], rtol=1e-15)
    linear.zero_grad()
    assert all(np.all(grad == 0) for grad in linear.grads.values())
    assert {key: grad.shape for key, grad in linear.grads.items()} == {"w": (3, 2), "b": (2,)}


# ------------------------------------------------------------------ the optimiser

def layer_with_gradients(w, b, dw, db):
    layer = Linear(*w.shape, rng=0)
    layer.params = {"w": w.copy(), "b": b.copy()}
    layer.grads = {"w": dw.copy(), "b": db.copy()}
    return layer


def test_plain_sgd_step_is_theta_minus_eta_gradient():
    rng = np.random.default_rng(10)
    w, b, dw, db = (rng.standard_normal((3, 2)), rng.standard_normal(2),
                    rng.standard_normal((3, 2)), rng.standard_normal(2))
    layer = layer_with_gradients(w, b, dw, db)
    array = layer.params["w"]
    SGD([layer], learning_rate=0.1).step()
    np.testing.assert_allclose(layer.params["w"], w - 0.1 * dw, rtol=1e-15)
    np.testing.assert_allclose(layer.params["b"], b - 0.1 * db, rtol=1e-15)
    assert layer.params["w"] is array  # updated in place: the caches and views stay valid


def test_momentum_two_steps_written_out():
    rng = np.random.default_rng(11)
    w, b = rng.standard_normal((3, 2)), rng.standard_normal(2)
    g1, g2 = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    eta, mu = 0.05, 0.9
    layer = layer_with_gradients(w, b, g1, np.zeros(2))
    optimizer = SGD(Sequential(ReLU(), layer), learning_rate=eta, momentum=mu)
    snapshot = layer.params["w"].copy()
    optimizer.step()
    v1 = -eta * g1
    np.testing.assert_allclose(layer.params["w"], w + v1, rtol=1e-14)
    layer.grads["w"] = g2.copy()
    optimizer.step()
    v2 = mu * v1 - eta * g2
    np.testing.assert_allclose(layer.params["w"], w + v1 + v2, rtol=1e-14)
    np.testing.assert_array_equal(snapshot, w)  # a copy taken earlier is a snapshot
    np.testing.assert_array_equal(layer.params["b"], b)  # zero gradient, no movement


def test_weight_decay_two_steps_with_momentum_written_out():
    rng = np.random.default_rng(13)
    w, b = rng.standard_normal((3, 2)), rng.standard_normal(2)
    g1, g2 = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    eta, mu, lam = 0.05, 0.9, 0.01
    layer = layer_with_gradients(w, b, g1, np.zeros(2))
    optimizer = SGD([layer], learning_rate=eta, momentum=mu, weight_decay=lam)
    optimizer.step()
    v1 = -eta * (g1 + lam * w)
    w1 = w + v1
    np.testing.assert_allclose(layer.params["w"], w1, rtol=1e-14)
    np.testing.assert_allclose(layer.params["b"], b - eta * lam * b, rtol=1e-14)  # biases decay too
    np.testing.assert_array_equal(layer.grads["w"], g1)  # the stored gradient is not changed
    layer.grads["w"] = g2.copy()
    optimizer.step()
    np.testing.assert_allclose(layer.params["w"], w1 + mu * v1 - eta * (g2 + lam * w1), rtol=1e-14)


def test_weight_decay_step_is_the_gradient_of_the_penalised_loss():
    model, rng = small_network(14)
    x, y = rng.standard_normal((3, 2, 4, 6)), np.array([0, 3, 1])
    assert_away_from_kinks(model, x)
    head, eta, lam = SoftmaxCrossEntropy(), 0.1, 0.03
    before = {name: value.copy() for name, value in model.params.items()}

    def penalised_loss(_):
        penalty = sum(np.sum(value ** 2) for value in model.params.values())
        return head.forward(model.forward(x), y) + 0.5 * lam * penalty

    optimizer = SGD(model, learning_rate=eta, weight_decay=lam)
    optimizer.zero_grad()
    head.forward(model.forward(x), y)
    model.backward(head.backward())
    optimizer.step()
    applied = {name: (before[name] - value) / eta for name, value in model.params.items()}
    for name, value in model.params.items():
        value[...] = before[name]  # back to the parameters the step started from
    for name, value in model.params.items():
        check_gradient(penalised_loss, value, applied[name], name=f"step with decay, {name}"
                       ).raise_if_failed()


def test_optimizer_zero_grad_clears_every_layer():
    model, rng = small_network(3)
    x, y = rng.standard_normal((2, 2, 4, 6)), np.array([1, 3])
    head = SoftmaxCrossEntropy()
    head.forward(model.forward(x), y)
    model.backward(head.backward())
    optimizer = SGD(model, learning_rate=0.1)
    assert any(np.any(grad != 0) for grad in model.grads.values())
    optimizer.zero_grad()
    assert all(np.all(grad == 0) for grad in model.grads.values())


# ------------------------------------------------------------------ initialisation

def test_same_seed_same_network_other_seed_other_network():
    first, second, other = small_network(4)[0], small_network(4)[0], small_network(5)[0]
    for name, value in first.params.items():
        np.testing.assert_array_equal(value, second.params[name])
        assert not np.array_equal(value, other.params[name])
    generator = np.random.default_rng(12)
    assert not np.array_equal(Conv2d(1, 2, 3, rng=generator).params["w"],
                              Conv2d(1, 2, 3, rng=generator).params["w"])  # one stream


def test_initial_variances():
    he = he_normal((200, 50, 3, 3), fan_in=50 * 9, rng=0)
    assert he.std() == pytest.approx(np.sqrt(2 / 450), rel=0.01)
    glorot = glorot_normal((400, 300), fan_in=400, fan_out=300, rng=0)
    assert glorot.std() == pytest.approx(np.sqrt(2 / 700), rel=0.01)
    conv = Conv2d(4, 8, 3, rng=1)
    assert np.all(conv.params["b"] == 0)
    linear = Linear(300, 200, init="glorot", rng=2)
    assert linear.params["w"].std() == pytest.approx(np.sqrt(2 / 500), rel=0.02)


# ------------------------------------------------------------------ training

def train_a_little(steps: int = 40):
    x_train, y_train, _, _ = load_digits_split()
    rng = np.random.default_rng(0)
    model = Sequential(Conv2d(1, 4, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2), Flatten(),
                       Linear(64, 10, init="glorot", rng=rng))
    head, optimizer = SoftmaxCrossEntropy(), SGD(model, learning_rate=0.05, momentum=0.9)
    losses = []
    for step in range(steps):
        batch = slice(32 * step, 32 * step + 32)
        optimizer.zero_grad()
        losses.append(head.forward(model.forward(x_train[batch]), y_train[batch]))
        model.backward(head.backward())
        optimizer.step()
    return losses, head.forward(model.forward(x_train[:320]), y_train[:320])


def test_training_lowers_the_loss_and_is_reproducible():
    losses, after = train_a_little()
    assert losses[0] > 2.0  # about log 10 = 2.3 before training
    assert after < 0.4 * losses[0]  # 0.35 on the default split
    again, after_again = train_a_little()
    assert again == losses and after_again == after


# ------------------------------------------------------------------ bad input

def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="Linear.backward was called before forward"):
        Linear(3, 2).backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="call forward\\(logits, y\\) before backward"):
        SoftmaxCrossEntropy().backward()


@pytest.mark.parametrize("make, error, message", [
    (lambda: Conv2d(0, 2, 3), ValueError, "in_channels must be >= 1, got 0"),
    (lambda: Conv2d(1, 2, 3, stride=0), ValueError, "stride must be >= 1, got 0"),
    (lambda: Conv2d(1, 2, 3, padding=-1), ValueError, "padding must be >= 0, got -1"),
    (lambda: Conv2d(1, 2, 2.5), TypeError, "kernel_size must be an integer, got 2.5"),
    (lambda: Linear(3, 2, init="xavier"), ValueError, "init must be 'he' or 'glorot', got 'xavier'"),
    (lambda: SGD([], learning_rate=0), ValueError, "learning_rate must be a finite number in"),
    (lambda: SGD([], learning_rate=0.1, momentum=1.0), ValueError, "momentum must be a finite"),
    (lambda: SGD([], learning_rate=0.1, weight_decay=-0.1), ValueError,
     "weight_decay must be a finite number in [0, inf), got -0.1"),
    (lambda: Sequential(ReLU(), np.eye(2)), TypeError,
     "layer 1 must have forward and backward methods, got ndarray"),
])
def test_bad_construction(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()


def test_bad_forward_input_is_reported_by_the_function_pairs():
    conv = Conv2d(3, 2, 3)
    with pytest.raises(ValueError, match="x has C=1 channels but w expects 3"):
        conv.forward(np.ones((2, 1, 5, 5)))
    with pytest.raises(ValueError, match="x must be a 4-D array of shape \\(N, C, H, W\\)"):
        conv.forward(np.ones((3, 5, 5)))
    with pytest.raises(ValueError, match="x has D=5 features but w expects 4"):
        Linear(4, 2).forward(np.ones((3, 5)))
    with pytest.raises(ValueError, match="x must be a 2-D or 3-D or 4-D or 5-D array"):
        Flatten().forward(np.ones(4))
    with pytest.raises(ValueError, match="labels|y"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3]))
