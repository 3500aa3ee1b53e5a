r"""The facts chapter 2's issue-13 sections state, pinned on random inputs
(the chapter checks each once on its own numbers):

- the gradient of LSE(z) - t.z is p - t for any target t summing to 1;
- its Hessian is the softmax Jacobian diag(p) - p p^T (central differences
  of the gradient), positive semi-definite with the all-ones null vector;
- the loss does not depend on the shift m of the log-sum-exp, and
  softmax_jacobian(z) @ 1 = 0;
- H(t, p) = H(t) + KL(t || p); with label smoothing the minimum over the
  logits is H(t), at logits log t;
- the loss of small random logits is close to log C;
- a softmax applied twice keeps the loss within
  [log(e + C - 1) - 1, log(e + C - 1)].
"""

from __future__ import annotations

import numpy as np
import pytest

from gradlab.gradcheck import check_gradient, numerical_gradient, rel_error
from gradlab.losses import cross_entropy_backward, cross_entropy_forward
from gradlab.softmax import softmax, softmax_jacobian

SEEDS = range(5)


def _smoothed(y, alpha, classes):
    return (1 - alpha) * np.eye(classes)[y] + alpha / classes


def _lse(z, m):
    return m + np.log(np.sum(np.exp(z - m)))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_gradient_of_lse_minus_t_dot_z_is_p_minus_t(seed):
    rng = np.random.default_rng(seed)
    classes = 3 + seed
    z = rng.normal(scale=2.0, size=classes)
    t = rng.dirichlet(np.ones(classes))

    def loss(v):
        return _lse(v, np.max(v)) - t @ v

    result = check_gradient(loss, z, softmax(z) - t)
    assert result.passed, str(result)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_hessian_is_the_softmax_jacobian_and_semi_definite(seed):
    rng = np.random.default_rng(seed)
    classes = 3 + seed
    z = rng.normal(scale=1.5, size=classes)
    t = np.eye(classes)[rng.integers(classes)]
    hessian = np.stack([numerical_gradient(lambda v: softmax(v) - t, z,
                                           dout=e)
                        for e in np.eye(classes)])
    p = softmax(z)
    formula = np.diag(p) - np.outer(p, p)
    assert rel_error(hessian, formula) < 1e-8
    np.testing.assert_allclose(softmax_jacobian(z), formula, rtol=1e-12,
                               atol=1e-15)
    eigenvalues, vectors = np.linalg.eigh(formula)
    assert eigenvalues[0] > -1e-15 and abs(eigenvalues[0]) < 1e-15
    assert eigenvalues[1] > 1e-8             # rank C - 1
    ones = np.ones(classes) / np.sqrt(classes)
    assert abs(abs(vectors[:, 0] @ ones) - 1) < 1e-12
    for v in rng.normal(size=(20, classes)):  # v^T H v is a variance
        mean = p @ v
        assert v @ formula @ v == pytest.approx(p @ (v - mean) ** 2,
                                                rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_shift_does_not_change_the_loss_or_its_gradient(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3.0, size=6)
    t = np.eye(6)[2]
    values = [_lse(z, m) - t @ z for m in (np.max(z), 0.0, -5.0, 3.3)]
    assert np.ptp(values) < 1e-12
    np.testing.assert_allclose(softmax_jacobian(z) @ np.ones(6), 0.0,
                               atol=1e-15)
    m0 = np.max(z)
    for m_of in (np.max, lambda v: m0):
        result = check_gradient(
            lambda v, m_of=m_of: _lse(v, m_of(v)) - t @ v, z, softmax(z) - t)
        assert result.passed, str(result)


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_is_entropy_plus_kl_and_smoothing_keeps_p_minus_t(
        seed):
    rng = np.random.default_rng(seed)
    n, classes, alpha = 4, 5, 0.05 + 0.1 * seed
    logits = rng.normal(scale=2.0, size=(n, classes))
    target = _smoothed(rng.integers(0, classes, n), alpha, classes)
    p = softmax(logits)
    entropy = -np.sum(target * np.log(target), axis=1)
    kl = np.sum(target * np.log(target / p), axis=1)
    loss, cache = cross_entropy_forward(logits, target)
    assert loss == pytest.approx(np.mean(entropy + kl), rel=1e-12)
    assert np.all(kl >= 0)
    np.testing.assert_allclose(cross_entropy_backward(cache),
                               (p - target) / n, rtol=1e-12, atol=1e-15)
    result = check_gradient(lambda v: cross_entropy_forward(v, target)[0],
                            logits, (p - target) / n)
    assert result.passed, str(result)
    best, best_cache = cross_entropy_forward(np.log(target), target)
    top = 1 - alpha + alpha / classes
    formula = -top * np.log(top) - (classes - 1) * alpha / classes * np.log(
        alpha / classes)
    assert best == pytest.approx(formula, rel=1e-12)
    assert best == pytest.approx(np.mean(entropy), rel=1e-12)
    assert best <= loss
    np.testing.assert_allclose(cross_entropy_backward(best_cache), 0.0,
                               atol=1e-15)


def test_small_random_logits_give_a_first_loss_near_log_c():
    rng = np.random.default_rng(0)
    for classes in (2, 10, 100):
        labels = rng.integers(0, classes, 2000)
        logits = rng.normal(scale=0.01, size=(2000, classes))
        loss = cross_entropy_forward(logits, labels)[0]
        assert abs(loss - np.log(classes)) < 2e-3, (classes, loss)


@pytest.mark.parametrize("classes", [2, 3, 10, 50])
def test_a_softmax_applied_twice_keeps_the_loss_between_its_bounds(classes):
    rng = np.random.default_rng(classes)
    top = np.log(np.e + classes - 1)
    logits = rng.normal(scale=10.0, size=(500, classes))
    labels = rng.integers(0, classes, 500)
    q = softmax(softmax(logits))
    losses = -np.log(q[np.arange(500), labels])
    assert np.all(losses >= top - 1 - 1e-12)
    assert np.all(losses <= top + 1e-12)
    # the bounds are reached by perfectly confident right / wrong answers
    right = np.eye(classes)[labels]
    wrong = np.eye(classes)[(labels + 1) % classes]
    for p, bound in ((right, top - 1), (wrong, top)):
        assert cross_entropy_forward(p, labels)[0] == pytest.approx(
            bound, rel=1e-12)
