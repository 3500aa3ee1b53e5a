r"""What is specific to the checkers of chapters 1 and 2 (softmax and
cross-entropy): the cases that separate, the messages about shapes, values
and nan, and the pen-and-paper answers of the two exercise notebooks."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from gradlab.losses import (cross_entropy_backward, cross_entropy_forward,
                            nll_backward, nll_forward)
from gradlab.softmax import softmax, softmax_jacobian
from tests.exercise_helpers import EXERCISES, markdown, verdict

BATCHED = ["softmax", "softmax_vjp", "cross_entropy", "ce_grad_probs",
           "ce_grad_logits"]


@pytest.mark.parametrize("name", BATCHED)
def test_cases_separate(name):
    shapes = [case.inputs[0].shape for case in EXERCISES[name].cases]
    assert any(n == 1 for n, _ in shapes) and any(n > 1 for n, _ in shapes)
    assert all(n != c for n, c in shapes)  # N != C everywhere


@pytest.mark.parametrize("name", ["softmax", "cross_entropy",
                                  "ce_grad_logits"])
def test_a_batch_wide_maximum_fails_somewhere(name):
    z = [case.inputs[0] for case in EXERCISES[name].cases]
    assert any(np.max(rows.max(axis=1)) - np.min(rows.max(axis=1)) > 1400
               for rows in z)  # exp(-1400) underflows to 0


def test_shape_messages():
    text = verdict("softmax_vjp", lambda dout, s: (s * dout).T)
    assert "expected shape (3, 5), got (5, 3)" in text
    assert "Rows and columns are swapped" in text
    text = verdict("softmax_vjp", lambda dout, s: (s * dout).sum(axis=1))
    assert "expected shape (3, 5), got (3,)" in text
    assert text.endswith("That is the expected shape without axis 1: a sum, "
                         "mean or max over an axis drops it (keepdims=True "
                         "keeps it with length 1).")
    text = verdict("ce_grad_logits", lambda z, y: np.zeros((len(y), len(y))))
    assert "expected shape (4, 3), got (4, 4)" in text
    assert "Axis 1 has length 4 instead of 3" in text
    assert "returns a list, but a single number is expected" in verdict(
        "cross_entropy", lambda z, y: [1.0])
    assert verdict("cross_entropy", lambda z, y: np.ones(len(y))) == (
        "not yet right: expected a single number, got an array of shape (4,) "
        "on a batch of N=4, C=3. The loss is the mean of the N per-sample "
        "losses: did you forget np.mean over the batch?")


def test_value_messages():
    assert verdict("softmax", lambda z: softmax(z) + np.where(
        z == z.max(), 1e-3, 0.0)) == (
        "not yet right: on a batch of N=3, C=5, entry [0, 4] is 0.643088 but "
        "should be 0.642088 (the largest difference, 0.001).")
    assert verdict("cross_entropy", lambda logits, y: 1.0) == (
        "not yet right: on a batch of N=4, C=3, your function returns 1 but "
        "the answer is 1.46369.")
    assert "returns ndarray of dtype <U32, but an array of floats is " \
           "expected" in verdict("softmax", lambda z: softmax(z).astype(str))


def test_nan_message_names_the_case_and_gives_its_hint():
    def nan_for_large_logits(z):
        s = softmax(z)
        if np.abs(z).max() > 100:
            s[0, 0] = np.nan
        return s

    text = verdict("softmax", nan_for_large_logits)
    assert text.startswith("not yet right: on logits of magnitude 1000 (N=2, "
                           "C=3), your function returns nan at [0, 0].\n")
    assert text.endswith("subtract each row's own maximum, np.max(z, axis=-1, "
                         "keepdims=True), before exponentiating (chapter 1, "
                         "'Numerical stability').")


def test_float32_is_not_called_an_overflow_or_a_missing_factor():
    for name in ("softmax", "ce_grad_logits"):
        text = verdict(name, lambda *a, name=name: np.float32(
            EXERCISES[name].reference(*a)))
        assert text == ("not yet right: your function returns values of dtype "
                        "float32, but float64 is expected: float32 keeps "
                        "about 6 significant digits, float64 about 15. "
                        "Compute in float64 (the inputs are float64; look "
                        "for a conversion or a dtype=).")


def test_pen_and_paper_softmax_numbers():
    # z = (0, ln 2, ln 3): e^z = (1, 2, 3), so s = (1/6, 1/3, 1/2).
    z = np.log([1.0, 2.0, 3.0])
    jac = softmax_jacobian(z)
    expected = {(1, 2): Fraction(-1, 6), (0, 2): Fraction(-1, 12), (2, 2): Fraction(1, 4),
                (1, 1): Fraction(2, 9)}
    for (i, j), value in expected.items():
        assert jac[i, j] == pytest.approx(float(value), abs=1e-15)
    assert jac[:, 2].sum() == pytest.approx(0.0, abs=1e-15)
    text = markdown("exercises", 1)
    for claim in [r"-\frac{1}{6}", r"-\frac{1}{12}", r"\frac{1}{4}", r"\frac{2}{9}"]:
        assert claim in text, claim


def test_pen_and_paper_cross_entropy_numbers():
    # e^z rows (1, 2, 5) and (3, 1, 4), both summing to 8; labels 2 and 0.
    logits = np.log([[1.0, 2.0, 5.0], [3.0, 1.0, 4.0]])
    y = np.array([2, 0])
    loss, cache = cross_entropy_forward(logits, y)
    assert loss == pytest.approx(0.5 * np.log(64 / 15), rel=1e-14)
    dlogits = cross_entropy_backward(cache)
    expected = np.array([[1, 2, -3], [-5, 1, 4]]) / 16
    np.testing.assert_allclose(dlogits, expected, rtol=0, atol=1e-15)
    dprobs = nll_backward(nll_forward(softmax(logits), y)[1])
    np.testing.assert_allclose(dprobs, [[0, 0, -0.8], [-4 / 3, 0, 0]], rtol=1e-14)
    text = markdown("exercises", 2)
    for claim in [r"\frac{1}{2}\ln\frac{64}{15}", "0.7254", r"-\frac{3}{16}", r"-\frac{5}{16}",
                  r"-\frac{4}{5}", r"-\frac{4}{3}"]:
        assert claim in text, claim

