r"""The two-layer network of chapter 5 (gradlab.mlp) and the data sets (gradlab.data).

Network: every parameter of the whole network against central differences (non-square
N=5, D=3, M=7, C=4 and a batch of 1), the library backward pass against the index-notation
formulas of the chapter, one training step against the update rule written out, training
on spirals (the loss falls, a stated accuracy is reached, the run is reproducible).
Data: shapes, dtypes, labels and determinism of the generators and of the digits split.
Then one test per bad input, on its message.

Tolerance: the loss is a mean of O(1), so central differences with h = 1e-6 carry a
rounding error of about eps * L / h per entry, up to 1.6e-9 relative on 30 random
networks of this size. With h = 1e-5 the worst of those 30 is 1.6e-10 (truncation is
still negligible), so the check runs at h = 1e-5 and holds the smooth-op tolerance 1e-9.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from gradlab.data import load_digits_split, make_moons, make_spirals
from gradlab.gradcheck import check_gradient
from gradlab.mlp import init_mlp, mlp_backward, mlp_forward, mlp_logits, mlp_predict, train_mlp

SMOOTH = 1e-9
KEYS = ("W1", "b1", "W2", "b2")


def random_network(n, d, m, c, seed):
    rng = np.random.default_rng(seed)
    params = init_mlp(d, m, c, seed=seed)
    # Non-zero biases, so that a bias gradient summed over the wrong axis cannot hide.
    params["b1"] = 0.5 * rng.standard_normal(m)
    params["b2"] = 0.5 * rng.standard_normal(c)
    return params, rng.standard_normal((n, d)), rng.integers(0, c, size=n)


# --- the network --------------------------------------------------------------------------

@pytest.mark.parametrize("n, d, m, c", [(5, 3, 7, 4), (1, 3, 7, 4), (6, 2, 5, 3)])
@pytest.mark.parametrize("seed", [0, 1])
def test_every_parameter_of_the_network_matches_central_differences(n, d, m, c, seed):
    params, x, y = random_network(n, d, m, c, seed)
    _, cache = mlp_forward(params, x, y)
    grads = mlp_backward(cache)
    assert set(grads) == set(KEYS)
    for key in KEYS:
        assert grads[key].shape == params[key].shape, key
        check_gradient(lambda _: mlp_forward(params, x, y)[0], params[key], grads[key],
                       name=f"dL/d{key} (N={n}, D={d}, M={m}, C={c})",
                       tolerance=SMOOTH, h=1e-5).raise_if_failed()


def test_backward_matches_the_index_notation_of_the_chapter():
    # delta_k = y_k - t_k; dE/dW2_jk = delta_k h_j; dE/dW1_ij = (sum_k delta_k W2_jk)(1 - h_j^2) x_i,
    # summed over the batch and divided by N (the loss is a mean).
    params, x, y = random_network(4, 3, 5, 6, seed=7)
    _, cache = mlp_forward(params, x, y)
    grads = mlp_backward(cache)
    expected = {key: np.zeros_like(value) for key, value in params.items()}
    for x_n, y_n in zip(x, y):
        h = np.tanh(x_n @ params["W1"] + params["b1"])
        z = h @ params["W2"] + params["b2"]
        delta = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        delta[y_n] -= 1.0
        for j in range(len(h)):
            back = sum(delta[k] * params["W2"][j, k] for k in range(len(delta)))
            expected["b1"][j] += back * (1 - h[j] ** 2)
            for i in range(len(x_n)):
                expected["W1"][i, j] += back * (1 - h[j] ** 2) * x_n[i]
            for k in range(len(delta)):
                expected["W2"][j, k] += delta[k] * h[j]
        expected["b2"] += delta
    for key in KEYS:
        np.testing.assert_allclose(grads[key], expected[key] / len(x), rtol=1e-12, atol=1e-15,
                                   err_msg=key)


def test_forward_agrees_with_the_formula_and_predict_takes_the_argmax():
    params, x, y = random_network(5, 3, 7, 4, seed=3)
    z = np.tanh(x @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    log_p = z - z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    loss, _ = mlp_forward(params, x, y)
    assert loss == pytest.approx(-log_p[np.arange(5), y].mean(), rel=1e-13)
    np.testing.assert_allclose(mlp_logits(params, x)[0], z, rtol=1e-13)
    np.testing.assert_array_equal(mlp_predict(params, x), np.argmax(z, axis=1))


def test_init_mlp_shapes_scale_and_determinism():
    params = init_mlp(400, 300, 10, seed=4)
    assert {key: value.shape for key, value in params.items()} == {
        "W1": (400, 300), "b1": (300,), "W2": (300, 10), "b2": (10,)}
    assert params["W1"].std() == pytest.approx(1 / np.sqrt(400), rel=0.02)
    assert params["W2"].std() == pytest.approx(1 / np.sqrt(300), rel=0.05)
    assert not params["b1"].any() and not params["b2"].any()
    again = init_mlp(400, 300, 10, seed=4)
    assert all(np.array_equal(params[key], again[key]) for key in KEYS)
    assert not np.array_equal(params["W1"], init_mlp(400, 300, 10, seed=5)["W1"])


def test_one_full_batch_step_is_gradient_descent_and_momentum_accumulates():
    params, x, y = random_network(6, 3, 5, 4, seed=2)
    start = {key: value.copy() for key, value in params.items()}
    grads = mlp_backward(mlp_forward(params, x, y)[1])
    train_mlp(params, x, y, epochs=1, learning_rate=0.3, seed=0)
    for key in KEYS:
        np.testing.assert_allclose(params[key], start[key] - 0.3 * grads[key], rtol=1e-13,
                                   err_msg=key)
    # Two full-batch momentum steps: v1 = -lr g0, v2 = mu v1 - lr g1.
    params = {key: value.copy() for key, value in start.items()}
    grads_1 = mlp_backward(mlp_forward({key: start[key] - 0.3 * grads[key] for key in KEYS},
                                       x, y)[1])
    train_mlp(params, x, y, epochs=2, learning_rate=0.3, momentum=0.5, seed=0)
    for key in KEYS:
        expected = start[key] - 0.3 * grads[key] + 0.5 * (-0.3 * grads[key]) - 0.3 * grads_1[key]
        np.testing.assert_allclose(params[key], expected, rtol=1e-12, err_msg=key)


def spiral_run(seed=0):
    x, y = make_spirals(100, 3, noise=0.2, seed=0)
    params = init_mlp(2, 32, 3, seed=1)
    # The run of the chapter: 98.7 % training accuracy after 200 epochs.
    history = train_mlp(params, x, y, epochs=200, learning_rate=0.05, batch_size=30,
                        momentum=0.9, seed=seed, snapshot_epochs=[0, 100, 200])
    return params, history, x, y


def test_training_on_spirals_reduces_the_loss_and_reaches_95_percent():
    params, history, x, y = spiral_run()
    assert history["epoch"] == list(range(201))
    assert len(history["train_loss"]) == len(history["train_accuracy"]) == 201
    assert history["train_loss"][0] == pytest.approx(np.log(3), abs=0.15)  # near uniform guess
    assert history["train_loss"][-1] < 0.1 * history["train_loss"][0]
    assert history["train_accuracy"][0] < 0.6
    assert history["train_accuracy"][-1] >= 0.95
    assert np.mean(mlp_predict(params, x) == y) == history["train_accuracy"][-1]
    assert "test_loss" not in history


def test_training_is_deterministic_and_snapshots_are_copies():
    params, history, _, _ = spiral_run()
    _, again, _, _ = spiral_run()
    assert history["train_loss"] == again["train_loss"]
    _, other, _, _ = spiral_run(seed=1)  # another order of the mini-batches
    assert history["train_loss"][-1] != other["train_loss"][-1]
    snapshots = history["snapshots"]
    assert sorted(snapshots) == [0, 100, 200]
    assert np.array_equal(snapshots[0]["W1"], init_mlp(2, 32, 3, seed=1)["W1"])
    assert all(np.array_equal(snapshots[200][key], params[key]) for key in KEYS)
    assert not np.array_equal(snapshots[100]["W1"], params["W1"])


def test_training_records_the_test_set_when_given():
    x, y = make_moons(60, noise=0.1, seed=0)
    x_test, y_test = make_moons(40, noise=0.1, seed=1)
    history = train_mlp(init_mlp(2, 8, 2, seed=0), x, y, epochs=30, learning_rate=0.5,
                        batch_size=10, momentum=0.9, x_test=x_test, y_test=y_test)
    assert len(history["test_loss"]) == len(history["test_accuracy"]) == 31
    assert history["test_loss"][-1] < history["test_loss"][0]
    assert history["test_accuracy"][-1] >= 0.85


# --- the data sets ------------------------------------------------------------------------

def test_spirals_shapes_labels_and_geometry():
    x, y = make_spirals(50, n_classes=4, noise=0.0, seed=0)
    assert x.shape == (200, 2) and x.dtype == np.float64
    assert y.shape == (200,) and np.issubdtype(y.dtype, np.integer)
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)
    radius = np.linspace(0, 1, 50)
    # Without noise, point i of each arm lies exactly at radius i/(n - 1).
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), np.tile(radius, 4), atol=1e-15)
    noisy, _ = make_spirals(50, n_classes=4, noise=0.3, seed=0)
    assert np.linalg.norm(noisy, axis=1).max() <= 1 + 1e-12


def test_moons_shapes_labels_and_geometry():
    x, y = make_moons(21, noise=0.0, seed=0)
    assert x.shape == (21, 2) and x.dtype == np.float64 and y.shape == (21,)
    np.testing.assert_array_equal(np.bincount(y), [11, 10])
    np.testing.assert_allclose(np.linalg.norm(x[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(x[y == 1] - [1.0, 0.5], axis=1), 1.0)


@pytest.mark.parametrize("make", [lambda seed: make_spirals(30, 3, noise=0.2, seed=seed),
                                  lambda seed: make_moons(31, noise=0.2, seed=seed)],
                         ids=["spirals", "moons"])
def test_generators_are_deterministic_under_the_seed(make):
    (x1, y1), (x2, y2), (x3, _) = make(0), make(0), make(1)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


def test_digits_split_shapes_range_stratification_and_determinism():
    x_train, y_train, x_test, y_test = load_digits_split(test_fraction=0.2, seed=0)
    assert x_train.shape[1:] == x_test.shape[1:] == (1, 8, 8)
    assert x_train.dtype == x_test.dtype == np.float64
    assert len(x_train) == len(y_train) and len(x_test) == len(y_test)
    assert len(x_train) + len(x_test) == 1797
    assert 0.19 < len(x_test) / 1797 < 0.21
    for images in (x_train, x_test):
        assert images.min() == 0.0 and images.max() == 1.0
    counts = np.bincount(np.concatenate([y_train, y_test]), minlength=10)
    assert np.all(np.abs(np.bincount(y_test, minlength=10) - 0.2 * counts) <= 0.5)
    assert not np.all(np.diff(y_train) >= 0), "the training set must not be sorted by class"
    # The two sets are a partition of the bundled data set.
    from sklearn.datasets import load_digits
    every = np.sort(load_digits().images.reshape(1797, -1) / 16.0, axis=0)
    both = np.sort(np.concatenate([x_train, x_test]).reshape(1797, -1), axis=0)
    np.testing.assert_array_equal(both, every)
    again = load_digits_split(test_fraction=0.2, seed=0)
    np.testing.assert_array_equal(again[0], x_train)
    np.testing.assert_array_equal(again[3], y_test)
    assert not np.array_equal(load_digits_split(test_fraction=0.2, seed=1)[3], y_test)


def test_import_gradlab_does_not_need_scikit_learn():
    code = "import sys, gradlab, gradlab.data, gradlab.mlp; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- bad input ----------------------------------------------------------------------------

GOOD = dict(epochs=1, learning_rate=0.1)


@pytest.mark.parametrize("call, error, message", [
    (lambda: make_spirals(1), ValueError, r"n_per_class must be >= 2, got 1"),
    (lambda: make_spirals(10, n_classes=1), ValueError, r"n_classes must be >= 2, got 1"),
    (lambda: make_spirals(10.0), TypeError, r"n_per_class must be an integer, got 10.0"),
    (lambda: make_spirals(10, noise=-0.1), ValueError,
     r"noise must be a finite number in \[0, inf\), got -0.1"),
    (lambda: make_spirals(10, noise="a lot"), TypeError, r"noise must be a real number"),
    (lambda: make_spirals(10, seed=-1), ValueError, r"seed must be >= 0, got -1"),
    (lambda: make_moons(1), ValueError, r"n must be >= 2, got 1"),
    (lambda: make_moons(10, noise=float("nan")), ValueError, r"noise must be a finite number"),
    (lambda: load_digits_split(test_fraction=0), ValueError,
     r"test_fraction must be a finite number in \(0, 1\), got 0"),
    (lambda: load_digits_split(test_fraction=1.5), ValueError, r"test_fraction .* got 1.5"),
    (lambda: load_digits_split(test_fraction=0.001), ValueError,
     r"test_fraction=0.001 leaves an empty test set"),
    (lambda: load_digits_split(test_fraction=0.999), ValueError,
     r"test_fraction=0.999 leaves an empty training set"),
    (lambda: init_mlp(3, 7, 1), ValueError, r"C must be >= 2, got 1"),
    (lambda: init_mlp(0, 7, 4), ValueError, r"D must be >= 1, got 0"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_bad_arguments_of_the_generators_and_init(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bad_arguments_of_the_network():
    params, x, y = random_network(5, 3, 7, 4, seed=0)
    with pytest.raises(TypeError, match=r"params must be a dict"):
        mlp_forward([1, 2], x, y)
    with pytest.raises(ValueError, match=r"params must have the keys .* missing \['b2'\]"):
        mlp_forward({key: params[key] for key in ("W1", "b1", "W2")}, x, y)
    with pytest.raises(ValueError, match=r"x has D=2 features but w expects 3"):
        mlp_forward(params, x[:, :2], y)
    with pytest.raises(ValueError, match=r"y has 4 labels but logits has N=5 rows"):
        mlp_forward(params, x, y[:4])
    with pytest.raises(ValueError, match=r"y must hold class labels in \[0, 4\)"):
        mlp_forward(params, x, np.array([0, 1, 2, 3, 4]))


@pytest.mark.parametrize("options, error, message", [
    (dict(epochs=0, learning_rate=0.1), ValueError, r"epochs must be >= 1, got 0"),
    (dict(epochs=1, learning_rate=0.0), ValueError,
     r"learning_rate must be a finite number in \(0, inf\), got 0.0"),
    (dict(GOOD, momentum=1.0), ValueError, r"momentum must be a finite number in \[0, 1\), got 1.0"),
    (dict(GOOD, batch_size=0), ValueError, r"batch_size must be >= 1, got 0"),
    (dict(GOOD, x_test=np.zeros((2, 3))), ValueError,
     r"x_test and y_test must be given together, got only x_test"),
    (dict(GOOD, snapshot_epochs=[0, 2]), ValueError,
     r"snapshot_epochs must lie in \[0, epochs=1\], got 2"),
], ids=["epochs", "learning_rate", "momentum", "batch_size", "test_pair", "snapshots"])
def test_bad_arguments_of_training(options, error, message):
    params, x, y = random_network(5, 3, 7, 4, seed=0)
    with pytest.raises(error, match=message):
        train_mlp(params, x, y, **options)
