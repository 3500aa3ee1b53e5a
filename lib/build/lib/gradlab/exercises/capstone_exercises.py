r"""Checkers for the exercises of chapter 6, the capstone: training a small CNN on digits.

- :func:`check_relu_backward` for ``relu_backward(dout, x)``: :math:`\mathrm{dout} \odot
  \mathbb{1}[x > 0]`, of the shape of ``x`` (any shape), 0 where ``x`` is exactly 0;
- :func:`check_accuracy` for ``accuracy(logits, y)``: the fraction of the N rows of
  ``logits`` (N, C) whose largest entry is at the label ``y`` (N,), one number;
- :func:`check_sgd_step` for ``sgd_step(model, loss_fn, x, y, learning_rate)``: one step
  of plain gradient descent on a :class:`~gradlab.layers.Sequential` model with a
  :class:`~gradlab.layers.SoftmaxCrossEntropy` head, in place, returning the loss of the
  batch *before* the update.

A training step changes the model instead of returning an array, so
:func:`check_sgd_step` runs it three times on a fresh small network and compares the
parameters after each step and the losses it returns with the reference; the gradient each
step applied is read off the parameters, :math:`(\theta - \theta')/\eta`. Each checker
returns a :class:`~gradlab.exercises.Feedback`. :func:`watch_the_loss` trains the
chapter's network on the digits with your ``sgd_step`` and shows the loss falling.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..gradcheck import DEFAULT_TOLERANCE, numerical_gradient, rel_error
from ..layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, SoftmaxCrossEntropy
from ._framework import (ATOL, CORRECT, MISTAKE_ATOL, MISTAKE_RTOL, NOT_ATTEMPTED, NOT_YET,
                         RTOL, Case, Exercise, Feedback, Mistake, _as_numbers, _changed_input,
                         _raised_hint, _Raised, _run, check, described)

STEPS = 3  # steps per case: the second step exposes gradients that were never zeroed


# ---------------------------------------------------------- Exercise 6.1: relu_backward

def _relu_reference(dout, x):
    return dout * (x > 0)


def _relu_numerical(dout, x):
    return lambda: numerical_gradient(lambda v: np.maximum(v, 0.0), x.copy(), dout)


def _relu_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(6601)
    images = rng.normal(size=(2, 3, 4, 5))
    rows = rng.normal(size=(3, 5))
    one = rng.normal(size=(1, 2, 3, 4))
    with_zeros = rng.normal(size=(2, 4, 3))
    with_zeros[0, :2, 1] = 0.0  # the kink: this book, like PyTorch, passes no gradient there
    cases = [(f"feature maps of {described(images.shape, 'NCHW')}", images),
             (f"a batch of rows of {described(rows.shape, 'ND')}", rows),
             (f"a batch of 1 ({described(one.shape, 'NCHW')})", one)]
    built = []
    for text, x in cases:
        dout = rng.normal(size=x.shape)
        built.append(Case(text, (dout, x), numerical=_relu_numerical(dout, x)))
    built.append(Case("an input with entries exactly 0 (the kink)",
                      (rng.normal(size=with_zeros.shape), with_zeros)))
    return tuple(built)


def _relu_of_dout(dout, x):
    return np.maximum(dout, 0.0)


def _mask_only(dout, x):
    return (x > 0).astype(float)


def _times_output(dout, x):
    return dout * np.maximum(x, 0.0)


def _times_input(dout, x):
    return dout * x


def _inverted_mask(dout, x):
    return dout * (x < 0)


def _one_at_zero(dout, x):
    return dout * (x >= 0)


RELU_BACKWARD = Exercise(
    name="relu_backward", arg_names=("dout", "x"), reference=_relu_reference,
    cases=_relu_cases(),
    mistakes=(
        Mistake(_relu_of_dout,
                "you applied the ReLU to dout: the mask comes from the forward input x, "
                "dout * (x > 0); the sign of dout does not matter (chapter 6, 'The backward "
                "pass, layer by layer')."),
        Mistake(_mask_only,
                "you returned the local derivative 1[x > 0] alone: the chain rule multiplies "
                "it by the upstream gradient, dx = dout * (x > 0)."),
        Mistake(_times_output,
                "you multiplied dout by the ReLU's output max(x, 0), not by its derivative, "
                "which is 1 where x > 0 and 0 elsewhere."),
        Mistake(_times_input,
                "you multiplied dout by x: the ReLU's derivative is not x but 1 where x > 0 "
                "and 0 where x < 0."),
        Mistake(_inverted_mask,
                "the mask is inverted: the gradient passes where x > 0, where the ReLU is "
                "the identity, and is 0 where x < 0."),
        Mistake(_one_at_zero,
                "at x = 0 exactly the ReLU has a kink and no derivative; this book, like "
                "PyTorch, passes no gradient there: use x > 0, not x >= 0 (chapter 6, 'The "
                "backward pass, layer by layer')."),
    ))


def check_relu_backward(fn) -> Feedback:
    r"""Check ``fn(dout, x)``: dx = dout * 1[x > 0], of the shape of x."""
    return check(RELU_BACKWARD, fn)


# --------------------------------------------------------------- Exercise 6.2: accuracy

def _accuracy_reference(logits, y):
    return float(np.mean(np.argmax(logits, axis=1) == y))


def _accuracy_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(6602)

    def labels(logits, right):
        # The first `right` samples are labelled with their largest logit, the rest not.
        best = np.argmax(logits, axis=1)
        wrong = (best + 1 + rng.integers(0, logits.shape[1] - 1, size=len(best))) % logits.shape[1]
        return np.where(np.arange(len(best)) < right, best, wrong)

    five = rng.normal(size=(5, 3))
    one = rng.normal(size=(1, 4))
    wide = rng.normal(size=(4, 6))
    digits = rng.normal(scale=3.0, size=(8, 10))
    return (
        Case(f"a batch of {described(five.shape)}, 3 of 5 right", (five, labels(five, 3))),
        Case(f"a batch of 1 ({described(one.shape)}), right", (one, labels(one, 1))),
        Case(f"a batch of {described(wide.shape)} (more classes than samples), 1 of 4 right",
             (wide, labels(wide, 1))),
        Case(f"a batch of {described(digits.shape)}, 6 of 8 right", (digits, labels(digits, 6))),
    )


def _prediction(logits):
    return np.argmax(logits, axis=1)


def _count(logits, y):
    return int(np.sum(_prediction(logits) == y))


def _percent(logits, y):
    return 100.0 * np.mean(_prediction(logits) == y)


def _error_rate(logits, y):
    return float(np.mean(_prediction(logits) != y))


def _argmax_over_samples(logits, y):
    return float(np.mean(np.argmax(logits, axis=0) == y))


def _argmax_flattened(logits, y):
    return float(np.mean(np.argmax(logits) == y))


def _probability_of_true_class(logits, y):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = shifted / shifted.sum(axis=1, keepdims=True)
    return float(np.mean(probs[np.arange(len(y)), y]))


ACCURACY = Exercise(
    name="accuracy", arg_names=("logits", "y"), reference=_accuracy_reference,
    cases=_accuracy_cases(), returns="scalar",
    scalar_hint="The accuracy is one number: np.mean over the N comparisons.",
    mistakes=(
        Mistake(_count,
                "you returned the number of correct predictions: the accuracy is the "
                "fraction, that number divided by N (chapter 6, 'Training with mini-batch SGD "
                "and momentum')."),
        Mistake(_percent,
                "you returned a percentage: the accuracy here is a fraction between 0 and 1, "
                "without the factor 100."),
        Mistake(_error_rate,
                "you returned the error rate, the fraction of wrong predictions: the accuracy "
                "counts the rows whose largest logit is at the label y."),
        Mistake(_argmax_over_samples,
                "np.argmax(logits, axis=0) finds, for each class, the sample with the largest "
                "logit; the prediction for sample n is the largest entry of row n: axis=1."),
        Mistake(_argmax_flattened,
                "np.argmax without axis= returns one index into the flattened array; the "
                "prediction for each sample is the argmax of its row: np.argmax(logits, axis=1)."),
        Mistake(_probability_of_true_class,
                "you averaged the probability of the true class; the accuracy counts a sample "
                "as right (1) or wrong (0) by whether its largest logit is at the label."),
    ))


def check_accuracy(fn) -> Feedback:
    r"""Check ``fn(logits, y)``: the fraction of samples whose largest logit is at the label."""
    return check(ACCURACY, fn)


# --------------------------------------------------------------- Exercise 6.3: sgd_step

def exercise_network(seed: int) -> Sequential:
    r"""The small CNN every case of :func:`check_sgd_step` starts from.

    conv (2 -> 3 channels, 3 x 3, padding 1) -> ReLU -> 2 x 2 max pooling -> flatten ->
    linear (18 -> 4), with non-zero biases; input images (N, 2, 4, 6), 4 classes.
    """
    rng = np.random.default_rng(seed)
    model = Sequential(Conv2d(2, 3, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2), Flatten(),
                       Linear(3 * 2 * 3, 4, init="glorot", rng=rng))
    model.layers[0].params["b"] = 0.2 * rng.standard_normal(3)
    model.layers[4].params["b"] = 0.2 * rng.standard_normal(4)
    return model


@dataclass(frozen=True)
class StepCase:
    r"""A batch, a learning rate and the seed of the network the steps start from."""

    description: str
    x: np.ndarray
    y: np.ndarray
    learning_rate: float
    seed: int


def _step_cases() -> tuple[StepCase, ...]:
    rng = np.random.default_rng(6603)
    cases = []
    for n, learning_rate, seed in ((6, 0.1, 11), (1, 0.2, 12), (4, 0.05, 13)):
        x = rng.normal(size=(n, 2, 4, 6))
        y = rng.integers(0, 4, size=n)
        batch = "a batch of 1 image" if n == 1 else f"a batch of N={n} images"
        cases.append(StepCase(f"{batch} (C=2, H=4, W=6, 4 classes), learning rate "
                              f"{learning_rate}", x, y, learning_rate, seed))
    return tuple(cases)


STEP_CASES = _step_cases()


def _forward_backward(model, loss_fn, x, y, zero_grad=True):
    if zero_grad:
        model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    model.backward(loss_fn.backward())
    return loss


def _descend(layer, learning_rate, keys=("w", "b")):
    for key in keys:
        layer.params[key] -= learning_rate * layer.grads[key]


def _sgd_step_reference(model, loss_fn, x, y, learning_rate):
    loss = _forward_backward(model, loss_fn, x, y)
    for layer in model.layers:
        _descend(layer, learning_rate, tuple(layer.params))
    return loss


def _ascent(model, loss_fn, x, y, learning_rate):
    return _sgd_step_reference(model, loss_fn, x, y, -learning_rate)


def _no_zero_grad(model, loss_fn, x, y, learning_rate):
    loss = _forward_backward(model, loss_fn, x, y, zero_grad=False)
    for layer in model.layers:
        _descend(layer, learning_rate, tuple(layer.params))
    return loss


def _times_n(model, loss_fn, x, y, learning_rate):
    return _sgd_step_reference(model, loss_fn, x, y, learning_rate * len(x))


def _over_n(model, loss_fn, x, y, learning_rate):
    return _sgd_step_reference(model, loss_fn, x, y, learning_rate / len(x))


def _no_learning_rate(model, loss_fn, x, y, learning_rate):
    return _sgd_step_reference(model, loss_fn, x, y, 1.0)


def _weights_only(model, loss_fn, x, y, learning_rate):
    loss = _forward_backward(model, loss_fn, x, y)
    for layer in model.layers:
        _descend(layer, learning_rate, tuple(key for key in layer.params if key == "w"))
    return loss


def _loss_after_update(model, loss_fn, x, y, learning_rate):
    _sgd_step_reference(model, loss_fn, x, y, learning_rate)
    return loss_fn.forward(model.forward(x), y)


def _update_during_backward(model, loss_fn, x, y, learning_rate):
    model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    dout = loss_fn.backward()
    for layer in reversed(model.layers):
        layer.backward(dout)                 # this layer's gradients ...
        _descend(layer, learning_rate, tuple(layer.params))   # ... applied in place at once,
        dout = layer.backward(dout)          # so its cache holds the new weights for dx
    return loss


ORDER = "(chapter 6, 'One step, in order')"
SGD_STEP_MISTAKES = (
    Mistake(_ascent,
            "your step moves the parameters up the gradient (+=), which is gradient ascent: "
            "the update is theta -= learning_rate * grad, and with + the loss rises (chapter "
            "6, 'Mistake 2: stepping up the gradient')."),
    Mistake(_no_zero_grad,
            "from the second step on, your update applies the sum of this step's gradient and "
            "the earlier ones: backward adds to grads, so call model.zero_grad() before the "
            "backward pass of every step (chapter 6, 'Mistake 1: forgetting to zero the "
            "gradients')."),
    Mistake(_update_during_backward,
            "the gradients of the earlier layers were computed with weights that had already "
            "been updated: run the whole backward pass first, then update every parameter "
            "(chapter 6, 'The backward pass, layer by layer')."),
    Mistake(_times_n,
            "your step is N times too large: the loss is already the mean over the batch, so "
            "its gradient needs no extra factor N; the step is learning_rate * grad (chapter "
            "6, 'Mistake 3: a step N times too large')."),
    Mistake(_over_n,
            "your step is N times too small: the loss is the mean over the batch and its "
            "gradient already carries the 1/N, so do not divide by N again; the step is "
            "learning_rate * grad."),
    Mistake(_no_learning_rate,
            "your step subtracts the whole gradient: multiply it by learning_rate, theta -= "
            "learning_rate * grad."),
    Mistake(_weights_only,
            "the biases did not change: update every entry of each layer's params, the "
            "biases 'b' as well as the weights 'w'."),
    Mistake(_loss_after_update,
            "you returned the loss after the update; sgd_step must return the loss of its "
            "own forward pass, computed before the update, the loss its gradients belong to "
            f"{ORDER}."),
)

SGD_STEP = Exercise(
    name="sgd_step", arg_names=("model", "loss_fn", "x", "y", "learning_rate"),
    reference=_sgd_step_reference, cases=(), mistakes=SGD_STEP_MISTAKES, returns="scalar")


@dataclass
class _Trajectory:
    r"""What a step function did on one case: the losses it returned and the parameters
    before the first step and after each step; or, instead, what went wrong."""

    losses: list[float] = field(default_factory=list)
    states: list[dict[str, np.ndarray]] = field(default_factory=list)
    problem: str = ""


def _state(model) -> dict[str, np.ndarray]:
    return {name: np.array(value, dtype=float) for name, value in model.params.items()}


def _run_steps(step: Callable, case: StepCase) -> _Trajectory:
    r"""Run ``step`` STEPS times on a fresh network; NotImplementedError propagates."""
    model, loss_fn = exercise_network(case.seed), SoftmaxCrossEntropy()
    trajectory = _Trajectory(states=[_state(model)])
    inputs = (model, loss_fn, case.x, case.y, case.learning_rate)
    framework_case = Case(case.description, inputs)
    for number in range(1, STEPS + 1):
        result, after = _run(step, inputs)
        trajectory.problem = _step_problem(case, number, result, after, framework_case,
                                           trajectory.states[0])
        if trajectory.problem:
            return trajectory
        trajectory.losses.append(float(_as_numbers(result).ravel()[0]))
        trajectory.states.append(_state(after[0]))
        inputs = (after[0], after[1], case.x, case.y, case.learning_rate)
    return trajectory


def _step_problem(case: StepCase, number: int, result, after, framework_case: Case,
                  initial: dict[str, np.ndarray]) -> str:
    if isinstance(result, _Raised):
        hint = _raised_hint(result)
        text = result.text if len(result.text) <= 200 else result.text[:197] + "..."
        return (f"on {case.description}, step {number} raised {result.kind}: {text}"
                + (f"\n{hint}" if hint else ""))
    if result is None:
        return "your function returns None: did you forget `return loss`?"
    loss = _as_numbers(result)
    if loss is None or loss.size != 1 or isinstance(result, (list, tuple)):
        return (f"your function returns {type(result).__name__}, but the loss of the batch, "
                f"a single number, is expected: return float(loss).")
    changed = _changed_input(SGD_STEP, framework_case, after)
    if changed:
        return changed
    model = after[0]
    if not isinstance(model, Sequential) or set(model.params) != set(initial):
        return ("the model lost or gained parameters: update the arrays in each "
                "layer.params and keep their keys.")
    for name, value in model.params.items():
        value = _as_numbers(value)
        if value is None or value.shape != initial[name].shape:
            shape = "no array" if value is None else f"shape {value.shape}"
            return (f"after step {number}, parameter {name} has {shape} instead of shape "
                    f"{initial[name].shape}: each update must have the shape of its "
                    f"parameter (subtract learning_rate * grad of the same key).")
        if not (np.all(np.isfinite(value)) and np.isfinite(loss.ravel()[0])):
            return (f"on {case.description}, step {number} produced nan or inf: look for a "
                    f"division by 0 or a step so large that the loss overflows.")
    return ""


def _same_trajectory(a: _Trajectory, b: _Trajectory, rtol: float, atol: float) -> bool:
    if a.problem or b.problem or len(a.losses) != len(b.losses):
        return False
    if not np.allclose(a.losses, b.losses, rtol=rtol, atol=atol):
        return False
    return all(np.allclose(sa[name], sb[name], rtol=rtol, atol=atol)
               for sa, sb in zip(a.states, b.states) for name in sa)


def _difference(case: StepCase, got: _Trajectory, want: _Trajectory) -> str:
    r"""Describe the first step at which ``got`` leaves ``want``."""
    for k in range(STEPS):
        before, after, expected = got.states[k], got.states[k + 1], want.states[k + 1]
        if not np.isclose(got.losses[k], want.losses[k], rtol=RTOL, atol=ATOL):
            return (f"on {case.description}, step {k + 1} returns the loss "
                    f"{got.losses[k]:.6g}, but the loss of the batch before that step's "
                    f"update is {want.losses[k]:.6g}.")
        if all(np.array_equal(before[name], after[name]) for name in before):
            return (f"on {case.description}, step {k + 1} changed no parameter: subtract "
                    f"learning_rate * grad from each layer.params[key] in place (p -= ...) "
                    f"or assign the result to layer.params[key]; model.params is a new dict "
                    f"on every access, so assigning into it changes nothing.")
        for name in before:
            if np.allclose(after[name], expected[name], rtol=RTOL, atol=ATOL):
                continue
            if np.array_equal(before[name], after[name]):
                return (f"on {case.description}, step {k + 1} did not change parameter "
                        f"{name}: every parameter moves by -learning_rate * its gradient.")
            applied = (before[name] - after[name]) / case.learning_rate
            gradient = (before[name] - expected[name]) / case.learning_rate
            gap = np.abs(applied - gradient)
            index = np.unravel_index(int(np.argmax(gap)), gap.shape)
            where = "[" + ", ".join(str(int(i)) for i in index) + "]"
            return (f"on {case.description}, step {k + 1} moved {name} by a wrong amount: "
                    f"the gradient it applied, (before - after) / learning_rate, is "
                    f"{applied[index]:.6g} at {where} where the gradient is "
                    f"{gradient[index]:.6g}.")
    return f"on {case.description}, your steps differ from the reference."


def _numerical_error(got: _Trajectory, case: StepCase) -> float:
    r"""Worst relative error between the gradients of step 1 and central differences."""
    model, loss_fn = exercise_network(case.seed), SoftmaxCrossEntropy()
    errors = []
    for name, value in model.params.items():
        applied = (got.states[0][name] - got.states[1][name]) / case.learning_rate
        numeric = numerical_gradient(lambda _: loss_fn.forward(model.forward(case.x), case.y),
                                     value)
        errors.append(rel_error(applied, numeric))
    return max(errors)


def check_sgd_step(fn) -> Feedback:
    r"""Check ``fn(model, loss_fn, x, y, learning_rate)``: one step of gradient descent.

    The step must zero the gradients, compute the loss of the batch (forward), every
    gradient (backward), then subtract ``learning_rate * grad`` from every parameter in
    ``model.layers``, and return the loss computed before the update.
    """
    if not callable(fn):
        return Feedback(NOT_YET, f"pass your function itself, as in check_sgd_step(sgd_step), "
                                 f"not {type(fn).__name__} (the result of calling it).")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for case in STEP_CASES:
            try:
                got = _run_steps(fn, case)
            except NotImplementedError:
                return Feedback(NOT_ATTEMPTED, "replace `raise NotImplementedError` with your "
                                               "code and run this cell again.")
            if got.problem:
                return Feedback(NOT_YET, got.problem)
            want = _run_steps(_sgd_step_reference, case)
            if _same_trajectory(got, want, RTOL, ATOL):
                continue
            for mistake in SGD_STEP_MISTAKES:
                if _same_trajectory(got, _run_steps(mistake.wrong, case), MISTAKE_RTOL,
                                    MISTAKE_ATOL):
                    return Feedback(NOT_YET, mistake.message)
            return Feedback(NOT_YET, _difference(case, got, want))
        first = STEP_CASES[0]
        got = _run_steps(fn, first)
        worst = _numerical_error(got, first)
    if worst > DEFAULT_TOLERANCE:
        return Feedback(NOT_YET, f"matches the reference but not the numerical gradient "
                                 f"(relative error {worst:.1e}); please report this as a bug "
                                 f"in the checker.")
    return Feedback(CORRECT, f"matches the reference on {len(STEP_CASES)} batches ({STEPS} "
                             f"steps each); the gradients it applied match central differences "
                             f"(relative error {worst:.1e}), and the loss fell from "
                             f"{got.losses[0]:.4f} to {got.losses[-1]:.4f}.")


# ------------------------------------------------------------------- watch the loss fall

@dataclass(frozen=True)
class LossLog:
    r"""The losses of a short training run, printed every few steps."""

    losses: tuple[float, ...]
    every: int

    def __str__(self) -> str:
        shown = [(k, loss) for k, loss in enumerate(self.losses, start=1)
                 if k == 1 or k % self.every == 0 or k == len(self.losses)]
        lines = [f"step {k:3d}: loss {loss:.4f}" for k, loss in dict(shown).items()]
        return "\n".join(lines)

    __repr__ = __str__


def watch_the_loss(fn, steps: int = 40, learning_rate: float = 0.05, every: int = 5):
    r"""Train the chapter's CNN on the digits with ``fn`` as the step and show the loss.

    The digits, split as in the chapter (``load_digits_split()`` with its defaults), are
    normalised with the training set's mean and standard deviation. The network, seeded, is
    conv (16 filters) -> ReLU -> max-pool -> flatten -> linear; each step takes the next batch
    of 32 training images. Returns a :class:`LossLog` (or a "not attempted yet"
    :class:`Feedback` while ``fn`` is the stub).
    """
    from ..data import load_digits_split

    x_train, y_train, _, _ = load_digits_split()
    x_train = (x_train - x_train.mean()) / x_train.std()
    rng = np.random.default_rng(0)
    model = Sequential(Conv2d(1, 16, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2), Flatten(),
                       Linear(16 * 4 * 4, 10, init="glorot", rng=rng))
    loss_fn = SoftmaxCrossEntropy()
    losses = []
    for step in range(steps):
        batch = slice(32 * step % len(x_train), 32 * step % len(x_train) + 32)
        try:
            loss = fn(model, loss_fn, x_train[batch], y_train[batch], learning_rate)
        except NotImplementedError:
            return Feedback(NOT_ATTEMPTED, "write sgd_step in Exercise 6.3 first; this cell then "
                                           "trains the chapter's network with it.")
        losses.append(float(loss))
    return LossLog(tuple(losses), every)
