r"""What is specific to the checkers of chapter 6 (the capstone): cases that
separate, the training step checked through its run hook (several calls on
one model), ``watch_the_loss``, and the notebook's pen-and-paper answers."""

from __future__ import annotations

import copy
import re
from dataclasses import replace

import numpy as np
import pytest

from gradlab.exercises import capstone_exercises as cx
from gradlab.exercises import check, watch_the_loss
from gradlab.layers import SGD, Conv2d, Flatten, Linear, MaxPool2d, ReLU, \
    Sequential
from tests.exercise_helpers import markdown, run_solutions, stub, verdict
from tests.test_layers import assert_away_from_kinks
from tests.wrong_answers_capstone import step_with_optimizer

STEP = cx.SGD_STEP


def test_relu_cases_separate():
    batches, kinks = [], 0
    for case in cx.RELU_BACKWARD.cases:
        dout, x = case.inputs
        assert dout.shape == x.shape and len(set(x.shape)) == x.ndim
        batches.append(x.shape[0])
        kinks += int(np.any(x == 0))
        assert (case.numerical is None) == bool(np.any(x == 0))
    assert kinks == 1 and 1 in batches and max(batches) > 1


def test_accuracy_cases_separate():
    fractions = []
    for case in cx.ACCURACY.cases:
        logits, y = case.inputs
        assert logits.shape[0] != logits.shape[1]
        assert y.shape == (len(logits),)
        top = np.sort(logits, axis=1)
        assert np.all(top[:, -1] - top[:, -2] > 1e-3)  # no ties
        fractions.append((len(y), cx.ACCURACY.reference(logits, y)))
    assert any(n == 1 for n, _ in fractions)
    assert any(n > 1 and f == 1 for n, f in fractions)  # // N gives 1 here
    assert all(f != 0.5 for _, f in fractions)
    # the flattened argmax lands in a row's range of labels somewhere
    assert any(np.mean(np.argmax(case.inputs[0]) == case.inputs[1]) > 0
               for case in cx.ACCURACY.cases)


def test_step_cases_separate():
    sizes = [len(case.inputs[1]) for case in STEP.cases]
    assert sizes[0] > 1 and 1 in sizes  # a step scaled by N shows at once
    for case in STEP.cases:
        seed, x, y, learning_rate = case.inputs
        assert learning_rate != 1
        model = cx.exercise_network(seed)
        assert_away_from_kinks(model, x)
        assert np.all(model.layers[0].params["b"] != 0)
        assert np.all(model.layers[4].params["b"] != 0)
        losses = STEP.run(STEP.reference, case)["loss"]
        assert losses[0] > losses[1] > losses[2]  # the loss falls each step


def test_the_numerical_check_would_catch_a_wrong_reference():
    for mistake in STEP.mistakes[:1] + STEP.mistakes[4:5]:
        broken = replace(STEP, reference=mistake.wrong, mistakes=())
        assert "but not the numerical gradient" in str(check(broken,
                                                             mistake.wrong))


def test_watch_the_loss():
    shown = watch_the_loss(stub)
    assert not shown and str(shown).startswith("not attempted yet: write "
                                               "sgd_step")
    namespace = {"np": np}
    run_solutions(6, namespace)
    log = watch_the_loss(namespace["sgd_step"])
    assert isinstance(log, cx.LossLog) and len(log.losses) == 40
    assert log.losses[-1] < 0.2 * log.losses[0]
    assert str(log).splitlines()[0].startswith("step   1: loss ")


def then(change):
    r"""A correct step followed by ``change(model)``, returning its loss."""
    def step(model, loss_fn, x, y, learning_rate):
        loss = step_with_optimizer(model, loss_fn, x, y, learning_rate)
        return change(model, loss_fn, x, y, loss)
    return step


FIRST = ("not yet right: on a batch of N=6 images (C=2, H=4, W=6, 4 "
         "classes), learning rate 0.1, ")


@pytest.mark.parametrize("step, message", [
    (then(lambda m, f, x, y, loss: [loss]),
     "not yet right: your function returns list, but the loss of the batch, "
     "a single number, is expected: return float(loss)."),
    (then(lambda m, f, x, y, loss: -np.log(f.probs[np.arange(len(y)), y])),
     "not yet right: your function returns ndarray, but the loss of the "
     "batch, a single number, is expected: return float(loss)."),
    (then(lambda m, f, x, y, loss: 0.0),
     FIRST + "step 1 returns the loss 0, but the loss of the batch before "
             "that step's update is 1.46867."),
])
def test_step_messages(step, message):
    assert verdict("sgd_step", step) == message


def test_step_changes_that_are_named():
    def broadcast_bias(model, *rest):
        model.layers[4].params["b"] = model.layers[4].params["b"] \
            + np.zeros((2, 1))
        return rest[-1]

    assert verdict("sgd_step", then(broadcast_bias)) == (
        "not yet right: after step 1, parameter 4.b has shape (2, 4) instead "
        "of shape (4,): each update must have the shape of its parameter "
        "(subtract learning_rate * grad of the same key).")

    def divides_by_zero(model, *rest):
        model.layers[0].params["w"] /= 0.0
        return rest[-1]

    assert "step 1 produced nan or inf" in verdict("sgd_step",
                                                   then(divides_by_zero))

    def frozen_convolution(model, loss_fn, x, y, learning_rate):
        before = model.layers[0].params["w"].copy()
        loss = step_with_optimizer(model, loss_fn, x, y, learning_rate)
        model.layers[0].params["w"][...] = before
        return loss

    assert "step 1 did not change parameter 0.w" in verdict(
        "sgd_step", frozen_convolution)


def test_an_unregistered_step_size_names_the_parameter_and_the_numbers():
    text = verdict("sgd_step", lambda *args: cx._step(
        *args[:4], 1.5 * args[4]))
    assert re.fullmatch(re.escape(FIRST) + r"step 1 moved 0\.w by a wrong "
                        r"amount: the gradient it applied, \(before - after\) "
                        r"/ learning_rate, is \S+ at \[\d, \d, \d, \d\] where "
                        r"the gradient is \S+\.", text), text


def test_an_exception_names_the_step_and_the_line():
    calls = []

    def fails_at_step_2(model, loss_fn, x, y, learning_rate):
        calls.append(1)
        if len(calls) == 2:
            raise KeyError("w")
        return step_with_optimizer(model, loss_fn, x, y, learning_rate)

    text = verdict("sgd_step", fails_at_step_2)
    assert text.startswith(FIRST + "your function raised KeyError: 'w'\nat "
                           "step 2, line ")
    assert text.endswith("in fails_at_step_2: raise KeyError(\"w\")")


def test_a_step_that_assigns_into_the_merged_dict_changes_nothing():
    def assigns_into_merged_dict(model, loss_fn, x, y, learning_rate):
        model.zero_grad()
        loss = loss_fn.forward(model.forward(x), y)
        model.backward(loss_fn.backward())
        for name in model.params:
            model.params[name] = model.params[name] - learning_rate \
                * model.grads[name]
        return loss

    text = verdict("sgd_step", assigns_into_merged_dict)
    assert text.startswith(FIRST + "step 1 changed no parameter")
    assert "model.params is a new dict on every access" in text


def test_pen_and_paper_shapes_and_parameters():
    def network(padding):
        rng = np.random.default_rng(0)
        features = 8 * (3 if padding == 0 else 4) ** 2
        return Sequential(Conv2d(1, 8, 3, padding=padding, rng=rng), ReLU(), MaxPool2d(2),
                          Flatten(), Linear(features, 10, rng=rng))

    model = network(0)
    out, shapes = np.zeros((32, 1, 8, 8)), []
    for layer in model:
        out = layer.forward(out)
        shapes.append(out.shape)
    assert shapes == [(32, 8, 6, 6), (32, 8, 6, 6), (32, 8, 3, 3), (32, 72), (32, 10)]
    sizes = [sum(value.size for value in layer.params.values()) for layer in model]
    assert sizes == [80, 0, 0, 0, 730] and sum(sizes) == 810
    assert 32 * 6 * 6 == 1152
    padded = network(1)
    assert padded.forward(np.zeros((32, 1, 8, 8))).shape == (32, 10)
    assert sum(value.size for value in padded.params.values()) == 1370
    text = markdown("exercises", 6)
    for claim in ["(32, 8, 6, 6)", "(32, 8, 3, 3)", "(32, 72)", "(32, 10)",
                  r"D = 8 \cdot 3 \cdot 3 = 72", "730", "In total 810", "32 \\cdot 36 = 1152",
                  r"D = 8 \cdot 4 \cdot 4 = 128", "128 \\cdot 10 + 10 = 1290", "80 + 1290 = 1370"]:
        assert claim in text, claim


def test_pen_and_paper_momentum():
    layer = Linear(1, 1, rng=0)
    layer.params = {"w": np.ones((1, 1)), "b": np.zeros(1)}
    plain, momentum = copy.deepcopy(layer), copy.deepcopy(layer)
    optimizers = (SGD([plain], learning_rate=0.1), SGD([momentum], learning_rate=0.1,
                                                        momentum=0.9))
    thetas, velocities = [], []
    for _ in range(3):
        for optimizer, net in zip(optimizers, (plain, momentum)):
            net.grads = {"w": np.full((1, 1), 0.5), "b": np.zeros(1)}
            optimizer.step()
        thetas.append((plain.params["w"].item(), momentum.params["w"].item()))
        velocities.append(optimizers[1].velocity[0]["w"].item())
    np.testing.assert_allclose(thetas, [(0.95, 0.95), (0.9, 0.855), (0.85, 0.7195)], atol=1e-15)
    np.testing.assert_allclose(velocities, [-0.05, -0.095, -0.1355], atol=1e-15)
    assert -0.1 * 0.5 / (1 - 0.9) == pytest.approx(-0.5)
    text = markdown("exercises", 6)
    for claim in ["0.95, 0.9, 0.85", "v_1 = -0.05", "-0.095", r"\theta_2 = 0.855", "-0.1355",
                  r"\theta_3 = 0.7195", r"v = -\eta g/(1 - \mu) = -0.5"]:
        assert claim in text, claim


