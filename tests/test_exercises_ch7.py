r"""What is specific to the checkers of chapter 7 (batch normalisation,
layer normalisation, self-attention): cases that expose the chapter's
slips, a mistake hidden behind a second slip, the claim of 7.1's solution
about where eps goes, and the pen-and-paper answers of the notebook. The
generic contract (reference, stub, every mistake's message, headings,
solutions, float32, inputs changed in place) is in test_exercises.py; the
answers students write are in wrong_answers_ch7.py."""

from __future__ import annotations

import numpy as np

from gradlab.attention import attention_backward, attention_forward, \
    causal_mask
from gradlab.exercises import (CHAPTERS, check_attention_backward,
                               check_batchnorm_backward,
                               check_layernorm_backward)
from gradlab.exercises import normalization_attention_exercises as nx
from gradlab.gradcheck import rel_error
from gradlab.normalization import batchnorm_backward_steps, \
    batchnorm_forward
from tests.exercise_helpers import markdown, verdict
from tests.wrong_answers_ch7 import bn_steps


def test_chapter_7_is_registered_with_its_checkers():
    notebook, exercises = CHAPTERS[7]
    assert notebook == "07_batchnorm_attention"
    assert exercises == (nx.BATCHNORM_BACKWARD, nx.LAYERNORM_BACKWARD,
                         nx.ATTENTION_BACKWARD)
    for checker, exercise in ((check_batchnorm_backward, exercises[0]),
                              (check_layernorm_backward, exercises[1]),
                              (check_attention_backward, exercises[2])):
        assert checker.exercise is exercise
        assert checker.__name__ == f"check_{exercise.name}"


def test_norm_cases_expose_bugs():
    for exercise, axis, small in ((nx.BATCHNORM_BACKWARD, 0, 2),
                                  (nx.LAYERNORM_BACKWARD, 1, 1)):
        rows, tiny = [], False
        for case in exercise.cases:
            dout, x, gamma = case.inputs
            assert dout.shape == x.shape and gamma.shape == (x.shape[1],)
            assert x.shape[0] != x.shape[1], case.description
            assert np.all(np.abs(gamma - 1) > 1e-3)  # forgetting gamma shows
            rows.append(x.shape[0])
            tiny |= bool(x.var(axis=axis).min() < 1e-3)
        assert small in rows and max(rows) > 2 and tiny


def test_attention_cases_expose_bugs():
    lengths = []
    for case in nx.ATTENTION_BACKWARD.cases:
        dout, x, w_q, w_k, w_v = case.inputs
        sizes = (x.shape[0], x.shape[1], w_q.shape[1], w_v.shape[1])
        assert len(set(sizes)) == 4 or sizes[0] == 1, case.description
        assert w_k.shape == w_q.shape and dout.shape == (sizes[0], sizes[3])
        lengths.append(sizes[0])
    assert 1 in lengths and max(lengths) > 3


def test_a_mistake_plus_another_slip_is_not_named():
    def two_slips(dout, x, gamma):
        dx, dgamma, dbeta = bn_steps(dout, x, gamma, var_path=False)
        return dx, dgamma, 2 * dbeta

    text = verdict("batchnorm_backward", two_slips)
    assert text.startswith("not yet right: on a batch (N=5, D=3), entry ")
    assert "of dx is" in text and "largest difference" in text
    assert "variance" not in text


def test_dx_is_reported_before_dgamma_and_dbeta():
    def everything_doubled(*args):
        return tuple(2 * part for part in
                     nx.ATTENTION_BACKWARD.reference(*args))

    text = verdict("attention_backward", everything_doubled)
    assert "of dx is" in text, text


def test_eps_placement_claim_in_the_solution():
    r"""7.1's solution: eps outside the root moves dx in the second digit
    on the tiny-variance input (case 4), by parts in a million on case 1
    (whose variances lie between 0.19 and 1.8)."""
    exercise = nx.BATCHNORM_BACKWARD
    wrong = next(m.wrong for m in exercise.mistakes
                 if m.message == nx.EPS_OUTSIDE)
    assert wrong.keywords == {"axis": 0, "eps_inside": False}
    cases = exercise.cases
    assert "tiny spread" in cases[3].description
    variances = cases[0].inputs[1].var(axis=0)
    assert 0.19 <= variances.min() and variances.max() <= 1.8, variances
    for case, low, high in ((cases[0], 1e-7, 1e-5), (cases[3], 1e-3, 1e-1)):
        dx_right = exercise.reference(*case.inputs)[0]
        difference = rel_error(wrong(*case.inputs)[0], dx_right)
        assert low < difference < high, (case.description, difference)
    text = markdown("exercises", 7)
    assert "between 0.19 and 1.8" in text and "fourth input" in text


def test_one_position_leaves_only_the_path_through_v():
    r"""7.3's solution: with L = 1 (the checker's third input) dS = 0."""
    case = nx.ATTENTION_BACKWARD.cases[2]
    assert "one position" in case.description
    dout, x, w_q, w_k, w_v = case.inputs
    dx, dw_q, dw_k, dw_v = nx.ATTENTION_BACKWARD.reference(*case.inputs)
    assert np.abs(dw_q).max() < 1e-12 and np.abs(dw_k).max() < 1e-12
    np.testing.assert_allclose(dx, dout @ w_v.T, rtol=1e-12)
    assert "third input" in markdown("exercises", 7)


def test_pen_and_paper_batchnorm_answers():
    r"""Exercise 7.4, with eps so small that it changes nothing at 1e-9."""
    x = np.array([[0.0], [0.0], [0.0], [4.0]])
    _, cache = batchnorm_forward(x, np.ones(1), np.zeros(1), eps=1e-15)
    np.testing.assert_allclose(cache.x_hat[:, 0],
                               np.array([-1, -1, -1, 3]) / np.sqrt(3))
    dy = np.array([[1.0], [0.0], [0.0], [0.0]])
    dx = batchnorm_backward_steps(dy, cache)[0][:, 0]
    r3 = np.sqrt(3)
    np.testing.assert_allclose(
        dx, [2 / (3 * r3), -1 / (3 * r3), -1 / (3 * r3), 0], atol=1e-9)
    text = markdown("exercises", 7)
    for claim in ["(0.3849, -0.1925, -0.1925, 0)", "(0.5774, 0, 0, 0)"]:
        assert claim in text, claim


def test_pen_and_paper_causal_answers():
    r"""Exercise 7.5 through gradlab: S_10 - S_11 = -log 3 gives a = 1/4."""
    q = np.array([[1.0], [2.0]])
    k = np.array([[0.0], [np.log(3) / 2]])  # S_10 = 0, S_11 = log 3
    v = np.array([[2.0], [-2.0]])
    eye = np.eye(2)  # x = I, so Q = W_Q, K = W_K, V = W_V
    _, cache = attention_forward(eye, q, k, v, mask=causal_mask(2))
    np.testing.assert_allclose(cache.a, [[1, 0], [0.25, 0.75]], atol=1e-15)
    dy = np.array([[0.0], [1.0]])
    _, dq, dk, _ = attention_backward(dy, cache)  # x = I: dW_Q = dQ, ...
    assert dq[0, 0] == 0.0
    np.testing.assert_allclose(dk[:, 0], [1.5, -1.5], atol=1e-12)
    ds = np.array([[0.0, 0.0], [0.75, -0.75]])
    np.testing.assert_allclose((ds @ q)[:, 0], [0.0, -0.75])
    text = markdown("exercises", 7)
    for claim in ["(1.5, -1.5)", "-0.75"]:
        assert claim in text, claim
