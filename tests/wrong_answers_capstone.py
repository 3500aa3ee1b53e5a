r"""Answers a student might write for chapter 6 (the capstone): wrong ones, each
with the phrase its feedback must contain (``STUDENT_MISTAKES``:
registered mistakes written another way; ``UNREGISTERED``: slips no
mistake describes, whose feedback must name none), and correct
formulations the checkers must accept (``STUDENT_CORRECT``)."""

from __future__ import annotations

import numpy as np

from gradlab.layers import SGD



def update_every_parameter(model, learning_rate, scale=1.0):
    for layer in model.layers:
        for key in layer.params:
            layer.params[key] -= scale * learning_rate * layer.grads[key]


def relu_by_loops(dout, x):
    dx = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        if x[index] >= 0:
            dx[index] = dout[index]
    return dx


def accuracy_by_loop(logits, y):
    right = 0
    for row, label in zip(logits, y):
        if list(row).index(max(row)) == label:
            right += 1
    return right


def step_with_merged_dict_no_zero(model, loss_fn, x, y, learning_rate):
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for name, value in model.params.items():
        value -= learning_rate * model.grads[name]
    return loss


def step_with_optimizer_but_no_zero(model, loss_fn, x, y, learning_rate):
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    SGD(model, learning_rate).step()
    return loss


def step_uphill_by_hand(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for layer in model.layers:
        for key in layer.params:
            layer.params[key] = layer.params[key] + learning_rate * layer.grads[key]
    return loss


def step_summed_loss(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward(len(x)))  # the gradient of the summed loss
    update_every_parameter(model, learning_rate)
    return loss


def step_weights_by_name(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for layer in model.layers:
        if "w" in layer.params:
            layer.params["w"] -= learning_rate * layer.grads["w"]
    return loss


def step_reporting_new_loss(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    update_every_parameter(model, learning_rate)
    return loss_fn.forward(model.forward(x), y)


def step_updating_before_backward_of_the_layer(model, loss_fn, x, y, learning_rate):
    # By hand, the classic slip: the linear layer is updated, then dx uses its new weights.
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    dout = loss_fn.backward()
    linear = model.layers[-1]
    features, w, _ = linear.cache
    dw, db = features.T @ dout, dout.sum(axis=0)
    linear.params["w"] -= learning_rate * dw
    linear.params["b"] -= learning_rate * db
    dout = dout @ linear.params["w"].T                     # WRONG: the updated w
    for layer in reversed(model.layers[:-1]):
        dout = layer.backward(dout)
    for layer in model.layers[:-1]:
        for key in layer.params:
            layer.params[key] -= learning_rate * layer.grads[key]
    return loss


STUDENT_MISTAKES = [
    ("relu_backward", relu_by_loops, "use x > 0, not x >= 0"),
    ("relu_backward", lambda dout, x: np.where(dout > 0, dout, 0.0), "you applied the ReLU to dout"),
    ("relu_backward", lambda dout, x: np.heaviside(x, 0.0), "the local derivative 1[x > 0] alone"),
    ("relu_backward", lambda dout, x: dout * x.clip(min=0), "not by its derivative"),
    ("accuracy", accuracy_by_loop, "the number of correct predictions"),
    ("accuracy", lambda logits, y: np.mean(logits.argmax(1) == y) * 100, "a percentage"),
    ("accuracy", lambda logits, y: np.mean(logits.argmax(0) == y), "axis=1"),
    ("accuracy", lambda logits, y: 1 - np.mean(logits.argmax(1) == y), "the error rate"),
    ("accuracy", lambda logits, y: np.mean(np.argmax(logits) == y), "without axis="),
    ("sgd_step", step_with_merged_dict_no_zero, "call model.zero_grad()"),
    ("sgd_step", step_with_optimizer_but_no_zero, "call model.zero_grad()"),
    ("sgd_step", step_uphill_by_hand, "gradient ascent"),
    ("sgd_step", step_summed_loss, "N times too large"),
    ("sgd_step", step_weights_by_name, "the biases did not change"),
    ("sgd_step", step_reporting_new_loss, "you returned the loss after the update"),
    ("sgd_step", step_updating_before_backward_of_the_layer, "already been updated"),
]


def step_with_optimizer(model, loss_fn, x, y, learning_rate):
    optimizer = SGD(model, learning_rate)
    optimizer.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    optimizer.step()
    return loss


def step_layer_by_layer(model, loss_fn, x, y, learning_rate):
    # Each layer is updated right after its own backward pass: its dx was already
    # computed with the old weights, and no earlier layer reads them, so this is correct.
    loss = loss_fn.forward(model.forward(x), y)
    dout = loss_fn.backward()
    for layer in reversed(model.layers):
        layer.zero_grad()
        dout = layer.backward(dout)
        for key in layer.params:
            layer.params[key] = layer.params[key] - learning_rate * layer.grads[key]
    return np.float64(loss)


def step_with_merged_dict(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    grads = model.grads
    for name, value in model.params.items():
        value -= learning_rate * grads[name]
    return np.array(loss)


STUDENT_CORRECT = [
    ("relu_backward", lambda dout, x: np.where(x > 0, dout, 0.0)),
    ("relu_backward", lambda dout, x: dout * np.heaviside(x, 0.0)),
    ("accuracy", lambda logits, y: sum(int(np.argmax(row) == label)
                                       for row, label in zip(logits, y)) / len(y)),
    ("sgd_step", step_with_optimizer),
    ("sgd_step", step_layer_by_layer),
    ("sgd_step", step_with_merged_dict),
    ("sgd_step", lambda *args: step_in_another_order(*args)),
    ("sgd_step", lambda *args: step_with_a_fresh_momentum_optimizer(*args)),
]


def step_in_another_order(model, loss_fn, x, y, learning_rate):
    # forward, backward, update the last layer first, zero the gradients
    # at the end (a fresh model starts with zero gradients)
    loss = float(loss_fn.forward(model.forward(x), y))
    model.backward(loss_fn.backward())
    for layer in reversed(model.layers):
        for key in sorted(layer.params, reverse=True):
            layer.params[key] -= learning_rate * layer.grads[key]
    model.zero_grad()
    return loss


def step_with_a_fresh_momentum_optimizer(model, loss_fn, x, y,
                                         learning_rate):
    # a new optimizer each call: its first step is a plain SGD step
    optimizer = SGD(model, learning_rate, momentum=0.9)
    optimizer.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    optimizer.step()
    return loss




VELOCITY = {}  # a momentum step keeps its velocity here, keyed on the layer


def step_with_hidden_momentum(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for layer in model.layers:
        for key in layer.params:
            velocity = VELOCITY.setdefault((id(layer), key), 0.0)
            velocity = 0.9 * velocity - learning_rate * layer.grads[key]
            VELOCITY[(id(layer), key)] = velocity
            layer.params[key] += velocity
    return loss


STEPS_TAKEN = [0]


def step_with_decaying_rate(model, loss_fn, x, y, learning_rate):
    STEPS_TAKEN[0] += 1
    return step_with_optimizer(model, loss_fn, x, y,
                               learning_rate / STEPS_TAKEN[0])


def step_updating_before_backward(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    update_every_parameter(model, learning_rate)  # the grads are all zero
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    return loss


def step_updating_with_last_gradients(model, loss_fn, x, y, learning_rate):
    update_every_parameter(model, learning_rate)  # last call's gradients
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    return loss


def step_in_float32(model, loss_fn, x, y, learning_rate):
    loss = step_with_optimizer(model, loss_fn, x, y, learning_rate)
    for layer in model.layers:
        for key in layer.params:
            layer.params[key] = layer.params[key].astype(np.float32)
    return loss


def step_with_weight_decay(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    for layer in model.layers:
        for key in layer.params:
            layer.params[key] -= learning_rate * (
                layer.grads[key] + 1e-2 * layer.params[key])
    return loss


def softmax_rows(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def relu_in_place(dout, x):
    dout[x <= 0] = 0.0
    return dout


STUDENT_MISTAKES += [
    ("sgd_step", step_updating_with_last_gradients,
     "you updated the parameters before this step's backward pass"),
]

def step_backward_twice(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    dout = loss_fn.backward()
    model.backward(dout)
    model.backward(dout)  # "to be sure": the gradients add up
    update_every_parameter(model, learning_rate)
    return loss


UNREGISTERED = [
    ("sgd_step", step_backward_twice, "step 1 moved"),
    ("sgd_step", lambda *args: np.float32(step_with_optimizer(*args)),
     "returns the loss as float32"),
    ("accuracy", lambda logits, y: np.sum(logits.argmax(1) == y)
     / logits.shape[1], "returns 1 but the answer is 0.6"),
    ("relu_backward", lambda dout, x: np.maximum(dout, 0) * (x > 0),
     "entry"),
    ("relu_backward", lambda dout, x: np.where(x > 0, 0.0, dout), "entry"),
    ("relu_backward", lambda dout, x: (dout * (x > 0)).astype(np.float32),
     "values of dtype float32"),
    ("relu_backward", relu_in_place, "changed its input dout in place"),
    ("accuracy", lambda logits, y: np.sum(logits.argmax(1) == y) // len(y),
     "your function returns 0 but the answer is 0.6 (your result has dtype "
     "int64)"),
    ("accuracy", lambda logits, y: np.mean(logits.argmin(1) == y),
     "on a batch of N=5, C=3, 3 of 5 right, your function returns"),
    ("accuracy", lambda logits, y: np.mean(
        softmax_rows(logits)[np.arange(len(y)), y] > 0.5), "the answer is"),
    ("accuracy", lambda logits, y: np.float32(np.mean(logits.argmax(1) == y)),
     "values of dtype float32"),
    ("sgd_step", step_with_hidden_momentum, "step 2 moved"),
    ("sgd_step", step_with_decaying_rate, "step 2 moved"),
    ("sgd_step", step_updating_before_backward, "step 1 changed no parameter"),
    ("sgd_step", step_in_float32, "has dtype float32 instead of float64"),
    ("sgd_step", step_with_weight_decay, "step 1 moved"),
]
