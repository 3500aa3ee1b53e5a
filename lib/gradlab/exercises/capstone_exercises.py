r"""Checkers for chapter 6, the capstone: training a small CNN on digits.

- ``check_relu_backward(fn)``: ``fn(dout, x)``, dout * 1[x > 0], of the
  shape of x (any shape), 0 where x is exactly 0;
- ``check_accuracy(fn)``: ``fn(logits, y)``, the fraction of the N rows of
  logits (N, C) whose largest entry is at the label y (N,);
- ``check_sgd_step(fn)``: ``fn(model, loss_fn, x, y, learning_rate)``, one
  step of gradient descent on a :class:`~gradlab.layers.Sequential` model
  with a :class:`~gradlab.layers.SoftmaxCrossEntropy` head, in place,
  returning the loss of the batch *before* the update.

A training step changes a model instead of returning an array: its ``run``
hook calls the step three times on the same fresh network (so state kept
between calls shows) and returns the losses and the parameters after each
step; the gradient a step applied is :math:`(\theta - \theta')/\eta`.
:func:`watch_the_loss` trains the chapter's network on the digits with your
``sgd_step`` and shows the loss falling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gradcheck import numerical_gradient
from ..layers import (Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential,
                      SoftmaxCrossEntropy)
from ._framework import (ATOL, NOT_ATTEMPTED, RTOL, Case, Exercise, Feedback,
                         Mistake, Problem, Raised, call, changed_input,
                         checker, described, worst_entry)
from .cases import batch_name, numerical

STEPS = 3  # the second step exposes gradients never zeroed, or hidden state
LAYER_BY_LAYER = "The backward pass, layer by layer"
IN_ORDER = "One step, in order"


# ---------------------------------------------- Exercise 6.1: relu_backward

def _relu_cases():
    rng = np.random.default_rng(6601)
    cases = []
    for shape, letters in (((2, 3, 4, 5), "NCHW"), ((3, 5), "ND"),
                           ((1, 2, 3, 4), "NCHW")):
        x, dout = rng.normal(size=shape), rng.normal(size=shape)
        batch = (batch_name(shape, letters) if shape[0] == 1
                 else f"feature maps of {described(shape, letters)}"
                 if len(shape) == 4 else
                 f"a batch of rows of {described(shape, letters)}")
        cases.append(Case(batch, (dout, x), numerical=numerical(
            lambda v: np.maximum(v, 0.0), x, dout)))
    kink = rng.normal(size=(2, 4, 3))
    kink[0, :2, 1] = 0.0  # this book, like PyTorch, passes no gradient there
    # tiny positive inputs still pass the whole gradient (x > 0)
    kink[1, :, 2] = (1e-7, 1e-12, 1e-300, 5e-324)
    return tuple(cases) + (Case("an input with entries exactly 0 (the "
                                "kink) and tiny positive entries down to "
                                "5e-324", (rng.normal(size=kink.shape),
                                           kink)),)


RELU_BACKWARD = Exercise(
    name="relu_backward", chapter=6, arg_names=("dout", "x"),
    reference=lambda dout, x: dout * (x > 0),
    reproduces=("activations.relu_backward",), cases=_relu_cases(),
    mistakes=(
        Mistake(lambda dout, x: np.maximum(dout, 0.0),
                "you applied the ReLU to dout: the mask comes from the "
                "forward input x, dout * (x > 0); the sign of dout does not "
                "matter", LAYER_BY_LAYER),
        Mistake(lambda dout, x: (x > 0).astype(float),
                "you returned the local derivative 1[x > 0] alone: the chain "
                "rule multiplies it by the upstream gradient, dx = "
                "dout * (x > 0)."),
        Mistake(lambda dout, x: dout * np.maximum(x, 0.0),
                "you multiplied dout by the ReLU's output max(x, 0), not by "
                "its derivative, which is 1 where x > 0 and 0 elsewhere."),
        Mistake(lambda dout, x: dout * x,
                "you multiplied dout by x: the ReLU's derivative is not x "
                "but 1 where x > 0 and 0 where x < 0."),
        Mistake(lambda dout, x: dout * (x < 0),
                "the mask is inverted: the gradient passes where x > 0, "
                "where the ReLU is the identity, and is 0 where x < 0."),
        Mistake(lambda dout, x: dout * (x >= 0),
                "at x = 0 exactly the ReLU has a kink and no derivative; "
                "this book, like PyTorch, passes no gradient there: use "
                "x > 0, not x >= 0", LAYER_BY_LAYER),
    ))

check_relu_backward = checker(RELU_BACKWARD, r"""Check ``fn(dout, x)``:
dx = dout * 1[x > 0], of the shape of x.""")


# --------------------------------------------------- Exercise 6.2: accuracy

def _accuracy_cases():
    rng = np.random.default_rng(6602)

    def case(shape, right, scale=1.0):
        logits = rng.normal(scale=scale, size=shape)
        best = np.argmax(logits, axis=1)  # the first `right` rows are right
        other = (best + rng.integers(1, shape[1], size=len(best))) % shape[1]
        y = np.where(np.arange(len(best)) < right, best, other)
        whole = "right" if shape[0] == 1 else f"{right} of {shape[0]} right"
        return Case(f"{batch_name(shape)}, {whole}", (logits, y))

    # the largest logit of the batch is in column 0, the label of three rows
    flat = np.array([[9.0, 1.0, 2.0], [0.5, 3.0, 1.0], [2.0, 0.0, 1.0],
                     [1.0, 2.5, 0.0], [0.0, 1.0, 3.5], [1.5, 0.5, 0.0]])
    return (case((5, 3), 3), case((1, 4), 1), case((4, 6), 1),
            case((8, 10), 6, scale=3.0), case((3, 4), 3),
            Case("a batch of N=6, C=3, 4 of 6 right, whose largest logit is "
                 "in column 0", (flat, np.array([0, 1, 0, 0, 2, 2]))))


def _accuracy_reordered(case, inputs):
    r"""The re-run case: the first case's logits in another order, with
    labels that make the count of right rows differ from the first case's
    and from what its labels would give here (so nothing kept shows)."""
    logits, y = inputs
    n, classes = logits.shape
    predicted = np.argmax(logits, axis=1)
    first, first_y = case.inputs
    taken = {int(np.sum(np.argmax(first, axis=1) == first_y)),
             int(np.sum(predicted == first_y))}
    right = int(np.sum(predicted == y))
    if right in taken:
        right = next(k for k in range(n, -1, -1) if k not in taken)
        y = np.where(np.arange(n) < right, predicted,
                     (predicted + 1) % classes)
    return Case(f"{batch_name(logits.shape)}, {right} of {n} right (the "
                f"logits of the first case in another order)", (logits, y))


def _accuracy(logits, y, *, axis=1, scale=1.0, right=True):
    predicted = np.argmax(logits, axis=axis)
    return scale * float(np.mean((predicted == y) if right
                                 else (predicted != y)))


TRAINING = "Training with mini-batch SGD and momentum"

ACCURACY = Exercise(
    name="accuracy", chapter=6, arg_names=("logits", "y"), returns="scalar",
    reference=_accuracy, cases=_accuracy_cases(),
    reorder=_accuracy_reordered,
    scalar_hint="The accuracy is one number: np.mean over the N comparisons.",
    mistakes=(
        Mistake(lambda z, y: int(np.sum(np.argmax(z, axis=1) == y)),
                "you returned the number of correct predictions: the "
                "accuracy is the fraction, that number divided by N",
                TRAINING),
        Mistake(lambda z, y: _accuracy(z, y, scale=100.0),
                "you returned a percentage: the accuracy here is a fraction "
                "between 0 and 1, without the factor 100."),
        Mistake(lambda z, y: _accuracy(z, y, right=False),
                "you returned the error rate, the fraction of wrong "
                "predictions: the accuracy counts the rows whose largest "
                "logit is at the label y."),
        Mistake(lambda z, y: _accuracy(z, y, axis=0),
                "np.argmax(logits, axis=0) finds, for each class, the sample "
                "with the largest logit; the prediction for sample n is the "
                "largest entry of row n: axis=1.",
                line=r"axis\s*=\s*0|argmax\([^()]*,\s*0\s*\)|argmax\(0\)"),
        Mistake(lambda z, y: _accuracy(z, y, axis=None),
                "np.argmax without axis= returns one index into the "
                "flattened array; the prediction for each sample is the "
                "argmax of its row: np.argmax(logits, axis=1)."),
        Mistake(lambda z, y: float(np.mean(np.exp(
            z[np.arange(len(y)), y] - np.max(z, axis=1)) / np.sum(np.exp(
                z - np.max(z, axis=1, keepdims=True)), axis=1))),
                "you averaged the probability of the true class; the "
                "accuracy counts a sample as right (1) or wrong (0) by "
                "whether its largest logit is at the label."),
    ))

check_accuracy = checker(ACCURACY, r"""Check ``fn(logits, y)``: the fraction
of samples whose largest logit is at the label.""")


# --------------------------------------------------- Exercise 6.3: sgd_step

def exercise_network(seed: int) -> Sequential:
    r"""The small CNN every case of ``check_sgd_step`` starts from.

    conv (2 -> 3 channels, 3 x 3, padding 1) -> ReLU -> 2 x 2 max pooling ->
    flatten -> linear (18 -> 4), with non-zero biases; images (N, 2, 4, 6).
    """
    rng = np.random.default_rng(seed)
    model = Sequential(Conv2d(2, 3, 3, padding=1, rng=rng), ReLU(),
                       MaxPool2d(2), Flatten(),
                       Linear(3 * 2 * 3, 4, init="glorot", rng=rng))
    model.layers[0].params["b"] = 0.2 * rng.standard_normal(3)
    model.layers[4].params["b"] = 0.2 * rng.standard_normal(4)
    return model


class _Noted(dict):
    r"""``model.params`` as a step sees it: a new dict, which notes when a
    new array is stored into it (that changes no layer)."""

    def __init__(self, items, model):
        super().__init__(items)
        self.model = model

    def __setitem__(self, key, value):
        if value is not self.get(key):
            self.model.assigned = True
        super().__setitem__(key, value)

    def update(self, *args, **kwargs):
        self.model.assigned = True
        super().update(*args, **kwargs)


class _Watched(Sequential):
    r"""The exercise network, noting assignments into ``model.params``."""

    assigned = False

    @property
    def params(self):
        return _Noted(super().params, self)


SHAPES = {name: value.shape
          for name, value in exercise_network(0).params.items()}
PARAMS = tuple(SHAPES)
STEP_PARTS = ("loss",) + PARAMS


def _step_case(rng, n, learning_rate, seed):
    x, y = rng.normal(size=(n, 2, 4, 6)), rng.integers(0, 4, size=n)

    def numeric():
        model, loss_fn = exercise_network(seed), SoftmaxCrossEntropy()
        return tuple(numerical_gradient(
            lambda _: loss_fn.forward(model.forward(x), y), value)
            for value in model.params.values())
    batch = "a batch of 1 image" if n == 1 else f"a batch of N={n} images"
    return Case(f"{batch} (C=2, H=4, W=6, 4 classes), learning rate "
                f"{learning_rate}", (seed, x, y, learning_rate),
                numerical=numeric)


def _as_array(result):
    r"""The returned loss as an array, or None (a list, a tuple, or an
    object numpy cannot convert)."""
    if isinstance(result, (list, tuple)):
        return None
    try:
        return np.asarray(result)
    except Exception:  # noqa: BLE001 - whatever the student returned
        return None


_LAST_RUN = {}  # the model of the last run of a step, to see state kept


def _step_problem(case, number, result, model) -> str:
    r"""What makes step ``number`` impossible to compare, or ""."""
    if result is None:
        return "your function returns None: did you forget `return loss`?"
    loss = _as_array(result)
    if loss is None or loss.size != 1 or loss.dtype.kind not in "iuf":
        return (f"your function returns {type(result).__name__}, but the "
                f"loss of the batch, a single number, is expected: return "
                f"float(loss).")
    if loss.dtype.kind == "f" and loss.dtype != np.float64:
        return (f"your function returns the loss as {loss.dtype}, but "
                f"float64 is expected: compute the loss in float64.")
    if not isinstance(model, Sequential) or tuple(model.params) != PARAMS:
        return ("the model lost or gained parameters: update the arrays in "
                "each layer.params and keep their keys.")
    for name, value in model.params.items():
        if np.shape(value) != SHAPES[name]:
            return (f"after step {number}, parameter {name} has shape "
                    f"{np.shape(value)} instead of shape {SHAPES[name]}: "
                    f"each update must have the shape of its parameter "
                    f"(subtract learning_rate * grad of the same key).")
        dtype = np.asarray(value).dtype
        if dtype != np.float64:
            return (f"after step {number}, parameter {name} has dtype "
                    f"{dtype} instead of float64: keep the parameters in "
                    f"float64 (update them with -= learning_rate * grad).")
        if not (np.all(np.isfinite(value)) and np.isfinite(loss.item())):
            return (f"on {case.description}, step {number} produced nan or "
                    f"inf: look for a division by 0 or a step so large that "
                    f"the loss overflows.")
    return ""


def _steps(fn, case):
    r"""The run hook: STEPS calls of ``fn`` on one fresh network; the losses
    and every parameter before and after each step, or what went wrong."""
    seed, x, y, learning_rate = case.inputs
    model = _Watched(*exercise_network(seed).layers)
    loss_fn = SoftmaxCrossEntropy()
    states, losses = [{k: v.copy() for k, v in model.params.items()}], []
    notes = {"assigned": [], "zero": []}
    earlier = _LAST_RUN.get("model") if _LAST_RUN.get("fn") is fn else None
    _LAST_RUN.update(fn=fn, model=model, case=case)
    before = None if earlier is None else {
        k: v.copy() for k, v in earlier.params.items()}
    for number in range(1, STEPS + 1):
        model.assigned = False
        arguments = (model, loss_fn, x.copy(), y.copy(), learning_rate)
        result = call(fn, arguments)
        if isinstance(result, Raised):  # say at which step
            return Raised(result.kind, result.text,
                          f"step {number}, " * bool(result.where)
                          + result.where, result.source, number == 1)
        problem = (_step_problem(case, number, result, model)
                   or changed_input(("x", "y"), (x, y), arguments[2:4]))
        if problem:
            return Problem(problem)
        if earlier is not None and any(
                not np.array_equal(before[k], v)
                for k, v in earlier.params.items()):
            return Problem(f"on {case.description}, step {number} changed "
                           f"the parameters of the model of an earlier "
                           f"call, not those of the model it was given: "
                           f"your function keeps something between calls "
                           f"(a global, a default argument). Update the "
                           f"model passed in on every call.")
        notes["assigned"].append(model.assigned)
        notes["zero"].append(all(not np.any(g)
                                 for g in model.grads.values()))
        losses.append(float(_as_array(result).ravel()[0]))
        states.append({k: v.copy() for k, v in model.params.items()})
    return {"loss": np.array(losses), "notes": notes, **{
        name: np.stack([state[name] for state in states]) for name in PARAMS}}


def _step_difference(case, got, want) -> str:
    r"""The describe hook: the first step where ``got`` leaves ``want``."""
    on = f"on {case.description}"
    rate = case.inputs[3]
    losses, right_losses = got[0][0], want[0][0]
    mine = {name: part for name, (part, _) in zip(PARAMS, got[1:])}
    right = {name: part for name, (part, _) in zip(PARAMS, want[1:])}
    for k in range(STEPS):
        if not np.isclose(losses[k], right_losses[k], rtol=RTOL, atol=ATOL):
            _, loss, right_loss, _ = worst_entry(losses[k:k + 1],
                                              right_losses[k:k + 1])
            return (f"{on}, step {k + 1} returns the loss {loss}, but the "
                    f"loss of the batch before that step's update is "
                    f"{right_loss}.")
        if all(np.array_equal(mine[n][k], mine[n][k + 1]) for n in PARAMS):
            return f"{on}, step {k + 1} changed no parameter" + _why_not(
                getattr(got, "notes", {}), k)
        for name in PARAMS:
            if np.allclose(mine[name][k + 1], right[name][k + 1], rtol=RTOL,
                           atol=ATOL):
                continue
            if np.array_equal(mine[name][k], mine[name][k + 1]):
                return (f"{on}, step {k + 1} did not change parameter "
                        f"{name}: every parameter moves by -learning_rate * "
                        f"its gradient.")
            applied = (mine[name][k] - mine[name][k + 1]) / rate
            gradient = (mine[name][k] - right[name][k + 1]) / rate
            index, applied, gradient, _ = worst_entry(
                (mine[name][k] - mine[name][k + 1]) / rate,
                (mine[name][k] - right[name][k + 1]) / rate)
            return (f"{on}, step {k + 1} moved {name} by a wrong amount: the "
                    f"gradient it applied, (before - after) / learning_rate, "
                    f"is {applied} at {index} where the gradient is "
                    f"{gradient}.")
    return f"{on}, your steps differ from the reference."


def _why_not(notes: dict, k: int) -> str:
    r"""What step k + 1 shows about why no parameter moved."""
    if notes.get("assigned", [False] * STEPS)[k]:
        return (": you stored new arrays into model.params, but "
                "model.params is a new dict on every access, so assigning "
                "into it changes nothing. Update each layer.params[key] in "
                "place (-=) or assign into layer.params[key].")
    if notes.get("zero", [False] * STEPS)[k]:
        return (", and after it every gradient in model.grads is 0: the "
                "update must apply the gradients of this step's backward "
                "pass (zero the gradients, forward, backward, then "
                "update).")
    return (", although after it model.grads holds non-zero gradients: "
            "after this step's backward pass, subtract learning_rate times "
            "the arrays then in layer.grads from every parameter, in place "
            "(layer.params[key] -= ...).")


def _applied_at_step_1(case, parts):
    r"""The gradients step 1 applied, (before - after) / learning_rate,
    for the comparison with central differences."""
    return [(states[0] - states[1]) / case.inputs[3] for states in parts[1:]]


def _step(model, loss_fn, x, y, learning_rate, *, zero=True, keys="wb",
          order="backward, update", loss_after=False):
    r"""One step by hand; the switches reproduce the slips."""
    def update():
        for layer in model.layers:
            for key in layer.params:
                if key in keys:
                    layer.params[key] -= learning_rate * layer.grads[key]

    if order == "update, backward":
        update()
    if zero:
        model.zero_grad()
    loss = loss_fn.forward(model.forward(x), y)
    if order == "interleaved":
        dout = loss_fn.backward()
        for layer in reversed(model.layers):
            layer.backward(dout)  # this layer's gradients, applied at once,
            for key in layer.params:
                layer.params[key] -= learning_rate * layer.grads[key]
            dout = layer.backward(dout)  # so dx uses the new weights
        return loss
    model.backward(loss_fn.backward())
    if order == "backward, update":
        update()
    return loss_fn.forward(model.forward(x), y) if loss_after else loss


def _scaled(factor):
    return lambda model, loss_fn, x, y, rate: _step(
        model, loss_fn, x, y, factor(rate, len(x)))


SGD_STEP = Exercise(
    name="sgd_step", chapter=6,
    arg_names=("model", "loss_fn", "x", "y", "learning_rate"),
    reference=_step, returns="dict", parts=STEP_PARTS,
    run=_steps, describe=_step_difference, counted="batches (3 steps each)",
    applied=_applied_at_step_1,
    reproduces=("layers.SGD",),
    cases=tuple(_step_case(np.random.default_rng(6603 + k), *spec)
                for k, spec in enumerate([(6, 0.1, 11), (1, 0.2, 12),
                                          (4, 0.05, 13)])),
    mistakes=(
        Mistake(_scaled(lambda rate, n: -rate),
                "your step moves the parameters up the gradient (+=), which "
                "is gradient ascent: the update is theta -= learning_rate * "
                "grad, and with + the loss rises",
                "Mistake 2: stepping up the gradient"),
        Mistake(lambda *args: _step(*args, zero=False),
                "from the second step on, your update applies the sum of "
                "this step's gradient and the earlier ones: backward adds to "
                "grads, so call model.zero_grad() before the backward pass "
                "of every step", "Mistake 1: forgetting to zero the "
                                 "gradients"),
        Mistake(lambda *args: _step(*args, order="interleaved"),
                "the gradients of the earlier layers were computed with "
                "weights that had already been updated: run the whole "
                "backward pass first, then update every parameter",
                LAYER_BY_LAYER),
        Mistake(lambda *args: _step(*args, order="update, backward"),
                "you updated the parameters before this step's backward "
                "pass, so each step applies the previous call's gradients "
                "(zeros at the first step): zero the gradients, forward, "
                "backward, then update", IN_ORDER),
        Mistake(_scaled(lambda rate, n: rate * n),
                "your step is N times too large: the loss is already the "
                "mean over the batch, so its gradient needs no extra factor "
                "N; the step is learning_rate * grad",
                "Mistake 3: a step N times too large"),
        Mistake(_scaled(lambda rate, n: rate / n),
                "your step is N times too small: the loss is the mean over "
                "the batch and its gradient already carries the 1/N, so do "
                "not divide by N again; the step is learning_rate * grad."),
        Mistake(_scaled(lambda rate, n: 1.0),
                "your step subtracts the whole gradient: multiply it by "
                "learning_rate, theta -= learning_rate * grad."),
        Mistake(lambda *args: _step(*args, keys="w"),
                "the biases did not change: update every entry of each "
                "layer's params, the biases 'b' as well as the weights 'w'."),
        Mistake(lambda *args: _step(*args, loss_after=True),
                "you returned the loss after the update; sgd_step must "
                "return the loss of its own forward pass, computed before "
                "the update, the loss its gradients belong to", IN_ORDER),
    ))

check_sgd_step = checker(SGD_STEP, r"""Check ``fn(model, loss_fn, x, y,
learning_rate)``: one step of gradient descent.

The step must zero the gradients, compute the loss of the batch (forward),
every gradient (backward), then subtract ``learning_rate * grad`` from every
parameter in ``model.layers``, and return the loss computed before the
update. It is called three times on the same model.""")


# ------------------------------------------------------- watch the loss fall

@dataclass(frozen=True)
class LossLog:
    r"""The losses of a short training run, printed every few steps."""

    losses: tuple[float, ...]
    every: int

    def __str__(self) -> str:
        shown = [(k, loss) for k, loss in enumerate(self.losses, start=1)
                 if k == 1 or k % self.every == 0 or k == len(self.losses)]
        return "\n".join(f"step {k:3d}: loss {loss:.4f}"
                         for k, loss in dict(shown).items())

    __repr__ = __str__


def watch_the_loss(fn, steps: int = 40, learning_rate: float = 0.05,
                   every: int = 5):
    r"""Train the chapter's CNN on the digits with ``fn`` as the step.

    The digits, split as in the chapter (``load_digits_split()``), are
    normalised with the training set's mean and standard deviation. The
    seeded network is conv (16 filters) -> ReLU -> max-pool -> flatten ->
    linear; each step takes the next 32 training images. Returns a
    :class:`LossLog` (or a "not attempted yet" :class:`Feedback` while
    ``fn`` is the stub).
    """
    from ..data import load_digits_split

    x_train, y_train, _, _ = load_digits_split()
    x_train = (x_train - x_train.mean()) / x_train.std()
    rng = np.random.default_rng(0)
    model = Sequential(Conv2d(1, 16, 3, padding=1, rng=rng), ReLU(),
                       MaxPool2d(2), Flatten(),
                       Linear(16 * 4 * 4, 10, init="glorot", rng=rng))
    loss_fn = SoftmaxCrossEntropy()
    losses = []
    for step in range(steps):
        start = 32 * step % len(x_train)
        batch = slice(start, start + 32)
        try:
            loss = fn(model, loss_fn, x_train[batch], y_train[batch],
                      learning_rate)
        except NotImplementedError:
            return Feedback(NOT_ATTEMPTED, "write sgd_step in Exercise 6.3 "
                                           "first; this cell then trains "
                                           "the chapter's network with it.")
        losses.append(float(loss))
    return LossLog(tuple(losses), every)
