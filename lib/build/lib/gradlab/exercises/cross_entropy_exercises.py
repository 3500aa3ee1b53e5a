r"""Checkers for the exercises of chapter 2, the cross-entropy gradient.

With logits z (N, C), integer labels y (N,) and p = softmax(z) row by row:

- :func:`check_cross_entropy` for ``cross_entropy(logits, y)``: the mean loss
  :math:`-\frac{1}{N}\sum_n \log p_{n, y_n}`, a single number, finite for huge logits;
- :func:`check_ce_grad_probs` for ``ce_grad_probs(probs, y)``: :math:`-t/(N p)` (N, C),
  the gradient of the same mean loss with respect to the probabilities;
- :func:`check_ce_grad_logits` for ``ce_grad_logits(logits, y)``: :math:`(P - T)/N` (N, C).

Each returns a :class:`~gradlab.exercises.Feedback`.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from ..losses import (cross_entropy_backward, cross_entropy_forward, nll_backward,
                      nll_forward)
from ..softmax import log_softmax, softmax
from ._framework import Case, Exercise, Feedback, Mistake, check, described

OVERFLOW = ("Logits of magnitude 1000 overflow np.exp: compute p with a stable softmax "
            "(subtract each row's maximum first).")
LOG_OF_ZERO = ("Here a true-class probability underflows to 0 and np.log(0) is -inf: "
               "compute log-probabilities directly, log p = z - m - log(sum(exp(z - m))) "
               "with m the row maximum (chapter 2, 'Log-sum-exp and the p = 0 problem').")


def _one_hot(y: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[y]


def _logit_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(2201)
    first = rng.normal(size=(4, 3))
    one = rng.normal(size=(1, 5))
    wide = rng.normal(scale=2.0, size=(3, 5))
    large = np.array([[1000.0, 999.0, 998.5], [1001.0, 1000.0, 1003.0]])
    huge = np.array([[1e4, 0.0, -1e4], [1e4 - 1, 1e4, 1e4 - 3]])
    return (
        Case(f"a batch of {described(first.shape)}", (first, np.array([2, 0, 1, 2]))),
        Case(f"a batch of 1 ({described(one.shape)})", (one, np.array([3]))),
        Case(f"a batch of {described(wide.shape)} with labels [0, 3, 1]",
             (wide, np.array([0, 3, 1]))),
        Case(f"logits of magnitude 1000 ({described(large.shape)})",
             (large, np.array([1, 0])), OVERFLOW),
        Case(f"logits of magnitude 1e4, true classes far below the maximum "
             f"({described(huge.shape)})", (huge, np.array([1, 2])), LOG_OF_ZERO),
    )


def _with_numerical(cases: tuple[Case, ...], loss, first: int = 2) -> tuple[Case, ...]:
    r"""Give the first ``first`` cases a central-difference gradient of ``loss(x, y)``."""
    def numerical(x, y):
        return lambda: numerical_gradient(lambda v: loss(v, y), x.copy())

    return tuple(Case(case.description, case.inputs, case.nonfinite_hint,
                      numerical(*case.inputs) if index < first else None)
                 for index, case in enumerate(cases))


# ----------------------------------------------------------- Exercise 2.1: cross_entropy

def _log_p(logits):
    return log_softmax(logits, axis=-1)


def _rows(y):
    return np.arange(len(y))


def _sum_not_mean(logits, y):
    return -np.sum(_log_p(logits)[_rows(y), y])


def _mean_over_classes_too(logits, y):
    return -np.mean(_one_hot(y, logits.shape[1]) * _log_p(logits))


def _missing_minus(logits, y):
    return np.mean(_log_p(logits)[_rows(y), y])


def _block_of_columns(logits, y):
    return -np.mean(_log_p(logits)[:, y])


def _predicted_class(logits, y):
    return -np.mean(np.max(_log_p(logits), axis=1))


def _binary_term_added(logits, y):
    p = softmax(logits, axis=-1)
    t = _one_hot(y, logits.shape[1])
    return -np.mean(np.sum(t * np.log(p) + (1 - t) * np.log(1 - p), axis=1))


def _log_of_softmax(logits, y):
    return -np.mean(np.log(softmax(logits, axis=-1))[_rows(y), y])


def _one_hot_n_wide(logits, y):
    return -np.sum(np.eye(len(y))[y] * _log_p(logits)) / len(y)


def _one_hot_too_narrow(logits, y):
    return -np.sum(np.eye(np.max(y) + 1)[y] * _log_p(logits)) / len(y)


ONE_HOT_WIDTH = ("your one-hot matrix has the wrong number of columns: it needs one column "
                 "per class, C = logits.shape[1] (np.eye(C)[y]), not N or max(y) + 1.")

CROSS_ENTROPY = Exercise(
    name="cross_entropy", arg_names=("logits", "y"), returns="scalar",
    reference=lambda logits, y: cross_entropy_forward(logits, y)[0],
    cases=_logit_cases(),
    scalar_hint=("The loss is the mean of the N per-sample losses: did you forget np.mean "
                 "over the batch?"),
    mistakes=(
        Mistake(_sum_not_mean,
                "you summed the per-sample losses: the cost is their mean, (1/N) sum_n, so "
                "that it does not grow with the batch size (chapter 2, 'The mean, not the "
                "sum')."),
        Mistake(_mean_over_classes_too,
                "you divided by N*C: np.mean over the (N, C) array t * log p averages over "
                "the classes too; sum over the classes, then average over the N samples."),
        Mistake(_missing_minus,
                "the loss is negative: log p <= 0, so the loss is -(1/N) sum_n log p_(n, y_n) "
                ">= 0 (chapter 2, 'The negative log')."),
        Mistake(_block_of_columns,
                "log_p[:, y] takes column y_m of every row n (an N x N block), not one entry "
                "per sample: index with log_p[np.arange(N), y]."),
        Mistake(_predicted_class,
                "you took the log-probability of the predicted class (the row maximum): the "
                "loss uses the true class y_n of each sample."),
        Mistake(_binary_term_added,
                "the term -log(1 - p_k) for the wrong classes belongs to binary "
                "cross-entropy; the multiclass loss is only -log p_y (chapter 2, 'Mixing the "
                "binary term into the multiclass loss')."),
        Mistake(_log_of_softmax,
                "np.log(softmax(z)) fails for large logits: a probability that underflows to "
                "0 has log -inf. Compute log p = z - m - log(sum(exp(z - m))) directly, m "
                "the row maximum (chapter 2, 'Log-sum-exp and the p = 0 problem')."),
        Mistake(_one_hot_n_wide, ONE_HOT_WIDTH),
        Mistake(_one_hot_too_narrow, ONE_HOT_WIDTH),
    ))


def check_cross_entropy(fn) -> Feedback:
    r"""Check ``fn(logits, y)``: the mean cross-entropy, one number, finite for huge logits."""
    return check(CROSS_ENTROPY, fn)


# ----------------------------------------------------------- Exercise 2.2: ce_grad_probs

def _probability_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(2202)
    first = softmax(rng.normal(size=(4, 3)))
    one = softmax(rng.normal(size=(1, 5)))
    wide = softmax(rng.normal(scale=2.0, size=(3, 5)))
    confident = np.array([[0.998, 0.001, 0.001], [0.2, 0.3, 0.5]])
    cases = (
        Case(f"a batch of {described(first.shape)}", (first, np.array([2, 0, 1, 2]))),
        Case(f"a batch of 1 ({described(one.shape)})", (one, np.array([3]))),
        Case(f"a batch of {described(wide.shape)} with labels [0, 3, 1]",
             (wide, np.array([0, 3, 1]))),
        Case("a confident wrong prediction (true-class probability 0.001)",
             (confident, np.array([1, 2]))),
    )
    return _with_numerical(cases, lambda probs, y: nll_forward(probs, y)[0])


def _grad_probs_reference(probs, y):
    return nll_backward(nll_forward(probs, y)[1])


def _t(probs, y):
    return _one_hot(y, probs.shape[1])


def _probs_sign(probs, y):
    return _t(probs, y) / (len(y) * probs)


def _probs_no_mean(probs, y):
    return -_t(probs, y) / probs


def _minus_inverse_everywhere(probs, y):
    return -1 / (len(y) * probs)


def _minus_inverse_everywhere_no_mean(probs, y):
    return -1 / probs


def _true_class_everywhere(probs, y):
    p_true = probs[_rows(y), y][:, None]
    return -np.ones_like(probs) / (len(y) * p_true)


def _binary_gradient(probs, y):
    t = _t(probs, y)
    return (-t / probs + (1 - t) / (1 - probs)) / len(y)


def _probs_one_hot_n_wide(probs, y):
    return -np.eye(len(y))[y] / (len(y) * probs)


def _probs_one_hot_too_narrow(probs, y):
    return -np.eye(np.max(y) + 1)[y] / (len(y) * probs)


CE_GRAD_PROBS = Exercise(
    name="ce_grad_probs", arg_names=("probs", "y"), reference=_grad_probs_reference,
    cases=_probability_cases(),
    mistakes=(
        Mistake(_probs_sign,
                "the sign is flipped: d(-log p)/dp = -1/p, so raising the true class's "
                "probability lowers the loss (chapter 2, 'The gradient with respect to the "
                "probabilities')."),
        Mistake(_probs_no_mean,
                "the factor 1/N is missing: the loss is a mean over the batch, so every "
                "entry of the gradient is divided by N (chapter 2, 'The mean, not the sum')."),
        Mistake(_minus_inverse_everywhere,
                "only the true class appears in the loss: for k != y_n, t_k = 0 and the "
                "derivative is 0, not -1/(N p_k) (multiply by the one-hot t)."),
        Mistake(_minus_inverse_everywhere_no_mean,
                "only the true class appears in the loss (the derivative is 0 for k != y_n), "
                "and the mean over the batch brings a factor 1/N: -t/(N p)."),
        Mistake(_true_class_everywhere,
                "-1/(N p_y) belongs in the true class's column only: the loss does not "
                "depend on the other probabilities, so their derivatives are 0."),
        Mistake(_binary_gradient,
                "the (1 - t)/(1 - p) term comes from binary cross-entropy; the multiclass "
                "loss -log p_y has gradient -t/(N p) (chapter 2, 'Mixing the binary term "
                "into the multiclass loss')."),
        Mistake(_probs_one_hot_n_wide, ONE_HOT_WIDTH.replace("logits", "probs")),
        Mistake(_probs_one_hot_too_narrow, ONE_HOT_WIDTH.replace("logits", "probs")),
    ))


def check_ce_grad_probs(fn) -> Feedback:
    r"""Check ``fn(probs, y)``: dL/dp = -t/(N p) (N, C) for the mean loss."""
    return check(CE_GRAD_PROBS, fn)


# ---------------------------------------------------------- Exercise 2.3: ce_grad_logits

def _grad_logits_reference(logits, y):
    return cross_entropy_backward(cross_entropy_forward(logits, y)[1])


def _p_t(logits, y):
    return softmax(logits, axis=-1), _one_hot(y, logits.shape[1])


def _ascent(logits, y):
    p, t = _p_t(logits, y)
    return (t - p) / len(y)


def _logits_no_mean(logits, y):
    p, t = _p_t(logits, y)
    return p - t


def _divided_by_n_c(logits, y):
    p, t = _p_t(logits, y)
    return (p - t) / p.size


def _diagonal_formula_everywhere(logits, y):
    p, t = _p_t(logits, y)
    p_true = p[_rows(y), y][:, None]
    return (p_true - t) / len(y)


def _no_sum_over_k(logits, y):
    p, t = _p_t(logits, y)
    return t * (p - 1) / len(y)


def _indicator_everywhere(logits, y):
    p, _ = _p_t(logits, y)
    return (p - 1) / len(y)


def _indicator_at_prediction(logits, y):
    p, _ = _p_t(logits, y)
    return (p - _one_hot(np.argmax(p, axis=1), p.shape[1])) / len(y)


def _logits_one_hot_n_wide(logits, y):
    p, _ = _p_t(logits, y)
    return (p - np.eye(len(y))[y]) / len(y)


def _logits_one_hot_too_narrow(logits, y):
    p, _ = _p_t(logits, y)
    return (p - np.eye(np.max(y) + 1)[y]) / len(y)


def _one_hot_transposed(logits, y):
    p, _ = _p_t(logits, y)
    return (p - np.eye(p.shape[1])[:, y]) / len(y)


CE_GRAD_LOGITS = Exercise(
    name="ce_grad_logits", arg_names=("logits", "y"), reference=_grad_logits_reference,
    cases=_with_numerical(_logit_cases(),
                          lambda logits, y: cross_entropy_forward(logits, y)[0]),
    mistakes=(
        Mistake(_ascent,
                "the sign is flipped: t - p points uphill (gradient ascent); the true class "
                "must get a negative entry, p_y - 1 (chapter 2, 'The sign flip: t - p')."),
        Mistake(_logits_no_mean,
                "the factor 1/N is missing: the loss is a mean over the batch, so the "
                "gradient is (P - T)/N (chapter 2, 'Forgetting the 1/N')."),
        Mistake(_divided_by_n_c,
                "you divided by N*C: the loss averages over the N samples only, so the "
                "gradient is (P - T)/N."),
        Mistake(_diagonal_formula_everywhere,
                "the wrong classes get p_y instead of their own p_k: the diagonal formula "
                "p_y(1 - p_y) was used for every entry (chapter 2, 'The diagonal formula for "
                "every entry')."),
        Mistake(_no_sum_over_k,
                "the wrong classes get 0 instead of p_k: z_j moves every probability, so the "
                "chain rule sums over all k, not only k = j (chapter 2, 'Skipping the sum "
                "over k')."),
        Mistake(_indicator_everywhere,
                "1 was subtracted from every class: t_j = 1 only at the true class j = y_n "
                "(chapter 2, 'The indicator on the wrong index')."),
        Mistake(_indicator_at_prediction,
                "the 1 was subtracted at the predicted class (argmax p), but it belongs at "
                "the true class y_n (chapter 2, 'The indicator on the wrong index')."),
        Mistake(_logits_one_hot_n_wide, ONE_HOT_WIDTH),
        Mistake(_logits_one_hot_too_narrow, ONE_HOT_WIDTH),
        Mistake(_one_hot_transposed,
                "your one-hot matrix is (C, N): np.eye(C)[:, y] puts sample n in column n; "
                "np.eye(C)[y] gives one row per sample, (N, C)."),
    ))


def check_ce_grad_logits(fn) -> Feedback:
    r"""Check ``fn(logits, y)``: dL/dz = (P - T)/N (N, C) for the mean cross-entropy."""
    return check(CE_GRAD_LOGITS, fn)
