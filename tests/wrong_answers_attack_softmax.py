r"""The red team's answers for chapters 1 and 2 (issue 10): wrong answers the
checkers were not told about, and correct formulations they must accept.

Each wrong answer gives the phrase its feedback must contain (a tuple:
every phrase) and, for ``UNREGISTERED``, the phrases it must not contain:
mistakes the answer did not make. A stateful answer is built fresh by
calling its factory here.
"""

import numpy as np


# phrases that name a registered mistake of chapter 1 / 2
OVERFLOW = "overflow"
BATCH_MAX = "maximum of the whole batch"
ONE_HOT = "one-hot matrix has the wrong number of columns"
KEEPDIMS = "keepdims"


def _stable(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _log_softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _onehot(y, classes):
    t = np.zeros((len(y), classes))
    t[np.arange(len(y)), y] = 1.0
    return t


# ------------------------------------------------------------ 1.1 softmax

def softmax_perturbed_1e6(z):
    return _stable(z) * (1 + 1e-6)


def softmax_minus_row_mean(z):
    e = np.exp(z - z.mean(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_minus_column_max(z):
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=1, keepdims=True)


def softmax_float32(z):
    return _stable(z.astype(np.float32))


def softmax_float16(z):
    return _stable(z).astype(np.float16)


def softmax_as_list(z):
    return _stable(z).tolist()


def softmax_clipped_exponent(z):
    e = np.exp(np.clip(z, -700, 700))
    return e / e.sum(axis=1, keepdims=True)


def softmax_extra_axis(z):
    return _stable(z)[..., None]


def softmax_memo_by_shape():
    def softmax(z, _memo={}):
        if z.shape not in _memo:
            _memo[z.shape] = _stable(z)
        return _memo[z.shape]
    return softmax


def softmax_via_logsumexp(z):
    return np.exp(_log_softmax(z))


def softmax_row_loop(z):
    out = np.empty_like(z)
    for n in range(z.shape[0]):
        e = np.exp(z[n] - z[n].max())
        out[n] = e / e.sum()
    return out


# -------------------------------------------------- 1.2 softmax_jacobian

def jacobian_broadcast_wrong_way(z):
    s = _stable(z[None])[0]
    return s * (np.eye(z.size) - s)


def jacobian_float16(z):
    s = _stable(z[None])[0]
    return (np.diag(s) - np.outer(s, s)).astype(np.float16)


def jacobian_other_broadcast(z):
    s = _stable(z[None])[0]
    return s * (np.eye(z.size) - s[:, None])


def jacobian_einsum(z):
    s = _stable(z[None])[0]
    return np.einsum("i,ij->ij", s, np.eye(z.size)) - np.einsum(
        "i,j->ij", s, s)


# ------------------------------------------------------ 1.3 softmax_vjp

def vjp_matrix_product_dot(dout, s):
    return s * (dout - dout @ s.T)


def vjp_flattened_jacobian(dout, s):
    flat = s.ravel()
    jac = np.diag(flat) - np.outer(flat, flat)
    return (dout.ravel() @ jac).reshape(s.shape)


def vjp_batch_gram(dout, s):
    return dout * s - dout @ (s.T @ s)


def vjp_row_jacobians(dout, s):
    out = np.empty_like(s)
    for n in range(s.shape[0]):
        jac = np.diag(s[n]) - np.outer(s[n], s[n])
        out[n] = dout[n] @ jac
    return out


def vjp_einsum(dout, s):
    return s * (dout - np.einsum("nc,nc->n", dout, s)[:, None])


# ------------------------------------------------------ 2.1 cross_entropy

def ce_mean_keepdims(logits, y):
    lp = _log_softmax(logits)
    return -np.mean(lp[np.arange(len(y)), y], keepdims=True)


def ce_clipped_probabilities(logits, y):
    p = _stable(logits)
    return -np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0)))


def ce_float32(logits, y):
    lp = _log_softmax(logits.astype(np.float32))
    return -np.mean(lp[np.arange(len(y)), y])


def ce_divided_by_classes(logits, y):
    lp = _log_softmax(logits)
    return -np.sum(lp[np.arange(len(y)), y]) / logits.shape[1]


def ce_logsumexp_without_axis(logits, y):
    m = logits.max(axis=1, keepdims=True)
    lp = logits - m - np.log(np.sum(np.exp(logits - m)))
    return -np.mean(lp[np.arange(len(y)), y])


def ce_as_list(logits, y):
    lp = _log_softmax(logits)
    return [float(-np.mean(lp[np.arange(len(y)), y]))]


# ------------------------------------------------------ 2.2 ce_grad_probs

def probs_divided_by_classes(p, y):
    return -_onehot(y, p.shape[1]) / (p.shape[1] * p)


def probs_block_assignment(p, y):
    g = np.zeros_like(p)
    g[:, y] = -1.0 / (len(y) * p[np.arange(len(y)), y])
    return g


def probs_negated_bool_mask(p, y):
    t = np.arange(p.shape[1]) == y[:, None]
    return -t / (len(y) * p)


def probs_float32_onehot(p, y):
    t = np.eye(p.shape[1], dtype=np.float32)[y]
    return -t / (len(y) * p)


def probs_first_batch_size():
    memo = {}

    def ce_grad_probs(p, y):
        n = memo.setdefault("N", len(y))
        return -_onehot(y, p.shape[1]) / (n * p)
    return ce_grad_probs


# ----------------------------------------------------- 2.3 ce_grad_logits

def logits_block_subtract(z, y):
    p = _stable(z)
    p[:, y] -= 1.0
    return p / len(y)


def logits_float32(z, y):
    p = _stable(z.astype(np.float32))
    return (p - _onehot(y, z.shape[1]).astype(np.float32)) / len(y)


def logits_perturbed_5e7(z, y):
    return (_stable(z) - _onehot(y, z.shape[1])) / len(y) * (1 + 5e-7)


def logits_divided_by_classes(z, y):
    return (_stable(z) - _onehot(y, z.shape[1])) / z.shape[1]


def logits_mean_over_batch(z, y):
    return (_stable(z) - _onehot(y, z.shape[1])).mean(axis=0)


def logits_unstable_softmax(z, y):
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True) - _onehot(y, z.shape[1])) / \
        len(y)


def logits_add_at(z, y):
    g = _stable(z)
    np.add.at(g, (np.arange(len(y)), y), -1.0)
    return g / len(y)


STUDENT_MISTAKES = [
    # the full (NC, NC) Jacobian of one flattened softmax: the registered
    # 'summed over the whole batch', written unusually
    ('softmax_vjp',
     vjp_flattened_jacobian,
     'whole batch'),
]

UNREGISTERED = [
    # correct values times (1 + 1e-6): generic, digits that differ
    ('softmax',
     softmax_perturbed_1e6,
     'on a batch of N=3, C=5, entry',
     ('overflow', 'maximum of the whole batch', 'each column', 'sum to 1',
       'keepdims')),
    # subtracts each row's mean, not its maximum: overflows at 1e4
    ('softmax',
     softmax_minus_row_mean,
     'on logits of magnitude 1e4 (N=2, C=3), your function',
     ('maximum of the whole batch', 'each column', 'sum to 1')),
    # subtracts each column's maximum (a different shift per entry)
    ('softmax',
     softmax_minus_column_max,
     'on a batch of N=3, C=5, entry',
     ('maximum of the whole batch', 'each column sums', 'whole batch sums')),
    # float32 result
    ('softmax',
     softmax_float32,
     'float32',
     ('overflow',)),
    ('softmax',
     softmax_float16,
     'float16',
     ('overflow',)),
    ('softmax',
     softmax_as_list,
     'list',
     ('overflow',)),
    # clip the exponent instead of shifting by the row maximum
    ('softmax',
     softmax_clipped_exponent,
     'on logits of magnitude 1000 (N=2, C=3), entry',
     ('overflow', 'maximum of the whole batch')),
    # right values, shape (N, C, 1): the extra-axis hint is fine
    ('softmax',
     softmax_extra_axis,
     'shape',
     ('overflow', 'maximum of the whole batch')),
    # memoised on z.shape in a default argument: stale for a new z
    ('softmax',
     softmax_memo_by_shape(),
     'on logits of magnitude 1e4 (N=2, C=3), entry',
     ('overflow', 'maximum of the whole batch')),
    # s * (I - s) broadcasts s along the rows: s_j(delta_ij - s_j)
    ('softmax_jacobian',
     jacobian_broadcast_wrong_way,
     'on z of length 4, entry',
     ('diagonal formula', 'wrong sign', 'diag(s) only', 'outer product',
       'derivative of e^')),
    ('softmax_jacobian',
     jacobian_float16,
     'float16'),
    # dout @ s.T is (N, N): the broadcast error is not a missing keepdims
    ('softmax_vjp',
     vjp_matrix_product_dot,
     'on a batch of N=3, C=5, your function',
     ('keepdims', 'sum or max over one axis')),
    # uses the batch-summed outer product s.T @ s (C, C)
    ('softmax_vjp',
     vjp_batch_gram,
     'on a batch of N=3, C=5, entry',
     ('diag(s) only', 's_j in front', 'wrong way round', 'sign is flipped')),
    # np.mean(..., keepdims=True): the mean was taken
    ('cross_entropy',
     ce_mean_keepdims,
     '(1,)',
     ('forget np.mean',)),
    # clips p at 1e-12 before the log: finite but wrong at 1e4
    ('cross_entropy',
     ce_clipped_probabilities,
     'on logits of magnitude 1e4, true classes '
     'far below the maximum (N=2, C=3), your function',
     ('np.log(softmax(z))', 'maximum of the whole batch', 'summed', 'N*C')),
    ('cross_entropy',
     ce_float32,
     'float32',
     ('overflow',)),
    # divides the sum by C instead of N
    ('cross_entropy',
     ce_divided_by_classes,
     'on a batch of N=4, C=3, your function',
     ('summed the per-sample', 'N*C', 'negative')),
    # log-sum-exp summed over the whole batch (no axis)
    ('cross_entropy',
     ce_logsumexp_without_axis,
     'on a batch of N=4, C=3, your function',
     ('maximum of the whole batch', 'np.log(softmax')),
    ('cross_entropy',
     ce_as_list,
     'list'),
    # divides by C instead of N
    ('ce_grad_probs',
     probs_divided_by_classes,
     'on a batch of N=4, C=3, entry',
     ('1/N is missing', 'sign',
       'one-hot matrix has the wrong number of columns', 'binary')),
    # g[:, y] = ... fills an N x N block of columns
    ('ce_grad_probs',
     probs_block_assignment,
     'on a batch of N=4, C=3, entry',
     ('1/N', 'one-hot matrix has the wrong number of columns',
       "true class's column only")),
    # negating a boolean mask raises in numpy
    ('ce_grad_probs',
     probs_negated_bool_mask,
     'TypeError'),
    # N taken from the first call, kept in a global
    ('ce_grad_probs',
     probs_first_batch_size(),
     'on a batch of 1 (N=1, C=5), entry',
     ('one-hot matrix has the wrong number of columns', '1/N')),
    # p[:, y] -= 1 subtracts at the labels' columns in every row
    ('ce_grad_logits',
     logits_block_subtract,
     'on a batch of N=4, C=3, entry',
     ('every class', 'one-hot matrix has the wrong number of columns', '1/N',
       'predicted class')),
    ('ce_grad_logits',
     logits_float32,
     'float32',
     ('1/N', 'one-hot matrix has the wrong number of columns')),
    # correct answer off by a relative 5e-7
    ('ce_grad_logits',
     logits_perturbed_5e7,
     'on a batch of N=4, C=3, entry',
     ('one-hot matrix has the wrong number of columns', '1/N', 'sign',
       'maximum of the whole batch')),
    # divides by C instead of N
    ('ce_grad_logits',
     logits_divided_by_classes,
     'on a batch of N=4, C=3, entry',
     ('N*C', '1/N is missing')),
    # mean over the batch: shape (C,)
    ('ce_grad_logits',
     logits_mean_over_batch,
     'shape',
     ('1/N', 'one-hot matrix has the wrong number of columns')),
    # unstable softmax: nan at magnitude 1000
    ('ce_grad_logits',
     logits_unstable_softmax,
     'on logits of magnitude 1000 (N=2, C=3), your function',
     ('maximum of the whole batch',)),
]

STUDENT_CORRECT = [
    # log-sum-exp form
    ('softmax',
     softmax_via_logsumexp),
    # row loop
    ('softmax',
     softmax_row_loop),
    # s_j(delta_ij - s_i): symmetric form
    ('softmax_jacobian',
     jacobian_other_broadcast),
    # einsum form
    ('softmax_jacobian',
     jacobian_einsum),
    # per-row Jacobian, loop
    ('softmax_vjp',
     vjp_row_jacobians),
    # einsum
    ('softmax_vjp',
     vjp_einsum),
    # float32 one-hot promoted to float64
    ('ce_grad_probs',
     probs_float32_onehot),
    # np.add.at on a fresh softmax
    ('ce_grad_logits',
     logits_add_at),
]
