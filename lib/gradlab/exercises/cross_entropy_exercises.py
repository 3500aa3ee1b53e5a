r"""Checkers for chapter 2, the cross-entropy gradient.

With logits z (N, C), integer labels y (N,) and p = softmax(z) row by row:

- ``check_cross_entropy(cross_entropy)``: the mean loss
  :math:`-\frac{1}{N}\sum_n \log p_{n, y_n}`, finite for huge logits;
- ``check_ce_grad_probs(ce_grad_probs)``: :math:`-T/(N P)` (N, C);
- ``check_ce_grad_logits(ce_grad_logits)``: :math:`(P - T)/N` (N, C);
- ``check_ce_smoothing_grad(ce_smoothing_grad)``: :math:`(P - T)/N` (N, C)
  for label-smoothed targets :math:`T = (1 - \alpha)\,\text{one-hot}(y) +
  \alpha / C`.
"""

from __future__ import annotations

import numpy as np

from ..losses import (cross_entropy_backward, cross_entropy_forward,
                      nll_backward, nll_forward)
from ..softmax import log_softmax, softmax
from ._framework import Case, Exercise, Mistake, checker, described
from .cases import LARGE, SCALES, batch_name, numerical

LOG_SUM_EXP = "Log-sum-exp and the p = 0 problem"
MEAN = "The mean, not the sum"
BINARY = "Mixing the binary term into the multiclass loss"
OVERFLOW = ("np.exp overflows for logits of magnitude 1000: compute p with a "
            "stable softmax (subtract each row's own maximum first)")
LOG_OF_ZERO = ("a true-class probability underflows to 0 here and np.log(0) "
               "is -inf: compute log p = z - m - log(sum(exp(z - m))) "
               "directly, with m each row's own maximum")
# the raising line builds the one-hot matrix with N, or max(y) + 1, columns
WIDTH_N = r"\beye\(\s*(len\(|N\b|n\b|[\w.]+\.shape\[0\]|[\w.]+\.size\b)"
WIDTH_MAX = r"\beye\(\s*(np\.)?[\w.]*max\("
ONE_HOT_WIDTH = ("your one-hot matrix has the wrong number of columns: it "
                 "needs one column per class, C = {arg}.shape[1] "
                 "(np.eye(C)[y]), not N or max(y) + 1.")


def _logit_cases(numerical_loss=None):
    rng = np.random.default_rng(2201)
    rows = [(rng.normal(size=(4, 3)), [2, 0, 1, 2], ""),
            (rng.normal(size=(1, 5)), [3], ""),
            (rng.normal(scale=2.0, size=(3, 5)), [0, 3, 1], " with labels "
             "[0, 3, 1]")]
    cases = []
    for logits, y, note in rows:
        y = np.array(y)
        cases.append(Case(batch_name(logits.shape) + note, (logits, y),
                          numerical=None
                          if numerical_loss is None else numerical(
                              lambda v, y=y: numerical_loss(v, y), logits)))
    huge = np.array([[1e4, 0.0, -1e4], [1e4 - 1, 1e4, 1e4 - 3]])
    return tuple(cases) + (
        Case(f"logits of magnitude 1000 ({described(LARGE.shape)})",
             (LARGE, np.array([1, 0])), OVERFLOW, LOG_SUM_EXP),
        Case("logits of magnitude 1e4, true classes far below the maximum "
             "(N=2, C=3)", (huge, np.array([1, 2])), LOG_OF_ZERO,
             LOG_SUM_EXP),
        Case(f"rows at very different scales ({described(SCALES.shape)}, "
             f"row maxima 1000, 1.5 and -998)", (SCALES, np.array([3, 0, 1])),
             "each row needs its own maximum subtracted: one maximum for "
             "the whole batch underflows the other rows", LOG_SUM_EXP),
    )


def _t(a, y, width="C"):
    classes = {"C": a.shape[1], "N": len(y), "max": np.max(y) + 1}[width]
    return np.eye(classes)[y]


def _rows(y):
    return np.arange(len(y))


# ------------------------------------------------ Exercise 2.1: cross_entropy

def _loss(logits, y, *, log_p=None, pick="label", sign=-1.0, reduce="mean",
          width="C"):
    r"""The mean cross-entropy by hand; the switches reproduce the slips."""
    log_p = log_softmax(logits, axis=-1) if log_p is None else log_p(logits)
    if width != "C":
        return sign * np.sum(_t(logits, y, width) * log_p) / len(y)
    picked = {"label": lambda: log_p[_rows(y), y],
              "block": lambda: log_p[:, y],
              "max": lambda: np.max(log_p, axis=1),
              "all": lambda: _t(logits, y) * log_p}[pick]()
    return sign * {"mean": np.mean, "sum": np.sum}[reduce](picked)


def _batch_max_log_softmax(z):
    shifted = z - np.max(z)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _binary_term_added(logits, y):
    p, t = softmax(logits, axis=-1), _t(logits, y)
    return -np.mean(np.sum(t * np.log(p) + (1 - t) * np.log(1 - p), axis=1))


CROSS_ENTROPY = Exercise(
    name="cross_entropy", chapter=2, arg_names=("logits", "y"),
    returns="scalar", reproduces=("losses.cross_entropy_forward",),
    reference=lambda logits, y: cross_entropy_forward(logits, y)[0],
    cases=_logit_cases(),
    scalar_hint=("The loss is the mean of the N per-sample losses: did you "
                 "forget np.mean over the batch?"),
    mistakes=(
        Mistake(lambda z, y: _loss(z, y, reduce="sum"),
                "you summed the per-sample losses: the cost is their mean, "
                "(1/N) sum_n, so that it does not grow with the batch size",
                MEAN),
        Mistake(lambda z, y: _loss(z, y, pick="all"),
                "you divided by N*C: np.mean over the (N, C) array T * log p "
                "averages over the classes too; sum over the classes, then "
                "average over the N samples."),
        Mistake(lambda z, y: _loss(z, y, sign=1.0),
                "the loss is negative: log p <= 0, so the loss is "
                "-(1/N) sum_n log p_(n, y_n) >= 0", "The negative log"),
        Mistake(lambda z, y: _loss(z, y, pick="block"),
                "log_p[:, y] takes the N columns y of every row n (an "
                "N x N block), not one entry per sample: index with "
                "log_p[np.arange(N), y]."),
        Mistake(lambda z, y: _loss(z, y, pick="max"),
                "you took the log-probability of the predicted class (the "
                "row maximum): the loss uses the true class y_n of each "
                "sample."),
        Mistake(_binary_term_added,
                "the term -log(1 - p_k) for the wrong classes belongs to "
                "binary cross-entropy; the multiclass loss is only -log p_y",
                BINARY),
        Mistake(lambda z, y: _loss(z, y, log_p=lambda v: np.log(
            softmax(v, axis=-1))),
                "np.log(softmax(z)) fails for large logits: a probability "
                "that underflows to 0 has log -inf. Compute log p = z - m - "
                "log(sum(exp(z - m))) directly, m the row maximum",
                LOG_SUM_EXP),
        Mistake(lambda z, y: _loss(z, y, log_p=_batch_max_log_softmax),
                "you subtracted the maximum of the whole batch, np.max(z): "
                "a row far below it underflows to log(0). Subtract each "
                "row's own maximum, np.max(z, axis=-1, keepdims=True)",
                LOG_SUM_EXP),
        Mistake(lambda z, y: _loss(z, y, width="N"),
                ONE_HOT_WIDTH.format(arg="logits"), line=WIDTH_N),
        Mistake(lambda z, y: _loss(z, y, width="max"),
                ONE_HOT_WIDTH.format(arg="logits"), line=WIDTH_MAX),
    ))

check_cross_entropy = checker(CROSS_ENTROPY, r"""Check ``fn(logits, y)``: the
mean cross-entropy, one number, finite for huge logits.""")


# ------------------------------------------------ Exercise 2.2: ce_grad_probs

def _probability_cases():
    rng = np.random.default_rng(2202)
    rows = [(softmax(rng.normal(size=(4, 3))), [2, 0, 1, 2]),
            (softmax(rng.normal(size=(1, 5))), [3]),
            (softmax(rng.normal(scale=2.0, size=(3, 5))), [0, 3, 1])]
    cases = []
    for probs, y in rows:
        y = np.array(y)
        cases.append(Case(batch_name(probs.shape), (probs, y),
                          numerical=numerical(
                              lambda v, y=y: nll_forward(v, y)[0], probs)))
    confident = np.array([[0.998, 0.001, 0.001], [0.2, 0.3, 0.5]])
    return tuple(cases) + (
        Case("a confident wrong prediction (true-class probability 0.001)",
             (confident, np.array([1, 2]))),)


def _grad_probs(p, y, *, sign=-1.0, mean=True, t=None, width="C"):
    r"""-T/(N P) by hand; ``t`` replaces the one-hot factor."""
    t = _t(p, y, width) if t is None else t(p, y)
    return sign * t / ((len(y) if mean else 1) * p)


CE_GRAD_PROBS = Exercise(
    name="ce_grad_probs", chapter=2, arg_names=("probs", "y"),
    reference=lambda probs, y: nll_backward(nll_forward(probs, y)[1]),
    reproduces=("losses.nll_backward",), cases=_probability_cases(),
    mistakes=(
        Mistake(lambda p, y: _grad_probs(p, y, sign=1.0),
                "the sign is flipped: d(-log p)/dp = -1/p, so raising the "
                "true class's probability lowers the loss",
                "The gradient with respect to the probabilities"),
        Mistake(lambda p, y: _grad_probs(p, y, mean=False),
                "the factor 1/N is missing: the loss is a mean over the "
                "batch, so every entry of the gradient is divided by N", MEAN),
        Mistake(lambda p, y: _grad_probs(p, y, t=lambda p, y: 1.0),
                "only the true class appears in the loss: for k != y_n, "
                "t_k = 0 and the derivative is 0, not -1/(N p_k) (multiply "
                "by the one-hot t)."),
        Mistake(lambda p, y: _grad_probs(p, y, t=lambda p, y: 1.0,
                                         mean=False),
                "only the true class appears in the loss (the derivative is "
                "0 for k != y_n), and the mean over the batch brings a "
                "factor 1/N: -T/(N P)."),
        Mistake(lambda p, y: -np.ones_like(p) / (
            len(y) * p[_rows(y), y][:, None]),
                "-1/(N p_y) belongs in the true class's column only: the "
                "loss does not depend on the other probabilities, so their "
                "derivatives are 0."),
        Mistake(lambda p, y: _grad_probs(p, y) + (1 - _t(p, y)) / (
            len(y) * (1 - p)),
                "the (1 - t)/(1 - p) term comes from binary cross-entropy; "
                "the multiclass loss -log p_y has gradient -T/(N P)", BINARY),
        Mistake(lambda p, y: _grad_probs(p, y, width="N"),
                ONE_HOT_WIDTH.format(arg="probs"), line=WIDTH_N),
        Mistake(lambda p, y: _grad_probs(p, y, width="max"),
                ONE_HOT_WIDTH.format(arg="probs"), line=WIDTH_MAX),
    ))

check_ce_grad_probs = checker(CE_GRAD_PROBS, r"""Check ``fn(probs, y)``:
dL/dP = -T/(N P) (N, C) for the mean loss.""")


# ----------------------------------------------- Exercise 2.3: ce_grad_logits

def _grad_logits(z, y, *, p=None, t=None, sign=1.0, divide="N"):
    r"""(P - T)/N by hand; ``p`` and ``t`` replace the two factors."""
    probs = softmax(z, axis=-1) if p is None else p(z)
    target = _t(z, y) if t is None else t(probs, y)
    count = {"N": len(y), "NC": z.size, "1": 1}[divide]
    return sign * (probs - target) / count


def _batch_max_softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=-1, keepdims=True)


INDICATOR = "The indicator on the wrong index"

CE_GRAD_LOGITS = Exercise(
    name="ce_grad_logits", chapter=2, arg_names=("logits", "y"),
    reference=lambda z, y: cross_entropy_backward(
        cross_entropy_forward(z, y)[1]),
    reproduces=("losses.cross_entropy_backward", "softmax.softmax"),
    cases=_logit_cases(lambda v, y: cross_entropy_forward(v, y)[0]),
    mistakes=(
        Mistake(lambda z, y: _grad_logits(z, y, sign=-1.0),
                "the sign is flipped: t - p points uphill (gradient ascent); "
                "the true class must get a negative entry, p_y - 1",
                "The sign flip: t - p"),
        Mistake(lambda z, y: _grad_logits(z, y, divide="1"),
                "the factor 1/N is missing: the loss is a mean over the "
                "batch, so the gradient is (P - T)/N", "Forgetting the 1/N"),
        Mistake(lambda z, y: _grad_logits(z, y, divide="NC"),
                "you divided by N*C: the loss averages over the N samples "
                "only, so the gradient is (P - T)/N."),
        Mistake(lambda z, y: _grad_logits(
            z, y, p=lambda v: np.take_along_axis(
                softmax(v, axis=-1), y[:, None], axis=1)),
                "the wrong classes get p_y instead of their own p_k: the "
                "diagonal formula p_y(1 - p_y) was used for every entry",
                "The diagonal formula for every entry"),
        Mistake(lambda z, y: _t(z, y) * _grad_logits(z, y),
                "the wrong classes get 0 instead of p_k: z_j moves every "
                "probability, so the chain rule sums over all k, not only "
                "k = j", "Skipping the sum over k"),
        Mistake(lambda z, y: _grad_logits(z, y, t=lambda p, y: 1.0),
                "1 was subtracted from every class: t_j = 1 only at the true "
                "class j = y_n", INDICATOR),
        Mistake(lambda z, y: _grad_logits(z, y, t=lambda p, y: _t(
            p, np.argmax(p, axis=1))),
                "the 1 was subtracted at the predicted class (argmax p), but "
                "it belongs at the true class y_n", INDICATOR),
        Mistake(lambda z, y: _grad_logits(z, y, t=lambda p, y: _t(p, y, "N")),
                ONE_HOT_WIDTH.format(arg="logits"), line=WIDTH_N),
        Mistake(lambda z, y: _grad_logits(z, y, t=lambda p, y: _t(
            p, y, "max")), ONE_HOT_WIDTH.format(arg="logits"),
            line=WIDTH_MAX),
        Mistake(lambda z, y: _grad_logits(z, y, t=lambda p, y: np.eye(
            p.shape[1])[:, y]),
                "your one-hot matrix is (C, N): np.eye(C)[:, y] puts sample "
                "n in column n; np.eye(C)[y] gives one row per sample, "
                "(N, C).", line=r"\[\s*:\s*,\s*y\s*\]"),
        Mistake(lambda z, y: _grad_logits(z, y, p=_batch_max_softmax),
                "you subtracted the maximum of the whole batch, np.max(z): "
                "a row far below it underflows to 0/0. Subtract each row's "
                "own maximum, np.max(z, axis=-1, keepdims=True)",
                LOG_SUM_EXP),
    ))

check_ce_grad_logits = checker(CE_GRAD_LOGITS, r"""Check ``fn(logits, y)``:
dL/dZ = (P - T)/N (N, C) for the mean cross-entropy.""")


# ------------------------------------------- Exercise 2.5: ce_smoothing_grad

SMOOTHING = "Soft targets: label smoothing"


def _smoothed(z, y, alpha, *, spread="C", width="C"):
    r"""The label-smoothed target (N, C); ``spread`` reproduces the slips."""
    classes, one_hot = z.shape[1], _t(z, y, width)
    return {"C": lambda: (1 - alpha) * one_hot + alpha / classes,
            "none": lambda: one_hot,
            "wrong classes": lambda: (1 - alpha) * one_hot
            + alpha / (classes - 1) * (1 - one_hot),
            "C - 1": lambda: (1 - alpha) * one_hot + alpha / (classes - 1),
            "swapped": lambda: alpha * one_hot + (1 - alpha) / classes,
            }[spread]()


def _smoothing_grad(z, y, alpha, *, p=None, spread="C", width="C",
                    smooth_p=False, sign=1.0, divide="N"):
    r"""(P - T)/N with smoothed T by hand; the switches reproduce the
    slips (``smooth_p``: the prediction smoothed, the target one-hot)."""
    probs = softmax(z, axis=-1) if p is None else p(z)
    if smooth_p:
        probs, spread = (1 - alpha) * probs + alpha / z.shape[1], "none"
    target = _smoothed(z, y, alpha, spread=spread, width=width)
    count = {"N": len(y), "NC": z.size, "1": 1}[divide]
    return sign * (probs - target) / count


def _smoothing_cases():
    rng = np.random.default_rng(2205)
    rows = [(rng.normal(size=(4, 3)), [2, 0, 1, 2], 0.1),
            (rng.normal(size=(1, 5)), [3], 0.2),
            (rng.normal(scale=2.0, size=(3, 5)), [0, 3, 1], 0.05)]
    cases = []
    for logits, y, alpha in rows:
        y = np.array(y)
        t = _smoothed(logits, y, alpha)
        cases.append(Case(
            f"{batch_name(logits.shape)}, alpha={alpha}", (logits, y, alpha),
            numerical=numerical(
                lambda v, t=t: cross_entropy_forward(v, t)[0], logits)))
    return tuple(cases) + (
        Case(f"logits of magnitude 1000 ({described(LARGE.shape)}), "
             f"alpha=0.1", (LARGE, np.array([1, 0]), 0.1), OVERFLOW,
             LOG_SUM_EXP),
        Case(f"rows at very different scales ({described(SCALES.shape)}, "
             f"row maxima 1000, 1.5 and -998), alpha=0.3",
             (SCALES, np.array([3, 0, 1]), 0.3),
             "each row needs its own maximum subtracted: one maximum for "
             "the whole batch underflows the other rows", LOG_SUM_EXP),
    )


CE_SMOOTHING_GRAD = Exercise(
    name="ce_smoothing_grad", chapter=2, arg_names=("logits", "y", "alpha"),
    reference=lambda z, y, alpha: cross_entropy_backward(
        cross_entropy_forward(z, _smoothed(z, y, alpha))[1]),
    reproduces=("losses.cross_entropy_backward", "softmax.softmax"),
    cases=_smoothing_cases(),
    mistakes=(
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a, spread="none"),
                "you used the one-hot target: with label smoothing the "
                "target is T = (1 - alpha) one-hot + alpha/C, and the "
                "gradient is (P - T)/N with those rows", SMOOTHING),
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a,
                                                spread="wrong classes"),
                "you gave the true class 1 - alpha and each other class "
                "alpha/(C - 1): this smoothing mixes in the uniform "
                "distribution over all C classes, so every class gets "
                "alpha/C and the true class 1 - alpha + alpha/C", SMOOTHING),
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a, spread="C - 1"),
                "you added alpha/(C - 1) to every class: the smoothed target "
                "adds alpha/C, so that each row still sums to 1", SMOOTHING),
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a, spread="swapped"),
                "alpha and 1 - alpha are swapped: the one-hot part keeps the "
                "weight 1 - alpha and the uniform part gets alpha, "
                "T = (1 - alpha) one-hot + alpha/C", SMOOTHING),
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a, smooth_p=True),
                "you smoothed the prediction instead of the target: the loss "
                "compares P = softmax(Z) itself with the smoothed target "
                "T = (1 - alpha) one-hot + alpha/C, so the gradient is "
                "(P - T)/N", SMOOTHING),
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a, divide="1"),
                "the factor 1/N is missing: the loss is a mean over the "
                "batch, so the gradient is (P - T)/N", "Forgetting the 1/N"),
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a, divide="NC"),
                "you divided by N*C: the loss averages over the N samples "
                "only, so the gradient is (P - T)/N", MEAN),
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a, sign=-1.0),
                "the sign is flipped: T - P points uphill (gradient ascent); "
                "the gradient is (P - T)/N, negative at the true class",
                "The sign flip: t - p"),
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a,
                                                p=_batch_max_softmax),
                "you subtracted the maximum of the whole batch, np.max(z): "
                "a row far below it underflows to 0/0. Subtract each row's "
                "own maximum, np.max(z, axis=-1, keepdims=True)",
                LOG_SUM_EXP),
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a, width="N"),
                ONE_HOT_WIDTH.format(arg="logits"), line=WIDTH_N),
        Mistake(lambda z, y, a: _smoothing_grad(z, y, a, width="max"),
                ONE_HOT_WIDTH.format(arg="logits"), line=WIDTH_MAX),
    ))

check_ce_smoothing_grad = checker(CE_SMOOTHING_GRAD, r"""Check ``fn(logits, y,
alpha)``: dL/dZ = (P - T)/N (N, C) for the mean cross-entropy with the
label-smoothed targets T = (1 - alpha) one-hot + alpha/C.""")
