r"""Answers a student might write for exercise 2.5, the gradient of the
label-smoothed cross-entropy: wrong ones, each with the phrase its feedback
must contain (``STUDENT_MISTAKES``: registered mistakes written another
way; ``UNREGISTERED``: slips no mistake describes, whose feedback must name
none of the registered mistakes' phrases, ``NAMED``), and correct
formulations the checker must accept (``STUDENT_CORRECT``).

The target is T = (1 - alpha) one-hot + alpha/C and the answer (P - T)/N.
"""

from __future__ import annotations

import numpy as np

NAME = "ce_smoothing_grad"
# A phrase of each registered mistake's message: an unregistered answer's
# feedback must contain none of them.
NAMED = ("one-hot target", "alpha/(C - 1)",
         "alpha and 1 - alpha are swapped", "smoothed the prediction",
         "1/N is missing",
         "divided by N*C", "sign is flipped", "maximum of the whole batch",
         "wrong number of columns")


def _softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def _one_hot(z, y):
    return np.eye(z.shape[1])[y]


def _smooth(z, y, alpha):
    return (1 - alpha) * _one_hot(z, y) + alpha / z.shape[1]


# ------------------------------------------------ registered, another way

def one_hot_by_loops(logits, y, alpha):
    N = logits.shape[0]
    grad = _softmax(logits)
    for n in range(N):
        grad[n, y[n]] -= 1.0           # alpha never used
    return grad / N


def wrong_classes_share_alpha(logits, y, alpha):
    N, C = logits.shape
    t = np.full((N, C), alpha / (C - 1))
    t[np.arange(N), y] = 1 - alpha
    return (_softmax(logits) - t) / N


def alpha_over_c_minus_1_everywhere(logits, y, alpha):
    N, C = logits.shape
    t = np.eye(C)[y] * (1 - alpha) + alpha / (C - 1)
    return (_softmax(logits) - t) / N


def smoothed_prediction(logits, y, alpha):
    N, C = logits.shape
    q = (1 - alpha) * _softmax(logits) + alpha / C
    return (q - np.eye(C)[y]) / N


def sum_not_mean(logits, y, alpha):
    return _softmax(logits) - _smooth(logits, y, alpha)


def ascent(logits, y, alpha):
    return (_smooth(logits, y, alpha) - _softmax(logits)) / len(y)


def alpha_on_the_label(logits, y, alpha):
    N, C = logits.shape
    t = alpha * np.eye(C)[y] + (1 - alpha) / C
    return (_softmax(logits) - t) / N


def batch_maximum(logits, y, alpha):
    e = np.exp(logits - logits.max())
    p = e / e.sum(axis=1, keepdims=True)
    return (p - _smooth(logits, y, alpha)) / len(y)


def mean_over_everything(logits, y, alpha):
    return (_softmax(logits) - _smooth(logits, y, alpha)) / logits.size


STUDENT_MISTAKES = [
    (NAME, one_hot_by_loops, "you used the one-hot target"),
    (NAME, lambda z, y, alpha: (_softmax(z) - np.eye(z.shape[1])[y])
     / z.shape[0], "you used the one-hot target"),
    (NAME, wrong_classes_share_alpha, "each other class alpha/(C - 1)"),
    (NAME, alpha_over_c_minus_1_everywhere,
     "you added alpha/(C - 1) to every class"),
    (NAME, smoothed_prediction, "you smoothed the prediction"),
    (NAME, sum_not_mean, "the factor 1/N is missing"),
    (NAME, mean_over_everything, "you divided by N*C"),
    (NAME, ascent, "the sign is flipped"),
    (NAME, alpha_on_the_label, "alpha and 1 - alpha are swapped"),
    (NAME, batch_maximum, "maximum of the whole batch"),
]


# --------------------------------------------------------- unregistered

def no_shift(logits, y, alpha):
    e = np.exp(logits)                 # overflows at 1000
    return (e / e.sum(axis=1, keepdims=True)
            - _smooth(logits, y, alpha)) / len(y)


def columns_normalised(logits, y, alpha):
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    p = e / e.sum(axis=0, keepdims=True)     # wrong axis
    return (p - _smooth(logits, y, alpha)) / len(y)


def off_by_one(logits, y, alpha):
    N, C = logits.shape
    t = (1 - alpha) * np.eye(C)[y] + alpha / (C + 1)
    return (_softmax(logits) - t) / N


def in_float32(logits, y, alpha):
    grad = (_softmax(logits) - _smooth(logits, y, alpha)) / len(y)
    return grad.astype(np.float32)


def shifts_in_place(logits, y, alpha):
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True)
            - _smooth(logits, y, alpha)) / len(y)


def transposed(logits, y, alpha):
    return ((_softmax(logits) - _smooth(logits, y, alpha)) / len(y)).T


def one_row_for_the_batch(logits, y, alpha):
    return np.mean(_softmax(logits) - _smooth(logits, y, alpha), axis=0)


def alpha_fixed_at_0_1(logits, y, alpha):
    return (_softmax(logits) - _smooth(logits, y, 0.1)) / len(y)


def uniform_part_forgotten(logits, y, alpha):
    N, C = logits.shape
    return (_softmax(logits) - (1 - alpha) * np.eye(C)[y]) / N


def label_gets_only_1_minus_alpha(logits, y, alpha):
    N, C = logits.shape
    t = np.where(np.eye(C)[y] == 1, 1 - alpha, alpha / C)
    return (_softmax(logits) - t) / N


def divided_by_c(logits, y, alpha):
    return (_softmax(logits) - _smooth(logits, y, alpha)) / logits.shape[1]


def log_probabilities(logits, y, alpha):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return (log_p - _smooth(logits, y, alpha)) / len(y)


def the_loss_instead(logits, y, alpha):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.sum(_smooth(logits, y, alpha) * log_p) / len(y))


_KEPT = {}


def remembers_the_first_probabilities(logits, y, alpha):
    if "p" not in _KEPT:
        _KEPT["p"] = _softmax(logits)
    return (_KEPT["p"] - _smooth(logits, y, alpha)) / len(y)


UNREGISTERED = [
    (NAME, no_shift, "np.exp overflows for logits of magnitude 1000", NAMED),
    (NAME, columns_normalised, "entry [", NAMED),
    (NAME, off_by_one, "entry [", NAMED),
    (NAME, in_float32, "float64 is expected", NAMED),
    (NAME, shifts_in_place, "changed its input logits in place", NAMED),
    (NAME, transposed, ("expected shape (4, 3), got (3, 4)",
                        "Rows and columns are swapped"), NAMED),
    (NAME, one_row_for_the_batch, ("expected shape (4, 3), got (3,)",
                                   "without axis 0"), NAMED),
    (NAME, alpha_fixed_at_0_1, "alpha=0.2, entry [", NAMED),
    (NAME, uniform_part_forgotten, "entry [", NAMED),
    (NAME, label_gets_only_1_minus_alpha, "entry [", NAMED),
    (NAME, divided_by_c, "entry [", NAMED),
    (NAME, log_probabilities, "entry [", NAMED),
    (NAME, the_loss_instead, "expected shape (4, 3), got ()", NAMED),
    # keeps the first call's probabilities: the next shape cannot broadcast
    (NAME, remembers_the_first_probabilities,
     (("on a batch of 1 (N=1, C=5), alpha=0.2, your function raised "
       "ValueError"), "in remembers_the_first_probabilities"), NAMED),
]


# -------------------------------------------------------------- correct

def by_loops(logits, y, alpha):
    N, C = logits.shape
    grad = np.empty((N, C))
    for n in range(N):
        e = np.exp(logits[n] - logits[n].max())
        p = e / e.sum()
        for k in range(C):
            t = (1 - alpha) * (k == y[n]) + alpha / C
            grad[n, k] = (p[k] - t) / N
    return grad


def through_log_sum_exp(logits, y, alpha):
    N, C = logits.shape
    m = logits.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    t = np.full((N, C), alpha / C)
    t[np.arange(N), y] += 1 - alpha
    return (np.exp(logits - lse) - t) / N


def one_hot_gradient_plus_the_uniform_part(logits, y, alpha):
    # (1 - alpha)(P - one-hot)/N + alpha (P - 1/C)/N
    N, C = logits.shape
    p = _softmax(logits)
    return ((1 - alpha) * (p - np.eye(C)[y]) + alpha * (p - 1 / C)) / N


STUDENT_CORRECT = [
    (NAME, by_loops),
    (NAME, through_log_sum_exp),
    (NAME, one_hot_gradient_plus_the_uniform_part),
]
