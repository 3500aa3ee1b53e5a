r"""The exercise checkers, tested in both directions, and the exercise notebooks' solutions.

Properties checked, for every checker:

- the reference solution passes, and a correct gradient is also confirmed against
  central differences (the verdict quotes the relative error);
- the stub (``raise NotImplementedError``) is "not attempted yet";
- every known wrong implementation, written the way a student would write it (loops,
  other operand orders, not the checker's own code), is rejected with its targeted
  message, asserted on a distinctive phrase;
- returning None, a list, the wrong shape, nan, changing an input in place and raising an
  exception each produce their own message, and nothing ever raises out of a checker;
- feedback is one to three lines, deterministic, and truthy only when correct.

And for the exercise notebooks: every ``python`` block inside a ``{solution}`` directive,
executed, defines a function its checker accepts; the pen-and-paper answers are right.
"""

from __future__ import annotations

import re
from fractions import Fraction

import nbformat
import numpy as np
import pytest

from gradlab.exercises import (Feedback, check_ce_grad_logits, check_ce_grad_probs,
                               check_cross_entropy, check_softmax, check_softmax_jacobian,
                               check_softmax_vjp)
from gradlab.exercises import cross_entropy_exercises as ce
from gradlab.exercises import softmax_exercises as se
from gradlab.losses import cross_entropy_backward, cross_entropy_forward, nll_backward, nll_forward
from gradlab.softmax import log_softmax, softmax, softmax_jacobian
from tests.exercise_helpers import (RETURNS_NONE, ROOT, assert_each_mistake_gets_its_message,
                                    assert_not_attempted, assert_rejected_with,
                                    assert_well_formed, headings, markdown, run_solutions)

CHECKERS = {
    "softmax": (check_softmax, se.SOFTMAX),
    "softmax_jacobian": (check_softmax_jacobian, se.SOFTMAX_JACOBIAN),
    "softmax_vjp": (check_softmax_vjp, se.SOFTMAX_VJP),
    "cross_entropy": (check_cross_entropy, ce.CROSS_ENTROPY),
    "ce_grad_probs": (check_ce_grad_probs, ce.CE_GRAD_PROBS),
    "ce_grad_logits": (check_ce_grad_logits, ce.CE_GRAD_LOGITS),
}
GRADIENTS = {"softmax_jacobian", "softmax_vjp", "ce_grad_probs", "ce_grad_logits"}


# ------------------------------------------------------------------ both directions

@pytest.mark.parametrize("name", CHECKERS)
def test_reference_passes(name):
    checker, exercise = CHECKERS[name]
    feedback = checker(exercise.reference)
    assert_well_formed(feedback)
    assert feedback, str(feedback)
    assert str(feedback).startswith(f"correct: matches the reference on "
                                    f"{len(exercise.cases)} inputs")
    if name in GRADIENTS:
        error = float(re.search(r"relative error (\S+)\)", str(feedback)).group(1))
        assert error < 1e-8


@pytest.mark.parametrize("name", CHECKERS)
def test_stub_is_not_attempted(name):
    assert_not_attempted(CHECKERS[name][0])


@pytest.mark.parametrize("name", CHECKERS)
def test_every_registered_mistake_is_recognised(name):
    checker, exercise = CHECKERS[name]
    assert_each_mistake_gets_its_message(checker, exercise.mistakes, minimum=3)


def test_cases_expose_bugs():
    for name, (_, exercise) in CHECKERS.items():
        shapes = [case.inputs[0].shape for case in exercise.cases]
        if name != "softmax_jacobian":
            assert any(shape[0] == 1 for shape in shapes), name  # a batch of 1
            assert any(shape[0] > 1 for shape in shapes), name
            assert all(shape[0] != shape[1] for shape in shapes), name  # N != C everywhere


# ------------------------------------------------ mistakes written the student's way

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
     "compute s with a stable softmax"),
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
    ("cross_entropy", lambda logits, y: -np.log(softmax(logits))[_rows(y), y].sum(),
     "you summed the per-sample losses"),
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
    ("ce_grad_logits",
     lambda z, y: (-np.eye(z.shape[1])[y] / softmax(z)) * softmax(z) * (1 - softmax(z))
     / len(y),
     "the chain rule sums over all k"),
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


@pytest.mark.parametrize("name, wrong, phrase", STUDENT_MISTAKES,
                         ids=[f"{name}-{phrase[:30]}" for name, _, phrase in STUDENT_MISTAKES])
def test_student_mistake_gets_its_targeted_message(name, wrong, phrase):
    assert_rejected_with(CHECKERS[name][0], wrong, phrase)


STUDENT_CORRECT = [
    ("softmax", lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=1, keepdims=True)),
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


@pytest.mark.parametrize("name, right", STUDENT_CORRECT,
                         ids=[name for name, _ in STUDENT_CORRECT])
def test_other_correct_formulations_pass(name, right):
    checker, _ = CHECKERS[name]
    feedback = checker(right)
    assert feedback, str(feedback)


# ------------------------------------------------------------------ generic problems

@pytest.mark.parametrize("name", CHECKERS)
def test_returning_none(name):
    assert str(CHECKERS[name][0](lambda *args: None)) == RETURNS_NONE


@pytest.mark.parametrize("name", CHECKERS)
def test_raising_a_value_error_is_reported_not_raised(name):
    checker, exercise = CHECKERS[name]

    def raises(*args):
        raise ValueError("shapes do not match")

    feedback = checker(raises)
    assert_well_formed(feedback)
    assert str(feedback) == (f"not yet right: on {exercise.cases[0].description}, your "
                             f"function raised ValueError: shapes do not match")


@pytest.mark.parametrize("name", CHECKERS)
def test_changing_an_input_in_place(name):
    checker, exercise = CHECKERS[name]
    first = exercise.arg_names[0]

    def mutates(*args):
        result = exercise.reference(*args)
        args[0][...] = 0.5
        return result

    feedback = checker(mutates)
    assert not feedback
    assert f"your function changed its input {first} in place; work on a copy" in str(feedback)


@pytest.mark.parametrize("name", sorted(set(CHECKERS) - {"cross_entropy"}))
def test_returning_a_list(name):
    checker, exercise = CHECKERS[name]
    feedback = checker(lambda *args: exercise.reference(*args).tolist())
    assert str(feedback) == ("not yet right: your function returns a list, but an array is "
                             "expected: build the result with numpy operations, or convert "
                             "it with np.asarray(...).")


def test_returning_a_list_for_the_loss():
    feedback = check_cross_entropy(lambda logits, y: [ce.CROSS_ENTROPY.reference(logits, y)])
    assert "returns a list, but a single number is expected" in str(feedback)


@pytest.mark.parametrize("name", sorted(set(CHECKERS) - {"cross_entropy", "softmax_jacobian"}))
def test_transposed_result(name):
    checker, exercise = CHECKERS[name]
    feedback = checker(lambda *args: exercise.reference(*args).T)
    assert_well_formed(feedback)
    shape = exercise.cases[0].inputs[0].shape
    assert f"expected shape {shape}, got {shape[::-1]}" in str(feedback)
    assert "Rows and columns are swapped" in str(feedback)


def test_summed_over_an_axis():
    feedback = check_softmax_vjp(lambda dout, s: (s * dout).sum(axis=1))
    assert "expected shape (3, 5), got (3,)" in str(feedback)
    assert "An axis is missing: did you sum over an axis without keepdims=True" in str(feedback)


def test_wrong_length_along_an_axis():
    feedback = check_ce_grad_logits(lambda z, y: np.zeros((len(y), len(y))))
    assert "expected shape (4, 3), got (4, 4)" in str(feedback)
    assert "Axis 1 has length 4 instead of 3" in str(feedback)


def test_generic_value_message_names_the_case_and_the_entry():
    feedback = check_softmax(lambda z: softmax(z) + np.where(z == z.max(), 1e-3, 0.0))
    assert str(feedback) == ("not yet right: on a batch of N=3, C=5, entry [0, 4] is "
                             "0.643088 but should be 0.642088 (the largest difference, 0.001).")


def test_generic_nan_message_names_the_case():
    def nan_for_large_logits(z):
        s = softmax(z)
        if np.abs(z).max() > 100:
            s[0, 0] = np.nan
        return s

    feedback = check_softmax(nan_for_large_logits)
    assert str(feedback).startswith("not yet right: on logits of magnitude 1000 (N=2, C=3), "
                                    "your function returns nan at [0, 0].")
    assert "subtract each row's maximum" in str(feedback)


def test_scalar_value_message():
    feedback = check_cross_entropy(lambda logits, y: 1.0)
    assert str(feedback) == ("not yet right: on a batch of N=4, C=3, your function returns 1 "
                             "but the answer is 1.46369.")


def test_non_numeric_result():
    feedback = check_softmax(lambda z: softmax(z).astype(str))
    assert "returns ndarray of dtype <U32, but an array of floats is expected" in str(feedback)


def test_passing_a_result_instead_of_the_function():
    feedback = check_softmax(softmax(np.ones((2, 3))))
    assert str(feedback) == ("not yet right: pass your function itself, as in "
                             "check_softmax(softmax), not ndarray (the result of calling it).")


def test_broadcast_error_gets_a_keepdims_hint():
    def unregistered_broadcast_bug(dout, s):
        return (dout - np.sum(dout * s, axis=-1)[None, :]) * s

    feedback = check_softmax_vjp(unregistered_broadcast_bug)
    assert "could not be broadcast" in str(feedback)
    assert "keepdims=True keeps it" in str(feedback)


def test_no_warnings_leak_from_overflowing_code(recwarn):
    check_softmax(naive_softmax_rows)
    assert len(recwarn) == 0


def test_feedback_is_deterministic_and_truthy_only_when_correct():
    first = check_softmax_jacobian(se.SOFTMAX_JACOBIAN.reference)
    assert str(first) == str(check_softmax_jacobian(se.SOFTMAX_JACOBIAN.reference))
    assert bool(first) is True
    assert bool(Feedback("not yet right", "x")) is False
    assert bool(Feedback("not attempted yet", "x")) is False


# ------------------------------------------------------------- the exercise notebooks

NOTEBOOKS = {
    "exercises/01_softmax_jacobian.ipynb": {"softmax", "softmax_jacobian", "softmax_vjp"},
    "exercises/02_cross_entropy.ipynb": {"cross_entropy", "ce_grad_probs", "ce_grad_logits"},
}


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebook_solutions_pass_their_checkers(path):
    # As in the notebook: numpy imported by the setup cell, solutions run in order (the
    # Jacobian's solution calls the softmax of the exercise before it).
    checkers = {name: CHECKERS[name][0] for name in NOTEBOOKS[path]}
    assert set(run_solutions(path, {"np": np}, checkers)) == NOTEBOOKS[path]


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebook_stubs_and_checker_calls(path):
    notebook = nbformat.read(ROOT / path, as_version=4)
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    for name in NOTEBOOKS[path]:
        assert any(re.search(rf"^def {name}\(", code, re.MULTILINE)
                   and "raise NotImplementedError(" in code for code in sources), name
        assert any(code.strip() == f"check_{name}({name})" for code in sources), name
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("check_"):
            assert cell.outputs, f"{path} was not executed"
            assert "not attempted yet" in cell.outputs[0]["data"]["text/plain"]


def test_pen_and_paper_softmax_numbers():
    # z = (0, ln 2, ln 3): e^z = (1, 2, 3), so s = (1/6, 1/3, 1/2).
    z = np.log([1.0, 2.0, 3.0])
    jac = softmax_jacobian(z)
    expected = {(1, 2): Fraction(-1, 6), (0, 2): Fraction(-1, 12), (2, 2): Fraction(1, 4),
                (1, 1): Fraction(2, 9)}
    for (i, j), value in expected.items():
        assert jac[i, j] == pytest.approx(float(value), abs=1e-15)
    assert jac[:, 2].sum() == pytest.approx(0.0, abs=1e-15)
    text = markdown("exercises/01_softmax_jacobian.ipynb")
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
    text = markdown("exercises/02_cross_entropy.ipynb")
    for claim in [r"\frac{1}{2}\ln\frac{64}{15}", "0.7254", r"-\frac{3}{16}", r"-\frac{5}{16}",
                  r"-\frac{4}{5}", r"-\frac{4}{3}"]:
        assert claim in text, claim


def test_feedback_points_to_sections_that_exist():
    r"""Every "(chapter k, 'Section')" or "(chapter k, Step n: ...)" names a real heading."""
    chapters = {"1": "chapters/01_softmax_jacobian.ipynb", "2": "chapters/02_cross_entropy.ipynb"}
    chapter_headings = {number: headings(path) for number, path in chapters.items()}
    texts = [mistake.message for _, exercise in CHECKERS.values() for mistake in exercise.mistakes]
    texts += [case.nonfinite_hint for _, exercise in CHECKERS.values() for case in exercise.cases]
    pointers = [match for text in texts
                for match in re.findall(r"chapter (\d), (?:'([^']+)'|(Step \d: [^)]+))", text)]
    assert len(pointers) >= 20
    for number, quoted, step in pointers:
        section = quoted or step
        assert any(heading.startswith(section) for heading in chapter_headings[number]), section
