r"""The checkers of chapter 7's exercises, tested in both directions, and their notebook.

Properties checked, for ``check_batchnorm_backward``, ``check_layernorm_backward`` and
``check_attention_backward``:

- the reference solution passes, and is confirmed against central differences;
- the stub is "not attempted yet"; None is reported;
- every registered mistake is rejected with its own message, and each known mistake
  written the way a student would write it (step by step, with loops, with np.var)
  gets its targeted message;
- a mistake is named only when the answer is that mistake: an answer with the mistake
  and a second, unrelated slip gets the plain "which entry differs" message;
- other correct formulations pass (the graph of small steps, loops);
- the cases expose bugs: N != D, a batch of 2 (batch norm) and of 1 (layer norm), a
  tiny variance, L, D, M, M_V all different with a sequence of 1.

And for the notebook: every solution block, executed in order, passes its checker; the
stubs report "not attempted yet"; the chapter headings that feedback points to exist.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest

from gradlab.exercises import normalization_attention_exercises as nx
from gradlab.exercises.normalization_attention_exercises import (
    check_attention_backward, check_batchnorm_backward, check_layernorm_backward)
from gradlab.attention import attention_backward, attention_forward, causal_mask
from gradlab.gradcheck import rel_error
from gradlab.normalization import batchnorm_backward_steps, batchnorm_forward
from gradlab.softmax import softmax
from tests.exercise_helpers import (NOT_ATTEMPTED, RETURNS_NONE, ROOT,
                                    assert_each_mistake_gets_its_message,
                                    assert_not_attempted, assert_rejected_with,
                                    feedback_text, headings, markdown,
                                    run_solutions)

NOTEBOOK = "exercises/07_batchnorm_attention.ipynb"
CHAPTER = "chapters/07_batchnorm_attention.ipynb"

CHECKERS = {
    "batchnorm_backward": (check_batchnorm_backward, nx.BATCHNORM_BACKWARD),
    "layernorm_backward": (check_layernorm_backward, nx.LAYERNORM_BACKWARD),
    "attention_backward": (check_attention_backward, nx.ATTENTION_BACKWARD),
}


@pytest.mark.parametrize("name", CHECKERS)
def test_reference_passes_and_matches_central_differences(name):
    checker, exercise = CHECKERS[name]
    text = feedback_text(checker, exercise.reference)
    assert text.startswith("correct: matches the reference on 4 inputs and the "
                           "numerical gradient (relative error "), text
    assert float(re.search(r"relative error (\S+)\)", text).group(1)) < 1e-8


@pytest.mark.parametrize("name", CHECKERS)
def test_stub_and_none(name):
    checker = CHECKERS[name][0]
    assert_not_attempted(checker)
    assert feedback_text(checker, lambda *args: None) == RETURNS_NONE


@pytest.mark.parametrize("name", CHECKERS)
def test_every_registered_mistake_gets_its_own_message(name):
    checker, exercise = CHECKERS[name]
    assert_each_mistake_gets_its_message(checker, exercise.mistakes, minimum=7)


def test_norm_cases_expose_bugs():
    for exercise, small in ((nx.BATCHNORM_BACKWARD, 2), (nx.LAYERNORM_BACKWARD, 1)):
        rows, tiny = [], False
        for case in exercise.cases:
            dout, x, gamma = case.inputs
            assert dout.shape == x.shape and gamma.shape == (x.shape[1],)
            assert x.shape[0] != x.shape[1], case.description
            assert np.all(np.abs(gamma - 1) > 1e-3)  # forgetting gamma shows
            rows.append(x.shape[0])
            axis = 0 if exercise is nx.BATCHNORM_BACKWARD else 1
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


# ------------------------------------------------ mistakes written the student's way

def bn_steps(dout, x, gamma, *, ddof=0, eps_inside=True, var_path=True,
             mean_path=True):
    r"""A student's backward pass through the small steps, one sample at a time."""
    n, eps = len(x), 1e-5
    mu = sum(x[i] for i in range(n)) / n
    c = x - mu
    var = np.var(x, axis=0, ddof=ddof)
    std = np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps
    x_hat = c / std
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * c, axis=0) * -0.5 / (var + eps) ** 1.5 \
        if eps_inside else np.sum(dx_hat * c, axis=0) * -1 / std ** 2 * 0.5 / np.sqrt(var)
    dc = dx_hat / std + (dvar * 2 * c / (n - ddof) if var_path else 0)
    dx = dc - (dc.mean(axis=0) if mean_path else 0)
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def ln_by_rows(dout, x, gamma, *, gamma_out=False):
    r"""Layer norm one row at a time, with the batch-norm formula applied to each."""
    rows = []
    for g_row, x_row in zip(dout, x):
        d = len(x_row)
        sigma = np.sqrt(x_row.var() + 1e-5)
        x_hat = (x_row - x_row.mean()) / sigma
        g = g_row if gamma_out else g_row * gamma
        dx = (d * g - g.sum() - x_hat * (g * x_hat).sum()) / (d * sigma)
        rows.append(gamma * dx if gamma_out else dx)
    x_hat = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5)
    return np.array(rows), (dout * x_hat).sum(0), dout.sum(0)


def attention_by_loops(dout, x, w_q, w_k, w_v, *, scale=True, dk_swap=False,
                       v_path=True):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    length, m = q.shape
    a = softmax(q @ k.T / np.sqrt(m))
    dv = np.einsum("ij,im->jm", a, dout)
    da = dout @ v.T
    ds = np.zeros_like(a)
    for i in range(length):                       # chapter 1's VJP, row by row
        ds[i] = a[i] * (da[i] - da[i] @ a[i])
    c = 1 / np.sqrt(m) if scale else 1.0
    dq = np.einsum("ij,jm->im", ds, k) * c
    dk = np.einsum("ij,jm->im" if dk_swap else "ij,im->jm", ds, q) * c
    dx = dq @ w_q.T + dk @ w_k.T + (dv @ w_v.T if v_path else 0)
    return dx, x.T @ dq, x.T @ dk, x.T @ dv


def from_library_steps(dout, x, gamma):
    _, cache = batchnorm_forward(x, gamma, np.zeros(x.shape[1]))
    return batchnorm_backward_steps(dout, cache)


CORRECT = [
    ("batchnorm_backward", bn_steps),
    ("batchnorm_backward", from_library_steps),
    ("layernorm_backward", ln_by_rows),
    ("attention_backward", attention_by_loops),
]

STUDENT_MISTAKES = [
    ("batchnorm_backward", lambda *a: bn_steps(*a, ddof=1), "the unbiased variance"),
    ("batchnorm_backward", lambda *a: bn_steps(*a, var_path=False),
     "the path through the variance is missing"),
    ("batchnorm_backward", lambda *a: bn_steps(*a, mean_path=False),
     "the path through the mean is missing"),
    ("batchnorm_backward", lambda *a: bn_steps(*a, var_path=False, mean_path=False),
     "treated as constants"),
    ("batchnorm_backward", lambda *a: bn_steps(*a, eps_inside=False),
     "eps is outside the square root"),
    ("layernorm_backward", lambda *a: ln_by_rows(*a, gamma_out=True),
     "gamma was taken out of the row sums"),
    ("attention_backward", lambda *a: attention_by_loops(*a, scale=False),
     "missing the factor 1/sqrt(M)"),
    ("attention_backward", lambda *a: attention_by_loops(*a, dk_swap=True),
     "dK = dS @ Q uses dS where its transpose belongs"),
    ("attention_backward", lambda *a: attention_by_loops(*a, v_path=False),
     "dx is missing the path through V"),
]


@pytest.mark.parametrize("name, fn", CORRECT, ids=[f"{n}-{f.__name__}" for n, f in CORRECT])
def test_other_correct_formulations_pass(name, fn):
    text = feedback_text(CHECKERS[name][0], fn)
    assert text.startswith("correct: "), text


@pytest.mark.parametrize("name, fn, phrase", STUDENT_MISTAKES,
                         ids=[phrase for _, _, phrase in STUDENT_MISTAKES])
def test_student_mistakes_get_their_message(name, fn, phrase):
    assert_rejected_with(CHECKERS[name][0], fn, phrase)


def test_a_mistake_plus_another_slip_is_not_named():
    def two_slips(dout, x, gamma):
        dx, dgamma, dbeta = bn_steps(dout, x, gamma, var_path=False)
        return dx, dgamma, 2 * dbeta
    text = assert_rejected_with(check_batchnorm_backward, two_slips, "entry")
    assert "variance" not in text and "largest difference" in text


# ------------------------------------------------------------------ the notebook

def test_solutions_in_the_notebook_pass_their_checkers():
    namespace = {"np": np, "softmax": softmax}
    checked = run_solutions(NOTEBOOK, namespace,
                            {name: checker for name, (checker, _) in CHECKERS.items()})
    assert checked == list(CHECKERS)


def test_the_stubs_as_executed_report_not_attempted():
    notebook = nbformat.read(ROOT / NOTEBOOK, as_version=4)
    texts = [output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
             for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.outputs]
    assert sum(NOT_ATTEMPTED in text for text in texts) == len(CHECKERS)


def test_headings_that_feedback_cites_exist():
    r"""Every "(chapter 7, 'Section')" in a message begins a heading of chapter 7."""
    cited = set()
    for _, exercise in CHECKERS.values():
        for mistake in exercise.mistakes:
            cited |= set(re.findall(r"chapter 7, '([^']+)'", mistake.message))
    chapter = headings(CHAPTER)
    assert len(cited) >= 10
    for section in cited:
        assert any(heading.startswith(section) for heading in chapter), section


def test_pen_and_paper_batchnorm_answers():
    r"""Exercise 7.4, with eps so small that it changes nothing at 1e-9."""
    x = np.array([[0.0], [0.0], [0.0], [4.0]])
    _, cache = batchnorm_forward(x, np.ones(1), np.zeros(1), eps=1e-15)
    np.testing.assert_allclose(cache.x_hat[:, 0], np.array([-1, -1, -1, 3]) / np.sqrt(3))
    dy = np.array([[1.0], [0.0], [0.0], [0.0]])
    dx = batchnorm_backward_steps(dy, cache)[0][:, 0]
    r3 = np.sqrt(3)
    np.testing.assert_allclose(dx, [2 / (3 * r3), -1 / (3 * r3), -1 / (3 * r3), 0],
                               atol=1e-9)
    text = markdown(NOTEBOOK)
    for claim in ["(0.3849, -0.1925, -0.1925, 0)", "(0.5774, 0, 0, 0)"]:
        assert claim in text, claim


def test_pen_and_paper_causal_answers():
    r"""Exercise 7.5 through gradlab: S_10 - S_11 = -log 3 gives a = 1/4."""
    q = np.array([[1.0], [2.0]])
    k = np.array([[0.0], [np.log(3) / 2]])   # S_10 = 0, S_11 = log 3: a = 1/4
    v = np.array([[2.0], [-2.0]])
    eye = np.eye(2)                           # x = I, so Q = W_Q, K = W_K, V = W_V
    _, cache = attention_forward(eye, q, k, v, mask=causal_mask(2))
    np.testing.assert_allclose(cache.a, [[1, 0], [0.25, 0.75]], atol=1e-15)
    dy = np.array([[0.0], [1.0]])
    _, dq, dk, _ = attention_backward(dy, cache)   # x = I: dW_Q = dQ, dW_K = dK
    assert dq[0, 0] == 0.0
    np.testing.assert_allclose(dk[:, 0], [1.5, -1.5], atol=1e-12)
    ds = np.array([[0.0, 0.0], [0.75, -0.75]])
    np.testing.assert_allclose((ds @ q)[:, 0], [0.0, -0.75])
    text = markdown(NOTEBOOK)
    for claim in ["(1.5, -1.5)", "-0.75"]:
        assert claim in text, claim


def test_eps_placement_claim_in_the_solution():
    r"""7.1's solution: eps outside the root moves dx in the second digit on the
    tiny-variance input (case 4), by parts in a million on case 1."""
    wrong = next(m.wrong for m in nx.BATCHNORM_BACKWARD.mistakes
                 if m.wrong.__name__ == "_eps_outside_root")
    cases = nx.BATCHNORM_BACKWARD.cases
    assert "tiny spread" in cases[3].description
    variances = cases[0].inputs[1].var(axis=0)
    assert 0.19 <= variances.min() and variances.max() <= 1.8, variances
    for case, low, high in ((cases[0], 1e-7, 1e-5), (cases[3], 1e-3, 1e-1)):
        dx_right = nx.BATCHNORM_BACKWARD.reference(*case.inputs)[0]
        difference = rel_error(wrong(*case.inputs)[0], dx_right)
        assert low < difference < high, (case.description, difference)
