r"""Every backward pass against central differences in float64 (cases in the registry)."""

import numpy as np
import pytest

from gradlab.gradcheck import check_gradient
from tests.registry import gather

CASES = gather()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_backward_matches_central_differences(case):
    rng = np.random.default_rng(0)
    arrays = case.inputs(rng)
    out, _ = case.run(arrays)
    dout = None if case.is_loss else rng.standard_normal(np.shape(out))
    grads = case.gradients(arrays, dout)
    assert len(grads) == len(case.wrt), f"backward returned {len(grads)} gradients"
    for position, grad in zip(case.wrt, grads):
        def forward_output(_, arrays=arrays):
            return case.run(arrays)[0]

        check_gradient(forward_output, arrays[position], grad, dout,
                       name=f"{case.id}: d/d(input {position})",
                       tolerance=case.tolerance).raise_if_failed()
