r"""The numbers of exercise 4.7 (a transposed convolution by hand), computed with gradlab.

The solution in exercises/04_convolution.ipynb states each result as a tuple; every tuple
below is computed here with ``conv_transpose2d_*`` and ``conv2d_forward`` (1-D arrays as
images of height 1), checked against central differences where it is a gradient, and then
looked up in the solution's text, so a wrong number on the page fails this test.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gradlab.conv import conv2d_forward, conv_transpose2d_backward, conv_transpose2d_forward
from gradlab.gradcheck import check_gradient

NOTEBOOK = Path(__file__).resolve().parents[1] / "exercises" / "04_convolution.ipynb"
V = np.array([1.0, 2.0, 3.0])
Z = np.array([1.0, -1.0, 2.0])
X = np.array([2.0, 0.0, 1.0, -1.0, 3.0, 1.0, -2.0])
G = np.array([1.0, 0.0, 2.0, 0.0, -1.0, 1.0, 0.0])


def image(a):
    return a.reshape(1, 1, 1, -1)


def tuple_text(a):
    return "(" + ", ".join(f"{value:g}" for value in np.ravel(a)) + ")"


@pytest.fixture(scope="module")
def solution():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    texts = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]
    found = [text for text in texts
             if text.split("\n", 1)[0].split()[-1] == "ex04-transpose"
             and text.startswith(":::{solution}")]
    assert len(found) == 1, "exercise 4.7's solution block is missing"
    return found[0].replace("$", "")


def transpose(z, output_padding=0):
    return conv_transpose2d_forward(image(z), image(V), None, stride=2,
                                    output_padding=(0, output_padding))


def test_output_lengths(solution):
    for extra, length in ((0, 7), (1, 8)):
        out = transpose(Z, extra)[0]
        assert out.shape[-1] == length
        assert conv2d_forward(out, image(V), stride=2)[0].shape[-1] == 3
    assert "(3 - 1) \\cdot 2 - 0 + 3 = 7" in solution


def test_transpose_and_its_adjoint_identity(solution):
    tz = transpose(Z)[0]
    y = conv2d_forward(image(X), image(V), stride=2)[0]
    assert f"T z = {tuple_text(tz)}" in solution
    assert f"y = {tuple_text(y)}" in solution
    assert np.sum(y * image(Z)) == np.sum(image(X) * tz) == -5.0
    assert "= -5" in solution and "5 - 8 - 2 = -5" in solution


def test_output_padding_adds_an_unreached_zero(solution):
    out = transpose(Z, 1)[0]
    assert out[..., -1] == 0.0
    assert tuple_text(out) in solution


def test_backward_numbers_and_central_differences(solution):
    out, cache = transpose(Z)
    dz, dv, _ = conv_transpose2d_backward(image(G), cache)
    check_gradient(lambda z: transpose(z.ravel())[0], image(Z).copy(), dz, image(G),
                   tolerance=1e-9).raise_if_failed()
    check_gradient(lambda v: conv_transpose2d_forward(image(Z), v, None, stride=2)[0],
                   image(V).copy(), dv, image(G), tolerance=1e-9).raise_if_failed()
    assert f"\\partial L / \\partial z = (1 + 0 + 6,\\ 2 + 0 - 3,\\ -1 + 2 + 0) = " \
           f"{tuple_text(dz)}" in solution
    assert f"\\partial L / \\partial v = {tuple_text(dv)}" in solution
