r"""The numbers of exercise 5.6 (pen and paper), recomputed with gradlab.

The add and the multiply of parts 1 and 2 make one linear layer
Z = X W + b, so ``linear_backward`` gives dX, dW and db; the add's dU is dZ
itself. The ReLU of part 3 is ``relu_backward``. Every number the solution
claims must appear in its text.
"""

from __future__ import annotations

import numpy as np

from gradlab.activations import relu_backward, relu_forward
from gradlab.linear import linear_backward, linear_forward
from gradlab.mlp import init_mlp
from tests.exercise_helpers import markdown, notebook

X = np.array([[1.0, 2.0], [0.0, -1.0]])
W = np.array([[1.0, 0.0, 2.0], [-1.0, 1.0, 0.0]])
DZ = np.array([[1.0, -2.0, 0.0], [3.0, 1.0, -1.0]])


def solution() -> str:
    text = markdown("exercises", 5)
    return text[text.index(":::{solution} ex05-graph"):]


def test_add_and_multiply():
    dX, dW, db = linear_backward(DZ, linear_forward(X, W, np.zeros(3))[1])
    np.testing.assert_array_equal(db, [4, -1, -1])
    np.testing.assert_array_equal(dW, [[1, -2, 0], [-1, -5, 1]])
    np.testing.assert_array_equal(dX, [[1, -3], [1, -2]])
    text = solution()
    for claim in [r"\bar b = (4, -1, -1)",
                  r"\begin{pmatrix} 1 & -2 & 0 \\ -1 & -5 & 1",
                  r"\begin{pmatrix} 1 & -3 \\ 1 & -2 \end{pmatrix}"]:
        assert claim in text, claim


def test_relu_routes():
    z, da = np.array([-1.0, 2.0, 0.5]), np.array([4.0, -3.0, 2.0])
    dz = relu_backward(da, relu_forward(z)[1])
    np.testing.assert_array_equal(dz, [0, -3, 2])
    assert r"\bar z = (0, -3, 2)" in solution()


def test_counts_of_passes():
    Q = sum(value.size for value in init_mlp(64, 32, 10).values())
    assert Q == 2410
    text = solution()
    assert f"{Q} of them" in text and f"{2 * Q}" in text


def test_nine_sigmoid_slopes_bound():
    assert 4 ** 9 == 262144
    assert f"{0.25 ** 9:.1e}" == "3.8e-06"
    assert f"{1.7e-06 / 0.32:.0e}" == "5e-06"
    text = solution()
    for claim in ["nine slopes", "1/262144", r"3.8 \times 10^{-6}",
                  "1.7e-06 / 0.32", r"5 \times 10^{-6}"]:
        assert claim in text, claim
    # the measured numbers quoted are the chapter's printed ones
    chapter = "\n".join(output.get("text", "")
                        for cell in notebook("chapters", 5).cells
                        if cell.cell_type == "code"
                        for output in cell.outputs)
    row = next(line for line in chapter.splitlines()
               if line.startswith("sigmoid     Glorot"))
    assert row.split()[3:6:2] == ["1.7e-06", "3.2e-01"]
