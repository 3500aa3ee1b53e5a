r"""Answers a student might write for chapters 1 and 2 (softmax, cross-entropy): wrong ones, each
with the phrase its feedback must contain (``STUDENT_MISTAKES``:
registered mistakes written another way; ``UNREGISTERED``: slips no
mistake describes, whose feedback must name none), and correct
formulations the checkers must accept (``STUDENT_CORRECT``)."""

from __future__ import annotations

import numpy as np

from gradlab.softmax import log_softmax, softmax


def _rows(y):
    return np.arange(len(y))


def naive_softmax_rows(z):
    out = np.empty_like(z)
    for n in range(z.shape[0]):
        e = np.exp(z[n])
        out[n] = e / e.sum()
    return out


def jacobian_by_loops(entry):
    def jacobian(z):
        s = softmax(z)
        n = len(s)
        jac = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                jac[i, j] = entry(s, z, i, j)
        return jac
    return jacobian


def vjp_with_swapped_arguments(s, dout):  # the student's own order, called as (dout, s)
    return s * (dout - np.sum(dout * s, axis=1, keepdims=True))


def binary_cross_entropy_mixed_in(logits, y):
    p = softmax(logits)
    losses = []
    for n in range(len(y)):
        loss = -np.log(p[n, y[n]])
        for k in range(p.shape[1]):
            if k != y[n]:
                loss -= np.log(1 - p[n, k])
        losses.append(loss)
    return float(np.mean(losses))


def diagonal_formula_for_every_class(logits, y):
    p = softmax(logits)
    grad = np.zeros_like(p)
    for n in range(len(y)):
        for j in range(p.shape[1]):
            p_true = p[n, y[n]]
            grad[n, j] = (p_true - 1 if j == y[n] else p_true) / len(y)
    return grad


STUDENT_MISTAKES = [
    ("softmax", lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(
        axis=1, keepdims=True), "the maximum of the whole batch"),
    # chapter 1: softmax
    ("softmax", lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=0),
     "each column sums to 1"),
    ("softmax", lambda z: np.exp(z) / np.exp(z).sum(), "the whole batch sums to 1"),
    ("softmax", lambda z: np.exp(z - z.max(axis=1, keepdims=True)), "do not sum to 1"),
    ("softmax", lambda z: np.exp(z) / np.sum(np.exp(z), axis=1), "pass keepdims=True"),
    ("softmax", lambda z: softmax(z - z.max(axis=1)), "pass keepdims=True"),
    ("softmax", naive_softmax_rows, "without subtracting the maximum, np.exp overflows"),
    # chapter 1: the Jacobian
    ("softmax_jacobian", jacobian_by_loops(lambda s, z, i, j: s[i] * (1 - s[i])),
     "the diagonal formula s_i(1 - s_i) in every entry"),
    ("softmax_jacobian",
     jacobian_by_loops(lambda s, z, i, j: s[i] * (1 - s[i]) if i == j else s[i] * s[j]),
     "the off-diagonal entries have the wrong sign"),
    ("softmax_jacobian",
     jacobian_by_loops(lambda s, z, i, j: -s[i] * (1 - s[i]) if i == j else -s[i] * s[j]),
     "the diagonal has the wrong sign"),
    ("softmax_jacobian", lambda z: np.diag(softmax(z)), "you returned diag(s) only"),
    ("softmax_jacobian", lambda z: -np.outer(softmax(z), softmax(z)),
     "only the outer-product term"),
    ("softmax_jacobian",
     jacobian_by_loops(lambda s, z, i, j: ((i == j) * np.exp(z).sum() - np.exp(z[i] + z[j]))
                       / np.exp(z).sum() ** 2),
     "with respect to z_i is e^{z_i}, not 1"),
    ("softmax_jacobian",
     jacobian_by_loops(lambda s, z, i, j: (np.exp(z).sum() - np.exp(z[i] + z[j]))
                       / np.exp(z).sum() ** 2),
     "with respect to z_j is not 1"),
    ("softmax_jacobian",
     lambda z: np.diag(naive_softmax_rows(z[None])[0])
     - np.outer(naive_softmax_rows(z[None])[0], naive_softmax_rows(z[None])[0]),
     "Compute s with a stable softmax"),
    # chapter 1: the vector-Jacobian product
    ("softmax_vjp", lambda dout, s: np.stack([d @ np.diag(r) for d, r in zip(dout, s)]),
     "you multiplied by diag(s) only"),
    ("softmax_vjp", lambda dout, s: dout - (dout * s).sum(axis=1, keepdims=True),
     "the factor s_j in front is missing"),
    ("softmax_vjp", lambda dout, s: s * (dout - (dout * s).sum(axis=0)),
     "taken down the batch"),
    ("softmax_vjp", lambda dout, s: s * (dout - np.sum(dout * s)),
     "summed over the whole batch"),
    ("softmax_vjp", lambda dout, s: s * (dout - np.sum(dout * s, axis=1)),
     "row-wise dot products have shape (N,)"),
    ("softmax_vjp", lambda dout, s: -s * (dout - np.sum(dout * s, axis=1, keepdims=True)),
     "the sign is flipped"),
    ("softmax_vjp", vjp_with_swapped_arguments, "used the wrong way round"),
    # chapter 2: the loss
    ("cross_entropy",
     lambda logits, y: -np.mean(np.eye(logits.shape[1])[y] * log_softmax(logits)),
     "you divided by N*C"),
    ("cross_entropy", lambda logits, y: np.mean(log_softmax(logits)[_rows(y), y]),
     "the loss is negative"),
    ("cross_entropy", lambda logits, y: -log_softmax(logits)[:, y].mean(), "an N x N block"),
    ("cross_entropy", lambda logits, y: -np.mean(np.log(np.max(softmax(logits), axis=1))),
     "the predicted class"),
    ("cross_entropy", binary_cross_entropy_mixed_in, "belongs to binary cross-entropy"),
    ("cross_entropy", lambda logits, y: -np.mean(np.log(softmax(logits)[_rows(y), y])),
     "np.log(softmax(z)) fails for large logits"),
    ("cross_entropy",
     lambda logits, y: -np.sum(np.eye(len(y))[y] * log_softmax(logits)) / len(y),
     "one-hot matrix has the wrong number of columns"),
    ("cross_entropy", lambda logits, y: -log_softmax(logits)[_rows(y), y],
     "did you forget np.mean over the batch?"),
    # chapter 2: the gradient with respect to the probabilities
    ("ce_grad_probs", lambda p, y: np.eye(p.shape[1])[y] / (len(y) * p),
     "the sign is flipped"),
    ("ce_grad_probs", lambda p, y: -np.eye(p.shape[1])[y] / p, "the factor 1/N is missing"),
    ("ce_grad_probs", lambda p, y: -1 / (len(y) * p), "not -1/(N p_k)"),
    ("ce_grad_probs", lambda p, y: -1 / p, "brings a factor 1/N"),
    ("ce_grad_probs",
     lambda p, y: np.repeat(-1 / (len(y) * p[_rows(y), y])[:, None], p.shape[1], axis=1),
     "belongs in the true class's column only"),
    ("ce_grad_probs",
     lambda p, y: (-np.eye(p.shape[1])[y] / p + (1 - np.eye(p.shape[1])[y]) / (1 - p))
     / len(y),
     "comes from binary cross-entropy"),
    ("ce_grad_probs", lambda p, y: -np.eye(np.max(y) + 1)[y] / (len(y) * p),
     "one-hot matrix has the wrong number of columns"),
    # chapter 2: the gradient with respect to the logits
    ("ce_grad_logits", lambda z, y: (np.eye(z.shape[1])[y] - softmax(z)) / len(y),
     "t - p points uphill"),
    ("ce_grad_logits", lambda z, y: softmax(z) - np.eye(z.shape[1])[y],
     "the factor 1/N is missing"),
    ("ce_grad_logits", lambda z, y: (softmax(z) - np.eye(z.shape[1])[y]) / z.size,
     "you divided by N*C"),
    ("ce_grad_logits", diagonal_formula_for_every_class,
     "the diagonal formula p_y(1 - p_y) was used for every entry"),
    ("ce_grad_logits", lambda z, y: (softmax(z) - 1) / len(y),
     "1 was subtracted from every class"),
    ("ce_grad_logits",
     lambda z, y: (softmax(z) - np.eye(z.shape[1])[softmax(z).argmax(axis=1)]) / len(y),
     "subtracted at the predicted class"),
    ("ce_grad_logits", lambda z, y: (softmax(z) - np.eye(len(y))[y]) / len(y),
     "one-hot matrix has the wrong number of columns"),
    ("ce_grad_logits", lambda z, y: (softmax(z) - np.eye(y.max() + 1)[y]) / len(y),
     "one-hot matrix has the wrong number of columns"),
    ("ce_grad_logits", lambda z, y: (softmax(z) - np.eye(z.shape[1])[:, y]) / len(y),
     "your one-hot matrix is (C, N)"),
    ("ce_grad_logits", lambda z, y: (naive_softmax_rows(z) - np.eye(z.shape[1])[y]) / len(y),
     "compute p with a stable softmax"),
]


def batch_max_log_softmax(z):
    return z - z.max() - np.log(np.exp(z - z.max()).sum(axis=1, keepdims=True))


def float32_softmax(z):
    z = z.astype(np.float32)  # "to save memory"
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def remembers_the_first_batch(z, seen={}):  # noqa: B006 - the slip
    if z.shape not in seen:
        seen[z.shape] = softmax(z)
    return seen[z.shape]


def softmax_in_place(z):
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)


def ce_by_loop_off_by_one(logits, y):
    total = 0.0
    for n in range(1, len(y)):
        total -= log_softmax(logits)[n, y[n]]
    return total / len(y)


STUDENT_MISTAKES += [
    ("cross_entropy", lambda z, y: float(np.mean(-batch_max_log_softmax(z)[
        np.arange(len(y)), y])), "maximum of the whole batch"),
    ("ce_grad_logits", lambda z, y: (np.exp(z - z.max()) / np.exp(
        z - z.max()).sum(axis=1, keepdims=True) - np.eye(z.shape[1])[y])
     / len(y), "maximum of the whole batch"),
]

# Slips no registered mistake describes: the feedback must name none and
# say something true (the case, the entry, the dtype, the line that raised).
UNREGISTERED = [
    ("softmax", lambda z: np.exp(z - z.mean(axis=1, keepdims=True)) / np.exp(
        z - z.mean(axis=1, keepdims=True)).sum(axis=1, keepdims=True),
     "on logits of magnitude 1e4 (N=2, C=3), your function returns nan"),
    ("cross_entropy", lambda z, y: -np.mean(np.log(
        softmax(z)[np.arange(len(y)), y] + 1e-12)), "returns 15.49"),
    ("ce_grad_probs", lambda p, y: -1 / (len(y) * p[np.arange(len(y)), y]),
     "expected shape (4, 3), got (4,)"),
    ("ce_grad_logits", lambda z, y: (softmax(z) - np.eye(z.shape[1])[y])
     / z.shape[1], "entry [0, 2] is -0.30405"),
    # two registered slips at once (summed, and log of softmax): neither
    # describes the answer alone, so neither is named
    ("cross_entropy", lambda logits, y: -np.log(softmax(logits))[
        np.arange(len(y)), y].sum(), "returns 5.85477 but the answer is"),
    ("cross_entropy", lambda z, y: np.mean(-z[np.arange(len(y)), y] + np.log(
        np.sum(np.exp(z), axis=1))), "returns inf"),
    ("softmax", lambda z: np.exp(z - z.max(axis=0)) / np.exp(
        z - z.max(axis=0)).sum(axis=1, keepdims=True),
     "on a batch of N=3, C=5, entry [0, 4] is 0.33464 but should be"),
    ("softmax", float32_softmax, "values of dtype float32, but float64"),
    ("softmax", softmax_in_place, "changed its input z in place"),
    ("softmax", remembers_the_first_batch, "on logits of magnitude 1e4"),
    ("softmax", lambda z: np.exp(z - z.max(axis=1, keepdims=True)) / np.exp(
        z).sum(axis=1, keepdims=True), "entry [0, 4] is 0.135902 but should"),
    ("softmax_jacobian", lambda z: np.diag(softmax(z)) - np.outer(
        softmax(z), softmax(z)).T[::-1], "on z of length 4, entry"),
    ("softmax_vjp", lambda dout, s: s * (dout - np.sum(dout * s, axis=1,
                                                        keepdims=True)
                                         ) / len(s), "on a batch of N=3"),
    ("cross_entropy", lambda z, y: np.float32(-np.mean(log_softmax(z)[
        np.arange(len(y)), y])), "values of dtype float32"),
    ("cross_entropy", ce_by_loop_off_by_one, "but the answer is"),
    ("cross_entropy", lambda z, y: -np.mean(log_softmax(z)[np.arange(len(y)),
                                                           y]) * 1.0000005,
     "on a batch of N=4, C=3, your function returns 1.463694"),
    ("ce_grad_probs", lambda p, y: -np.eye(p.shape[1])[y] / (p * p.shape[1]),
     "on a batch of N=4, C=3, entry"),
    ("ce_grad_logits", lambda z, y: ((softmax(z) - np.eye(z.shape[1])[y])
                                     / len(y)).astype(np.float32),
     "values of dtype float32"),
    ("ce_grad_logits", lambda z, y: (softmax(z) - np.eye(z.shape[1])[y])
     / len(y) * (1 + 5e-7), "on a batch of N=4, C=3, entry"),
    ("ce_grad_logits",
     lambda z, y: (-np.eye(z.shape[1])[y] / softmax(z)) * softmax(z) * (1 - softmax(z))
     / len(y),
     "is 0 but should be 0.159987"),
]

STUDENT_CORRECT = [
    ("softmax", lambda z: np.exp(z - np.log(np.sum(np.exp(z - z.max(axis=1, keepdims=True)),
                                                  axis=1, keepdims=True))
                                 - z.max(axis=1, keepdims=True))),
    ("softmax_jacobian",
     jacobian_by_loops(lambda s, z, i, j: s[i] * (1 - s[i]) if i == j else -s[i] * s[j])),
    ("softmax_vjp", lambda dout, s: np.stack([d @ (np.diag(r) - np.outer(r, r))
                                              for d, r in zip(dout, s)])),
    ("cross_entropy", lambda logits, y: float(np.mean(
        np.log(np.sum(np.exp(logits - logits.max(axis=1, keepdims=True)), axis=1))
        + logits.max(axis=1) - logits[_rows(y), y]))),
    ("ce_grad_probs", lambda p, y: -np.eye(p.shape[1])[y] / p / len(y)),
    ("ce_grad_logits", lambda z, y: (softmax(z) - np.eye(z.shape[1])[y]) / z.shape[0]),
]




def remembers_by_shape(dout, s, seen={}):  # noqa: B006 - the slip
    if dout.shape not in seen:  # "the products only depend on the shapes"
        seen[dout.shape] = s * (dout - np.sum(dout * s, axis=1,
                                              keepdims=True))
    return seen[dout.shape]


UNREGISTERED += [
    ("softmax_vjp", remembers_by_shape, "on dout of all ones"),
]


def jacobian_with_a_typo(z):
    s = softmax(z)
    jac = np.diag(s * (1 - s))
    for i in range(len(s)):
        for j in range(len(s)):
            if i != j:
                jac[i, j] = -s[i] * s[i]  # s[i] for s[j]
    return jac


UNREGISTERED += [
    ("softmax_jacobian", jacobian_with_a_typo, "on z of length 4, entry"),
    ("softmax_vjp", lambda dout, s: s * (dout - np.dot(dout * s, np.ones(
        (s.shape[1], s.shape[0])))), "on a batch of N=3, C=5"),
    ("ce_grad_probs", lambda p, y: -np.eye(p.shape[1])[y] / p.mean()
     / len(y), "on a batch of N=4, C=3, entry"),
]
