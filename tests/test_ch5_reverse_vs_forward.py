r"""gradlab.mlp.mlp_jvp, and benchmarks/reverse_vs_forward.py computing the
gradient three ways, alike.

Chapter 5 quotes the timings this script prints, so its three methods must
compute the same gradient: forward mode's JVP equals the reverse-mode
gradient dotted with the direction, and the full gradient by Q JVPs and by
central differences equals ``mlp_backward``'s. The table has one row per
width, with Q = 6 M + 3 for D = 2 and C = 3.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from gradlab.gradcheck import rel_error
from gradlab.mlp import init_mlp, mlp_backward, mlp_forward, mlp_jvp

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "reverse_vs_forward.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("reverse_vs_forward", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def problem():
    rng = np.random.default_rng(13)
    params = init_mlp(3, 5, 4, seed=2)
    params["b1"] = rng.normal(size=5)
    params["b2"] = rng.normal(size=4)
    x, y = rng.normal(size=(6, 3)), rng.integers(0, 4, size=6)
    return params, x, y, rng


def test_jvp_is_the_gradient_dotted_with_the_direction(problem):
    params, x, y, rng = problem
    grads = mlp_backward(mlp_forward(params, x, y)[1])
    for _ in range(3):
        tangent = {k: rng.normal(size=v.shape) for k, v in params.items()}
        expected = sum(np.sum(grads[k] * tangent[k]) for k in params)
        assert mlp_jvp(params, x, y, tangent) == pytest.approx(
            expected, rel=1e-12)


def test_three_methods_give_the_same_gradient(bench, problem):
    params, x, y, _ = problem
    reverse = bench.gradient_by_reverse(params, x, y)
    forward = bench.gradient_by_jvps(params, x, y)
    differences = bench.gradient_by_differences(params, x, y)
    for key in params:
        assert rel_error(forward[key], reverse[key]) < 1e-12, key
        assert rel_error(differences[key], reverse[key]) < 1e-7, key


def test_table_has_one_row_per_width(bench):
    rows = bench.table(widths=(2, 3), repeat=1)
    assert [(row["M"], row["Q"]) for row in rows] == [(2, 15), (3, 21)]
    for row in rows:
        assert all(row[name] > 0 for name in bench.METHODS)


def test_jvp_names_a_tangent_of_the_wrong_shape(problem):
    params, x, y, _ = problem
    tangent = {key: np.zeros_like(value) for key, value in params.items()}
    tangent["b2"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"tangent\['b2'\] must have the "
                       r"shape of params\['b2'\], \(4,\), got \(3,\)"):
        mlp_jvp(params, x, y, tangent)
    with pytest.raises(ValueError, match="tangent must have the keys"):
        mlp_jvp(params, x, y, {"W1": tangent["W1"]})
