r"""What is specific to exercise 2.5, the gradient of the label-smoothed
cross-entropy: its reference is the formula of the exercise written out, and
its cases separate the values of alpha and the batch shapes. The generic
tests (``tests/test_exercises.py``, ``tests/test_exercises_wrong_answers.py``
with ``tests/wrong_answers_ch2_smoothing.py``) do the rest.
"""

from __future__ import annotations

import numpy as np

from gradlab.exercises.cross_entropy_exercises import CE_SMOOTHING_GRAD
from gradlab.losses import cross_entropy_backward, cross_entropy_forward
from gradlab.softmax import softmax

EXERCISE = CE_SMOOTHING_GRAD


def test_the_reference_is_p_minus_the_smoothed_target_over_n():
    # the formula of the exercise, written out independently of the checker
    rng = np.random.default_rng(7)
    logits, y, alpha = rng.normal(size=(6, 4)), rng.integers(0, 4, 6), 0.15
    target = np.full((6, 4), alpha / 4)
    target[np.arange(6), y] += 1 - alpha
    np.testing.assert_allclose(target.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    expected = (softmax(logits) - target) / 6
    np.testing.assert_allclose(EXERCISE.reference(logits, y, alpha),
                               expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cross_entropy_backward(
        cross_entropy_forward(logits, target)[1]), expected, rtol=1e-12,
        atol=1e-15)


def test_the_cases_separate_the_values_of_alpha():
    alphas = {case.inputs[2] for case in EXERCISE.cases}
    assert len(alphas) >= 3 and 0.0 not in alphas
    shapes = [case.inputs[0].shape for case in EXERCISE.cases]
    assert any(n == 1 for n, _ in shapes)
    assert any(n > c for n, c in shapes) and any(n < c for n, c in shapes)
