r"""The checkers of chapter 6's exercises, tested in both directions, and their notebook.

Properties checked, for ``check_relu_backward``, ``check_accuracy`` and ``check_sgd_step``:

- the reference solution passes; the ReLU's gradient and the gradients a training step
  applied, read off the parameters as (before - after) / learning_rate, are confirmed
  against central differences (the verdict quotes the relative error), and the step's
  verdict reports the loss falling;
- the stub is "not attempted yet", also for ``watch_the_loss``;
- every registered mistake is rejected with its own message, and each known mistake
  written the way a student would write it (loops, the merged ``model.params`` dict,
  gradlab's own optimiser, a second forward pass, ...) gets its targeted message;
- other correct formulations pass, among them an update of each layer right after its
  own backward pass, which does not change any gradient;
- generic problems: None, a list, raising, an input changed in place, nan, a wrong shape,
  a parameter that changes shape, a step that changes nothing, an unregistered wrong
  step size or loss, each with its own message; nothing raises out of a checker;
- the cases expose the bugs: batches of 1 and of more, N != C, an input exactly at the
  ReLU's kink, a first step case with N > 1, and the network of the step cases away from
  kinks and ties, so that its numerical check is valid.

And for the notebook: every solution block, executed in order, passes its checker; the
stubs are executed and report "not attempted yet"; with the solution the loss falls on
the digits; the pen-and-paper answers are right; the chapter sections that feedback
points to exist.
"""

from __future__ import annotations

import copy
import re

import nbformat
import numpy as np
import pytest

from gradlab.exercises import (check_accuracy, check_relu_backward, check_sgd_step,
                               watch_the_loss)
from gradlab.exercises import capstone_exercises as cx
from gradlab.layers import SGD, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential
from tests.exercise_helpers import (ROOT, assert_each_mistake_gets_its_message,
                                    assert_not_attempted, assert_rejected_with, feedback_text,
                                    headings, markdown, run_solutions, stub)
from tests.test_layers import assert_away_from_kinks

NOTEBOOK = "exercises/06_capstone_digits.ipynb"
CHAPTER = "chapters/06_capstone_digits.ipynb"
CHECKERS = {
    "relu_backward": check_relu_backward,
    "accuracy": check_accuracy,
    "sgd_step": check_sgd_step,
}
MISTAKES = {
    "relu_backward": cx.RELU_BACKWARD.mistakes,
    "accuracy": cx.ACCURACY.mistakes,
    "sgd_step": cx.SGD_STEP_MISTAKES,
}
REFERENCES = {
    "relu_backward": cx.RELU_BACKWARD.reference,
    "accuracy": cx.ACCURACY.reference,
    "sgd_step": cx.SGD_STEP.reference,
}


def verdict(name, fn) -> str:
    return feedback_text(CHECKERS[name], fn)


def update_every_parameter(model, learning_rate, scale=1.0):
    for layer in model.layers:
        for key in layer.params:
            layer.params[key] -= scale * learning_rate * layer.grads[key]


# ------------------------------------------------------------------ both directions

def test_references_pass():
    relu = verdict("relu_backward", REFERENCES["relu_backward"])
    assert relu.startswith("correct: matches the reference on 4 inputs and the numerical "
                           "gradient (relative error ")
    assert float(re.search(r"relative error (\S+)\)", relu).group(1)) < 1e-8
    assert verdict("accuracy", REFERENCES["accuracy"]) == ("correct: matches the reference "
                                                           "on 4 inputs.")
    step = verdict("sgd_step", REFERENCES["sgd_step"])
    match = re.fullmatch(r"correct: matches the reference on 3 batches \(3 steps each\); the "
                         r"gradients it applied match central differences \(relative error "
                         r"(\S+)\), and the loss fell from (\S+) to (\S+)\.", step)
    assert match, step
    assert float(match.group(1)) < 1e-8
    assert float(match.group(3)) < 0.7 * float(match.group(2))


@pytest.mark.parametrize("name", CHECKERS)
def test_stub_is_not_attempted(name):
    assert_not_attempted(CHECKERS[name])
    shown = watch_the_loss(stub)
    assert not shown and str(shown).startswith("not attempted yet: write sgd_step")


@pytest.mark.parametrize("name", CHECKERS)
def test_every_registered_mistake_gets_its_own_message(name):
    assert_each_mistake_gets_its_message(CHECKERS[name], MISTAKES[name], minimum=6)


# ------------------------------------------------------------------ the cases

def test_relu_cases_expose_bugs():
    batches, kinks = [], 0
    for case in cx.RELU_BACKWARD.cases:
        dout, x = case.inputs
        assert dout.shape == x.shape and len(set(x.shape)) == x.ndim  # no two sizes equal
        batches.append(x.shape[0])
        kinks += int(np.any(x == 0))
        assert (case.numerical is None) == bool(np.any(x == 0))  # no numerical check at a kink
    assert kinks == 1 and 1 in batches and max(batches) > 1


def test_accuracy_cases_expose_bugs():
    fractions = []
    for case in cx.ACCURACY.cases:
        logits, y = case.inputs
        assert logits.shape[0] != logits.shape[1] and y.shape == (len(logits),)
        sorted_rows = np.sort(logits, axis=1)
        assert np.all(sorted_rows[:, -1] - sorted_rows[:, -2] > 1e-3)  # no ties
        fractions.append(cx.ACCURACY.reference(logits, y))
    assert 1 in [case.inputs[0].shape[0] for case in cx.ACCURACY.cases]
    assert len(set(fractions)) == len(fractions) and 0.5 not in fractions


def test_step_cases_expose_bugs():
    sizes = [len(case.x) for case in cx.STEP_CASES]
    assert sizes[0] > 1 and 1 in sizes  # a step scaled by N shows on the first case
    assert all(case.learning_rate != 1 for case in cx.STEP_CASES)
    for case in cx.STEP_CASES:
        model = cx.exercise_network(case.seed)
        assert_away_from_kinks(model, case.x)
        assert np.all(model.layers[0].params["b"] != 0) and np.all(model.layers[4].params["b"] != 0)
        # the reference lowers the loss at every step, on every case
        losses = cx._run_steps(cx._sgd_step_reference, case).losses
        assert losses[0] > losses[1] > losses[2]


def test_the_mistakes_differ_from_the_reference_on_the_first_step_case():
    case = cx.STEP_CASES[0]
    reference = cx._run_steps(cx._sgd_step_reference, case)
    for mistake in cx.SGD_STEP_MISTAKES:
        wrong = cx._run_steps(mistake.wrong, case)
        assert not cx._same_trajectory(wrong, reference, cx.MISTAKE_RTOL, cx.MISTAKE_ATOL), \
            mistake.wrong.__name__


def test_numerical_check_would_catch_a_wrong_reference():
    case = cx.STEP_CASES[0]
    assert cx._numerical_error(cx._run_steps(cx._sgd_step_reference, case), case) < 1e-8
    for wrong in (cx._times_n, cx._ascent, cx._weights_only):
        assert cx._numerical_error(cx._run_steps(wrong, case), case) > 0.1


# ------------------------------------------------ mistakes written the student's way

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
    ("relu_backward", lambda dout, x: np.where(x > 0, 0.0, dout), "the mask is inverted"),
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


@pytest.mark.parametrize("name, wrong, phrase", STUDENT_MISTAKES,
                         ids=[f"{name}-{phrase[:30]}" for name, _, phrase in STUDENT_MISTAKES])
def test_student_mistake_gets_its_targeted_message(name, wrong, phrase):
    assert_rejected_with(CHECKERS[name], wrong, phrase)


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
]


@pytest.mark.parametrize("name, right", STUDENT_CORRECT,
                         ids=[f"{name}-{index}" for index, (name, _) in enumerate(STUDENT_CORRECT)])
def test_other_correct_formulations_pass(name, right):
    feedback = verdict(name, right)
    assert feedback.startswith("correct: "), feedback


# ------------------------------------------------------------------ generic problems

@pytest.mark.parametrize("name", CHECKERS)
def test_returning_none(name):
    assert verdict(name, lambda *args: None).startswith(
        "not yet right: your function returns None: did you forget `return")


@pytest.mark.parametrize("name", CHECKERS)
def test_raising_is_reported_not_raised(name):
    def raises(*args):
        raise ValueError("shapes do not match")

    feedback = verdict(name, raises)
    assert "raised ValueError: shapes do not match" in feedback


def test_passing_a_result_instead_of_the_function():
    assert verdict("sgd_step", 2.3) == ("not yet right: pass your function itself, as in "
                                        "check_sgd_step(sgd_step), not float (the result of "
                                        "calling it).")
    assert "check_accuracy(accuracy)" in verdict("accuracy", 0.9)


def test_changing_an_input_in_place():
    def relu_in_place(dout, x):
        dout[x <= 0] = 0.0
        return dout

    assert "your function changed its input dout in place" in verdict("relu_backward",
                                                                      relu_in_place)

    def step_normalising_x(model, loss_fn, x, y, learning_rate):
        x -= x.mean()
        return cx._sgd_step_reference(model, loss_fn, x, y, learning_rate)

    assert "your function changed its input x in place" in verdict("sgd_step",
                                                                   step_normalising_x)


def test_relu_wrong_shape_and_nan():
    feedback = verdict("relu_backward", lambda dout, x: (dout * (x > 0)).sum(axis=0))
    assert "expected shape (2, 3, 4, 5), got (3, 4, 5)" in feedback
    feedback = verdict("relu_backward", lambda dout, x: dout * (x > 0) / (x > 0))
    assert "your function returns nan" in feedback


def test_accuracy_returning_the_comparison():
    feedback = verdict("accuracy", lambda logits, y: logits.argmax(1) == y)
    assert "returns ndarray of dtype bool, but a single number of floats is expected" in feedback


def test_step_returning_a_list_or_an_array_of_losses():
    def returns_list(model, loss_fn, x, y, learning_rate):
        return [cx._sgd_step_reference(model, loss_fn, x, y, learning_rate)]

    assert verdict("sgd_step", returns_list) == (
        "not yet right: your function returns list, but the loss of the batch, a single "
        "number, is expected: return float(loss).")

    def returns_per_sample(model, loss_fn, x, y, learning_rate):
        cx._sgd_step_reference(model, loss_fn, x, y, learning_rate)
        return -np.log(loss_fn.probs[np.arange(len(y)), y])

    assert "returns ndarray, but the loss of the batch, a single number" in verdict(
        "sgd_step", returns_per_sample)


def test_step_that_changes_nothing():
    def assigns_into_merged_dict(model, loss_fn, x, y, learning_rate):
        model.zero_grad()
        loss = loss_fn.forward(model.forward(x), y)
        model.backward(loss_fn.backward())
        for name in model.params:
            model.params[name] = model.params[name] - learning_rate * model.grads[name]
        return loss

    feedback = verdict("sgd_step", assigns_into_merged_dict)
    assert feedback.startswith("not yet right: on a batch of N=6 images (C=2, H=4, W=6, 4 "
                               "classes), learning rate 0.1, step 1 changed no parameter")
    assert "model.params is a new dict on every access" in feedback


def test_step_that_changes_a_shape():
    def broadcasts_the_bias(model, loss_fn, x, y, learning_rate):
        loss = cx._sgd_step_reference(model, loss_fn, x, y, learning_rate)
        model.layers[4].params["b"] = model.layers[4].params["b"] + np.zeros((2, 1))
        return loss

    assert verdict("sgd_step", broadcasts_the_bias) == (
        "not yet right: after step 1, parameter 4.b has shape (2, 4) instead of shape (4,): "
        "each update must have the shape of its parameter (subtract learning_rate * grad of "
        "the same key).")


def test_step_producing_nan():
    def divides_by_zero(model, loss_fn, x, y, learning_rate):
        loss = cx._sgd_step_reference(model, loss_fn, x, y, learning_rate)
        model.layers[0].params["w"] /= 0.0
        return loss

    assert "step 1 produced nan or inf" in verdict("sgd_step", divides_by_zero)


def test_unregistered_wrong_step_size_names_the_parameter_and_the_numbers():
    def step_half_again(model, loss_fn, x, y, learning_rate):
        return cx._sgd_step_reference(model, loss_fn, x, y, 1.5 * learning_rate)

    feedback = verdict("sgd_step", step_half_again)
    assert re.fullmatch(r"not yet right: on a batch of N=6 images \(C=2, H=4, W=6, 4 "
                        r"classes\), learning rate 0\.1, step 1 moved 0\.w by a wrong amount: "
                        r"the gradient it applied, \(before - after\) / learning_rate, is "
                        r"\S+ at \[\d, \d, \d, \d\] where the gradient is \S+\.", feedback), \
        feedback


def test_unregistered_wrong_loss():
    def step_returning_zero(model, loss_fn, x, y, learning_rate):
        cx._sgd_step_reference(model, loss_fn, x, y, learning_rate)
        return 0.0

    assert verdict("sgd_step", step_returning_zero) == (
        "not yet right: on a batch of N=6 images (C=2, H=4, W=6, 4 classes), learning rate "
        "0.1, step 1 returns the loss 0, but the loss of the batch before that step's update "
        "is 1.46867.")


def test_one_frozen_layer():
    def skips_the_convolution(model, loss_fn, x, y, learning_rate):
        model.zero_grad()
        loss = loss_fn.forward(model.forward(x), y)
        model.backward(loss_fn.backward())
        for layer in model.layers[1:]:
            for key in layer.params:
                layer.params[key] -= learning_rate * layer.grads[key]
        return loss

    assert "step 1 did not change parameter 0.w" in verdict("sgd_step", skips_the_convolution)


def test_feedback_is_deterministic_and_no_warnings_leak(recwarn):
    first = verdict("sgd_step", cx._no_zero_grad)
    assert first == verdict("sgd_step", cx._no_zero_grad)
    verdict("sgd_step", step_returning_overflow)
    assert len(recwarn) == 0


def step_returning_overflow(model, loss_fn, x, y, learning_rate):
    loss = cx._sgd_step_reference(model, loss_fn, x, y, learning_rate)
    model.layers[4].params["w"] *= np.float64(1e308) * 10
    return loss


# ------------------------------------------------------------- the exercise notebook

def test_notebook_solutions_pass_their_checkers():
    namespace = {"np": np}
    assert set(run_solutions(NOTEBOOK, namespace, CHECKERS)) == set(CHECKERS)
    log = watch_the_loss(namespace["sgd_step"])
    assert isinstance(log, cx.LossLog) and len(log.losses) == 40
    assert log.losses[-1] < 0.2 * log.losses[0]
    assert str(log).splitlines()[0].startswith("step   1: loss ")


def test_notebook_stubs_setup_and_checker_outputs():
    notebook = nbformat.read(ROOT / NOTEBOOK, as_version=4)
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    for number, name in enumerate(CHECKERS, start=1):
        assert any(re.search(rf"^def {name}\(", code, re.MULTILINE)
                   and f'raise NotImplementedError("Exercise 6.{number}")' in code
                   for code in sources), name
        assert any(code.strip() == f"check_{name}({name})" for code in sources), name
    runs = [cell for cell in notebook.cells if cell.cell_type == "code"
            and (cell.source.startswith("check_") or cell.source.startswith("watch_"))]
    assert len(runs) == 4
    for cell in runs:
        assert cell.outputs, f"{NOTEBOOK} was not executed"
        assert cell.outputs[0]["data"]["text/plain"].startswith("not attempted yet")
    assert (ROOT / NOTEBOOK).stat().st_size < 2_000_000


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
    text = markdown(NOTEBOOK)
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
    text = markdown(NOTEBOOK)
    for claim in ["0.95, 0.9, 0.85", "v_1 = -0.05", "-0.095", r"\theta_2 = 0.855", "-0.1355",
                  r"\theta_3 = 0.7195", r"v = -\eta g/(1 - \mu) = -0.5"]:
        assert claim in text, claim


def test_feedback_points_to_sections_that_exist():
    r"""Every "(chapter 6, 'Section')" in a message, and every *Section* the notebook
    names, is a heading of chapter 6; every {eq} label it uses is defined there."""
    chapter_text, chapter_headings = markdown(CHAPTER), headings(CHAPTER)
    texts = [mistake.message for mistakes in MISTAKES.values() for mistake in mistakes]
    pointers = [section for text in texts for section in re.findall(r"chapter 6, '([^']+)'", text)]
    assert len(pointers) >= 8
    for section in pointers:
        assert section in chapter_headings, section
    sections = [" ".join(section.split())
                for section in re.findall(r"\*([A-Z][^*]+)\*", markdown(NOTEBOOK))]
    assert "One step, in order" in sections
    for section in sections:
        assert any(heading.startswith(section) for heading in chapter_headings), section
    labels = set(re.findall(r"\$\$ \(([a-z0-9-]+)\)", chapter_text))
    used = set(re.findall(r"\{eq\}`([a-z0-9-]+)`", markdown(NOTEBOOK)))
    assert used and used - {"notation-output-size"} <= labels
