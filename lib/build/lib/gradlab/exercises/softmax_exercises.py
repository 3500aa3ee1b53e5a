r"""Checkers for the exercises of chapter 1, the softmax Jacobian.

- :func:`check_softmax` for ``softmax(z)``: a stable softmax over each row of z (N, C);
- :func:`check_softmax_jacobian` for ``softmax_jacobian(z)``: z (n,) -> J (n, n) with
  ``J[i, j] = ds_i/dz_j``;
- :func:`check_softmax_vjp` for ``softmax_vjp(dout, s)``: the vector-Jacobian product
  :math:`\partial L/\partial z` from ``dout`` :math:`= \partial L/\partial s` (N, C) and
  ``s`` = softmax(z) (N, C), without building the Jacobian.

Each returns a :class:`~gradlab.exercises.Feedback`.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from ..softmax import softmax, softmax_backward, softmax_jacobian
from ._framework import Case, Exercise, Feedback, Mistake, check, described

CHAPTER = "chapter 1"
OVERFLOW = ("Logits of magnitude {size} overflow np.exp (e^710 is already inf in float64): "
            "subtract each row's maximum before exponentiating (chapter 1, 'Numerical "
            "stability').")


def _exps(z: np.ndarray) -> np.ndarray:
    return np.exp(z - np.max(z, axis=-1, keepdims=True))


# ---------------------------------------------------------------- Exercise 1.1: softmax

def _softmax_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(1101)
    plain = rng.normal(size=(3, 5))
    one = rng.normal(size=(1, 4))
    tall = rng.normal(scale=2.0, size=(4, 2))
    large = np.array([[1000.0, 999.0, 998.5], [1001.0, 1000.0, 1003.0]])
    huge = np.array([[1e4, 0.0, -1e4], [1e4 - 1, 1e4, 1e4 - 3]])
    ties = np.array([[2.0, 5.0, 5.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    return (
        Case(f"a batch of {described(plain.shape)}", (plain,)),
        Case(f"a batch of 1 ({described(one.shape)})", (one,)),
        Case(f"a batch of {described(tall.shape)} (more rows than classes)", (tall,)),
        Case(f"logits of magnitude 1000 ({described(large.shape)})", (large,),
             OVERFLOW.format(size=1000)),
        Case(f"logits of magnitude 1e4 ({described(huge.shape)})", (huge,),
             OVERFLOW.format(size="1e4")),
        Case("rows with a repeated maximum and a constant row", (ties,)),
    )


def _no_max_subtraction(z):
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def _columns_sum_to_one(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=0, keepdims=True)


def _whole_batch_sums_to_one(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def _not_normalised(z):
    return _exps(z)


def _sum_without_keepdims(z):
    e = _exps(z)
    return e / np.sum(e, axis=1)


SOFTMAX = Exercise(
    name="softmax", arg_names=("z",), reference=lambda z: softmax(z, axis=-1),
    cases=_softmax_cases(),
    mistakes=(
        Mistake(_columns_sum_to_one,
                "each column sums to 1 instead of each row: normalise over the classes, "
                "the last axis (np.sum(..., axis=-1, keepdims=True)), one distribution per "
                "sample (chapter 1, 'Softmax: from logits to probabilities')."),
        Mistake(_whole_batch_sums_to_one,
                "the whole batch sums to 1 instead of each row: np.sum without an axis adds "
                "up every entry; sum over axis=-1 with keepdims=True."),
        Mistake(_not_normalised,
                "the rows do not sum to 1: divide each row's exponentials by that row's sum "
                "(chapter 1, 'Softmax: from logits to probabilities')."),
        Mistake(_sum_without_keepdims,
                "a row-wise max or sum has shape (N,), which cannot be combined with an "
                "(N, C) array row by row: pass keepdims=True so it keeps shape (N, 1)."),
        Mistake(_no_max_subtraction,
                "without subtracting the maximum, np.exp overflows for logits of magnitude "
                "1000 (e^710 is already inf in float64): subtract each row's maximum first "
                "(chapter 1, 'Numerical stability')."),
    ))


def check_softmax(fn) -> Feedback:
    r"""Check ``fn(z)``: the softmax of every row of z (N, C), stable for huge logits."""
    return check(SOFTMAX, fn)


# ------------------------------------------------------- Exercise 1.2: softmax_jacobian

def _numerical_jacobian(z: np.ndarray) -> np.ndarray:
    r"""Row i is the central-difference gradient of s_i: J[i, j] = ds_i/dz_j."""
    rows = []
    for i in range(z.size):
        pick = np.zeros(z.size)
        pick[i] = 1.0
        rows.append(numerical_gradient(softmax, z.copy(), dout=pick))
    return np.array(rows)


def _jacobian_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(1102)
    four = rng.normal(size=4)
    three = rng.normal(size=3)
    large = np.array([1000.0, 999.0, 1001.5])
    ties = np.array([0.5, 2.0, 2.0, -1.0, 0.0])
    return (
        Case("z of length 4", (four,), numerical=lambda: _numerical_jacobian(four)),
        Case("z of length 3", (three,), numerical=lambda: _numerical_jacobian(three)),
        Case("z of length 1 (a single class, so J = [[0]])", (np.array([0.7]),)),
        Case("logits of magnitude 1000 (n=3)", (large,),
             "Logits of magnitude 1000 overflow np.exp: compute s with a stable softmax "
             "(subtract max(z) first) before building J (chapter 1, 'Numerical stability')."),
        Case("z of length 5 with a repeated maximum", (ties,)),
    )


def _s(z):
    return _exps(z) / np.sum(_exps(z))


def _diagonal_formula_by_row(z):
    s = _s(z)
    return np.repeat((s * (1 - s))[:, None], s.size, axis=1)


def _diagonal_formula_by_column(z):
    return _diagonal_formula_by_row(z).T


def _plus_off_diagonal(z):
    s = _s(z)
    jac = np.outer(s, s)
    np.fill_diagonal(jac, s * (1 - s))
    return jac


def _minus_on_diagonal(z):
    s = _s(z)
    jac = -np.outer(s, s)
    np.fill_diagonal(jac, -s * (1 - s))
    return jac


def _negated(z):
    s = _s(z)
    return np.outer(s, s) - np.diag(s)


def _diag_only(z):
    return np.diag(_s(z))


def _outer_only(z):
    s = _s(z)
    return -np.outer(s, s)


def _outer_only_plus(z):
    s = _s(z)
    return np.outer(s, s)


def _dexp_is_one(z):
    s = _s(z)
    return 1 / np.sum(np.exp(z)) - np.outer(s, s)


def _dexp_is_delta(z):
    s = _s(z)
    return np.eye(s.size) / np.sum(np.exp(z)) - np.outer(s, s)


SOFTMAX_JACOBIAN = Exercise(
    name="softmax_jacobian", arg_names=("z",), reference=softmax_jacobian,
    cases=_jacobian_cases(),
    mistakes=(
        Mistake(_diagonal_formula_by_row,
                "you used the diagonal formula s_i(1 - s_i) in every entry: off the diagonal "
                "the numerator e^{z_i} does not depend on z_j, so the entry is -s_i s_j "
                "(chapter 1, Step 4: off the diagonal)."),
        Mistake(_diagonal_formula_by_column,
                "you used the diagonal formula s_j(1 - s_j) in every entry: off the diagonal "
                "the numerator e^{z_i} does not depend on z_j, so the entry is -s_i s_j "
                "(chapter 1, Step 4: off the diagonal)."),
        Mistake(_plus_off_diagonal,
                "the off-diagonal entries have the wrong sign: raising z_j takes probability "
                "away from every other class, so ds_i/dz_j = -s_i s_j for i != j "
                "(chapter 1, Step 4: off the diagonal)."),
        Mistake(_minus_on_diagonal,
                "the diagonal has the wrong sign: raising z_i raises s_i, so "
                "ds_i/dz_i = s_i(1 - s_i) > 0; a stray minus in front of the quotient-rule "
                "fraction? (chapter 1, Step 3: the diagonal)"),
        Mistake(_negated,
                "every entry has the wrong sign: J = diag(s) - s s^T, not s s^T - diag(s) "
                "(chapter 1, Step 6: the matrix form)."),
        Mistake(_diag_only,
                "you returned diag(s) only: J = diag(s) - s s^T also subtracts the outer "
                "product s s^T, which is what makes every row sum to 0 (chapter 1, Step 6)."),
        Mistake(_outer_only,
                "you returned only the outer-product term -s s^T: the diagonal also needs "
                "+s_i, J = diag(s) - s s^T (chapter 1, Step 6: the matrix form)."),
        Mistake(_outer_only_plus,
                "you returned the outer product s s^T: J = diag(s) - s s^T "
                "(chapter 1, Step 6: the matrix form)."),
        Mistake(_dexp_is_one,
                "the derivative of e^{z_i} with respect to z_j is not 1: it is e^{z_i} when "
                "i = j and 0 otherwise (chapter 1, Step 2: the two derivatives inside)."),
        Mistake(_dexp_is_delta,
                "the derivative of e^{z_i} with respect to z_i is e^{z_i}, not 1 "
                "(chapter 1, Step 2: the two derivatives inside)."),
    ))


def check_softmax_jacobian(fn) -> Feedback:
    r"""Check ``fn(z)``: the (n, n) Jacobian ``J[i, j] = ds_i/dz_j`` of softmax at z (n,)."""
    return check(SOFTMAX_JACOBIAN, fn)


# ------------------------------------------------------------ Exercise 1.3: softmax_vjp

def _vjp_case(description: str, z: np.ndarray, dout: np.ndarray, numerical: bool = False,
              ) -> Case:
    s = softmax(z, axis=-1)
    check_against = (lambda: numerical_gradient(softmax, z.copy(), dout=dout)) if numerical \
        else None
    return Case(description, (dout, s), numerical=check_against)


def _vjp_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(1103)
    z = rng.normal(size=(3, 5))
    one = rng.normal(size=(1, 4))
    tall = rng.normal(size=(4, 2))
    large = np.array([[1000.0, 999.0, 998.5], [1001.0, 1000.0, 1003.0]])
    return (
        _vjp_case(f"a batch of {described(z.shape)}", z, rng.normal(size=z.shape), True),
        _vjp_case(f"a batch of 1 ({described(one.shape)})", one, rng.normal(size=one.shape),
                  True),
        _vjp_case(f"a batch of {described(tall.shape)}", tall, rng.normal(size=tall.shape)),
        _vjp_case(f"s from logits of magnitude 1000 ({described(large.shape)})", large,
                  rng.normal(size=large.shape)),
        _vjp_case("dout of all ones (the answer is 0: softmax ignores a shift of every logit)",
                  z, np.ones(z.shape)),
    )


def _diag_s_only(dout, s):
    return s * dout


def _no_s_factor(dout, s):
    return dout - np.sum(dout * s, axis=-1, keepdims=True)


def _dot_over_batch(dout, s):
    return s * (dout - np.sum(dout * s, axis=0, keepdims=True))


def _dot_over_everything(dout, s):
    return s * (dout - np.sum(dout * s))


def _dot_without_keepdims(dout, s):
    return s * (dout - np.sum(dout * s, axis=-1))


def _sign_flipped(dout, s):
    return s * (np.sum(dout * s, axis=-1, keepdims=True) - dout)


def _arguments_swapped(dout, s):
    return dout * (s - np.sum(dout * s, axis=-1, keepdims=True))


SOFTMAX_VJP = Exercise(
    name="softmax_vjp", arg_names=("dout", "s"),
    reference=lambda dout, s: softmax_backward(dout, s),
    cases=_vjp_cases(),
    mistakes=(
        Mistake(_diag_s_only,
                "you multiplied by diag(s) only (s * dout): the Jacobian is diag(s) - s s^T, "
                "so each entry also loses s_j times the dot product dout . s "
                "(chapter 1, 'The vector–Jacobian product')."),
        Mistake(_no_s_factor,
                "the factor s_j in front is missing: (dout^T J)_j = s_j (dout_j - dout . s) "
                "(chapter 1, 'The vector–Jacobian product')."),
        Mistake(_dot_over_batch,
                "the dot product dout . s was taken down the batch (axis 0): each sample has "
                "its own, over its C classes (axis=-1, keepdims=True)."),
        Mistake(_dot_over_everything,
                "the dot product dout . s was summed over the whole batch: each sample has "
                "its own, over its C classes (axis=-1, keepdims=True)."),
        Mistake(_dot_without_keepdims,
                "the row-wise dot products have shape (N,), which does not broadcast against "
                "(N, C): use np.sum(dout * s, axis=-1, keepdims=True)."),
        Mistake(_sign_flipped,
                "the sign is flipped: (dout^T J)_j = s_j (dout_j - dout . s), not "
                "s_j (dout . s - dout_j) (chapter 1, 'The vector–Jacobian product')."),
        Mistake(_arguments_swapped,
                "the arguments are used the wrong way round: the function is called as "
                "softmax_vjp(dout, s), upstream gradient first, then the softmax output."),
    ))


def check_softmax_vjp(fn) -> Feedback:
    r"""Check ``fn(dout, s)``: dL/dz (N, C) from dout = dL/ds (N, C) and s = softmax(z)."""
    return check(SOFTMAX_VJP, fn)
