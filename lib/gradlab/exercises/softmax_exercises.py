r"""Checkers for chapter 1, the softmax Jacobian.

- ``check_softmax(softmax)``: a stable softmax over each row of z (N, C);
- ``check_softmax_jacobian(softmax_jacobian)``: z (C,) -> J (C, C),
  ``J[i, j] = ds_i/dz_j``;
- ``check_softmax_vjp(softmax_vjp)``: dL/dz (N, C) from ``dout`` = dL/ds and
  ``s`` = softmax(z), without building the Jacobian.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient
from ..softmax import softmax, softmax_backward, softmax_jacobian
from ._framework import (NO_KEEPDIMS, Case, Exercise, Mistake, checker,
                         described)
from .cases import LARGE, SCALES, batches, jacobian_rows

STABILITY = "Numerical stability"
OVERFLOW = ("np.exp overflows for logits of magnitude {size} (e^710 is "
            "already inf in float64): subtract each row's own maximum, "
            "np.max(z, axis=-1, keepdims=True), before exponentiating")


def _by_hand(z, *, shift="row", axis=-1, divide=True, keepdims=True):
    r"""Softmax by hand; the switches reproduce the known slips."""
    m = {"row": np.max(z, axis=-1, keepdims=True), "batch": np.max(z),
         "none": 0.0}[shift]
    e = np.exp(z - m)
    total = np.sum(e, axis=axis, keepdims=keepdims)
    return e / total if divide else e


_s = _by_hand  # s = softmax(z), for the Jacobian's mistakes


# ------------------------------------------------------ Exercise 1.1: softmax

SOFTMAX = Exercise(
    name="softmax", chapter=1, arg_names=("z",),
    reference=lambda z: softmax(z, axis=-1), reproduces=("softmax.softmax",),
    cases=batches(1101, [(3, 5), (1, 4), (4, 2)]) + (
        Case(f"logits of magnitude 1000 ({described(LARGE.shape)})",
             (LARGE,), OVERFLOW.format(size=1000), STABILITY),
        Case("logits of magnitude 1e4 (N=2, C=3)",
             (np.array([[1e4, 0.0, -1e4], [1e4 - 1, 1e4, 1e4 - 3]]),),
             OVERFLOW.format(size="1e4"), STABILITY),
        Case(f"rows at very different scales ({described(SCALES.shape)}, "
             f"row maxima 1000, 1.5 and -998)", (SCALES,),
             "each row needs its own maximum subtracted: one maximum for "
             "the whole batch underflows the other rows to 0/0", STABILITY),
        Case("rows with a repeated maximum and a constant row",
             (np.array([[2.0, 5.0, 5.0, 1.0], [0.0, 0.0, 0.0, 0.0]]),))),
    mistakes=tuple(  # each with and without a maximum subtracted
        Mistake(lambda z, shift=shift, axis=axis: _by_hand(z, shift=shift,
                                                           axis=axis),
                text, see)
        for axis, text, see in (
            (0, "each column sums to 1 instead of each row: normalise over "
                "the classes, the last axis (np.sum(..., axis=-1, "
                "keepdims=True)), one distribution per sample",
             "Softmax: from logits to probabilities"),
            (None, "the whole batch sums to 1 instead of each row: np.sum "
                   "without an axis adds up every entry; sum over axis=-1 "
                   "with keepdims=True.", ""))
        for shift in ("batch", "none")) + (
        Mistake(lambda z: _by_hand(z, divide=False),
                "the rows do not sum to 1: divide each row's exponentials by "
                "that row's sum", "Softmax: from logits to probabilities"),
        Mistake(lambda z: _by_hand(z, keepdims=False),
                "a row-wise max or sum has shape (N,), which cannot be "
                "combined with an (N, C) array row by row: pass "
                "keepdims=True so it keeps shape (N, 1).", line=NO_KEEPDIMS),
        Mistake(lambda z: _by_hand(z, shift="none"),
                "without subtracting the maximum, np.exp overflows for "
                "logits of magnitude 1000 (e^710 is already inf in "
                "float64): subtract each row's maximum first", STABILITY),
        Mistake(lambda z: _by_hand(z, shift="batch"),
                "you subtracted the maximum of the whole batch, np.max(z): "
                "a row far below it underflows to 0/0. Subtract each row's "
                "own maximum, np.max(z, axis=-1, keepdims=True)", STABILITY),
    ))

check_softmax = checker(SOFTMAX, r"""Check ``fn(z)``: the softmax of every row
of z (N, C), stable for huge logits.""")


# --------------------------------------------- Exercise 1.2: softmax_jacobian

def _numerical_jacobian(z):
    return lambda: jacobian_rows(softmax, z)


def _jacobian_case(description, z, numerical=True):
    return Case(description, (z,), numerical=_numerical_jacobian(z)
                if numerical else None)


def _quotient_rule(z, dexp):
    r"""(de_i/dz_j Sigma - e_i e_j) / Sigma^2 with e = exp(z), Sigma =
    sum(e), as written from the quotient rule, with ``dexp`` in place of
    de_i/dz_j."""
    e = np.exp(z)
    total = np.sum(e)
    return (dexp(e) * total - np.outer(e, e)) / total ** 2


_rng = np.random.default_rng(1102)
DIAGONAL_EVERYWHERE = ("you used the diagonal formula s_i(1 - s_i) in every "
                       "entry: off the diagonal the numerator e^{z_i} does "
                       "not depend on z_j, so the entry is -s_i s_j")
MATRIX_FORM = "Step 6: the matrix form"

SOFTMAX_JACOBIAN = Exercise(
    name="softmax_jacobian", chapter=1, arg_names=("z",),
    reference=softmax_jacobian, reproduces=("softmax.softmax_jacobian",),
    cases=(
        _jacobian_case("z of length 4", _rng.normal(size=4)),
        _jacobian_case("z of length 3", _rng.normal(size=3)),
        _jacobian_case("z of length 1 (a single class, so J = [[0]])",
                       np.array([0.7]), numerical=False),
        Case("logits of magnitude 1000 (C=3)",
             (np.array([1000.0, 999.0, 1001.5]),),
             "Compute s with a stable softmax (subtract max(z) first) "
             "before building J", STABILITY),
        _jacobian_case("z of length 5 with a repeated maximum",
                       np.array([0.5, 2.0, 2.0, -1.0, 0.0]), numerical=False),
    ),
    mistakes=(
        Mistake(lambda z: np.repeat((_s(z) * (1 - _s(z)))[:, None], z.size,
                                    axis=1),
                DIAGONAL_EVERYWHERE, "Step 4: off the diagonal"),
        Mistake(lambda z: np.repeat((_s(z) * (1 - _s(z)))[None, :], z.size,
                                    axis=0),
                DIAGONAL_EVERYWHERE.replace("s_i(1 - s_i)", "s_j(1 - s_j)"),
                "Step 4: off the diagonal"),
        Mistake(lambda z: np.outer(_s(z), _s(z)) + np.diag(
            _s(z) * (1 - _s(z)) - _s(z) ** 2),
                "the off-diagonal entries have the wrong sign: raising z_j "
                "takes probability away from every other class, so "
                "ds_i/dz_j = -s_i s_j for i != j", "Step 4: off the diagonal"),
        Mistake(lambda z: -np.outer(_s(z), _s(z)) - np.diag(
            _s(z) * (1 - _s(z)) - _s(z) ** 2),
                "the diagonal has the wrong sign: raising z_i raises s_i, so "
                "ds_i/dz_i = s_i(1 - s_i) > 0; a stray minus in front of the "
                "quotient-rule fraction?", "Step 3: the diagonal"),
        Mistake(lambda z: np.outer(_s(z), _s(z)) - np.diag(_s(z)),
                "every entry has the wrong sign: J = diag(s) - s s^T, not "
                "s s^T - diag(s)", MATRIX_FORM),
        Mistake(lambda z: np.diag(_s(z)),
                "you returned diag(s) only: J = diag(s) - s s^T also "
                "subtracts the outer product s s^T, which is what makes "
                "every row sum to 0", MATRIX_FORM),
        Mistake(lambda z: -np.outer(_s(z), _s(z)),
                "you returned only the outer-product term -s s^T: the "
                "diagonal also needs +s_i, J = diag(s) - s s^T", MATRIX_FORM),
        Mistake(lambda z: np.outer(_s(z), _s(z)),
                "you returned the outer product s s^T: J = diag(s) - s s^T",
                MATRIX_FORM),
        Mistake(lambda z: _quotient_rule(z, lambda e: 1.0),
                "the derivative of e^{z_i} with respect to z_j is not 1: it "
                "is e^{z_i} when i = j and 0 otherwise",
                "Step 2: the two derivatives inside"),
        Mistake(lambda z: _quotient_rule(z, lambda e: np.eye(e.size)),
                "the derivative of e^{z_i} with respect to z_i is e^{z_i}, "
                "not 1", "Step 2: the two derivatives inside"),
    ))

check_softmax_jacobian = checker(SOFTMAX_JACOBIAN, r"""Check ``fn(z)``: the
(C, C) Jacobian ``J[i, j] = ds_i/dz_j`` of softmax at z (C,).""")


# -------------------------------------------------- Exercise 1.3: softmax_vjp

def _vjp_case(description, z, dout, numerical=True):
    return Case(description, (dout, softmax(z, axis=-1)), numerical=(
        (lambda: numerical_gradient(softmax, z.copy(), dout=dout))
        if numerical else None))


def _vjp(dout, s, *, scale=True, axis=-1, keepdims=True, sign=1.0):
    r"""s * (dout - dout . s) by hand, with switches for the slips."""
    dot = np.sum(dout * s, axis=axis, keepdims=keepdims)
    return sign * (s if scale else 1.0) * (dout - dot)


def _vjp_cases():
    rng = np.random.default_rng(1103)
    z, one, tall = (rng.normal(size=shape) for shape in [(3, 5), (1, 4),
                                                         (4, 2)])
    return (
        _vjp_case(f"a batch of {described(z.shape)}", z,
                  rng.normal(size=z.shape)),
        _vjp_case(f"a batch of 1 ({described(one.shape)})", one,
                  rng.normal(size=one.shape)),
        _vjp_case(f"a batch of {described(tall.shape)}", tall,
                  rng.normal(size=tall.shape), False),
        _vjp_case(f"s from logits of magnitude 1000 "
                  f"({described(LARGE.shape)})", LARGE,
                  rng.normal(size=LARGE.shape), False),
        _vjp_case("dout of all ones (the answer is 0: softmax ignores a "
                  "shift of every logit)", z, np.ones(z.shape), False),
    )


VJP = "The vector–Jacobian product"
OWN_DOT = ("each sample has its own, over its C classes (axis=-1, "
           "keepdims=True)")

SOFTMAX_VJP = Exercise(
    name="softmax_vjp", chapter=1, arg_names=("dout", "s"),
    reference=softmax_backward, reproduces=("softmax.softmax_backward",),
    cases=_vjp_cases(),
    mistakes=(
        Mistake(lambda dout, s: s * dout,
                "you multiplied by diag(s) only (s * dout): the Jacobian is "
                "diag(s) - s s^T, so each entry also loses s_j times the dot "
                "product dout . s", VJP),
        Mistake(lambda dout, s: _vjp(dout, s, scale=False),
                "the factor s_j in front is missing: (dout^T J)_j = "
                "s_j (dout_j - dout . s)", VJP),
        Mistake(lambda dout, s: _vjp(dout, s, axis=0),
                f"the dot product dout . s was taken down the batch (axis "
                f"0): {OWN_DOT}."),
        Mistake(lambda dout, s: _vjp(dout, s, axis=None),
                f"the dot product dout . s was summed over the whole batch: "
                f"{OWN_DOT}."),
        Mistake(lambda dout, s: _vjp(dout, s, keepdims=False),
                "the row-wise dot products have shape (N,), which does not "
                "broadcast against (N, C): use np.sum(dout * s, axis=-1, "
                "keepdims=True).", line=NO_KEEPDIMS),
        Mistake(lambda dout, s: _vjp(dout, s, sign=-1.0),
                "the sign is flipped: (dout^T J)_j = s_j (dout_j - dout . s), "
                "not s_j (dout . s - dout_j)", VJP),
        Mistake(lambda dout, s: _vjp(s, dout),
                "the arguments are used the wrong way round: the function is "
                "called as softmax_vjp(dout, s), upstream gradient first, "
                "then the softmax output."),
    ))

check_softmax_vjp = checker(SOFTMAX_VJP, r"""Check ``fn(dout, s)``: dL/dz
(N, C) from dout = dL/ds (N, C) and s = softmax(z).""")
