r"""Registry cases for chapter 7: batch and layer normalisation, one attention head.

Shapes expose bugs: N != D for the normalisations (a statistic taken over the wrong
axis then has the wrong length), batches of 2 and of 1 for layer norm (batch norm needs
N >= 2); L, D, M and M_V all different for attention, with and without a causal mask.
With two samples and a small eps, batch norm's x_hat is +-1 whatever x is: dx is
almost 0 and its relative error against central differences is rounding noise (9e-7
at eps = 1e-5), so that case uses eps = 0.5, where dx is of order 1.

The scale gamma and the shift beta are random, not 1 and 0, so that a gradient that
forgets gamma fails.
"""

from __future__ import annotations

from gradlab.attention import attention_backward, attention_forward, causal_mask
from gradlab.normalization import (batchnorm_backward, batchnorm_backward_steps,
                                   batchnorm_forward, layernorm_backward,
                                   layernorm_forward)
from tests.registry import OpCase

SMOOTH = 1e-9
# Attention's key gradient is small next to the output (|dw_k| 0.72 against |out| 7.4
# on the (5, 4, 3, 2) case), so central differences carry a relative rounding error of
# about eps |L| / (h |dw_k|): 1.2e-9 at h = 1e-6, 1.9e-10 at h = 1e-5 and 1.7e-8 at
# h = 1e-7, so rounding, not the formula. 1e-8 keeps clear of that floor.
ATTENTION = 1e-8


def norm_inputs(n, d):
    return lambda rng: (rng.normal(1.0, 2.0, size=(n, d)), rng.normal(size=d),
                        rng.normal(size=d))


def attention_inputs(length, d, m, m_v):
    return lambda rng: (rng.normal(size=(length, d)), rng.normal(size=(d, m)),
                        rng.normal(size=(d, m)), rng.normal(size=(d, m_v)))


def norm_case(id, forward, backward, n, d, eps=1e-5):
    return OpCase(id, forward, backward, norm_inputs(n, d), wrt=(0, 1, 2),
                  params={"eps": eps}, tolerance=SMOOTH)


def attention_case(id, length, d, m, m_v, mask=None):
    return OpCase(id, attention_forward, attention_backward,
                  attention_inputs(length, d, m, m_v), wrt=(0, 1, 2, 3),
                  params={"mask": mask}, tolerance=ATTENTION)


CASES: list[OpCase] = [
    norm_case("batchnorm (5,3)", batchnorm_forward, batchnorm_backward, 5, 3),
    norm_case("batchnorm (3,7)", batchnorm_forward, batchnorm_backward, 3, 7),
    norm_case("batchnorm (2,4) eps 0.5", batchnorm_forward, batchnorm_backward, 2, 4,
              eps=0.5),
    norm_case("batchnorm steps (5,3)", batchnorm_forward, batchnorm_backward_steps,
              5, 3),
    norm_case("layernorm (5,3)", layernorm_forward, layernorm_backward, 5, 3),
    norm_case("layernorm (2,6)", layernorm_forward, layernorm_backward, 2, 6),
    norm_case("layernorm (1,4)", layernorm_forward, layernorm_backward, 1, 4),
    attention_case("attention L5 D4 M3 MV2", 5, 4, 3, 2),
    attention_case("attention L3 D6 M4 MV5", 3, 6, 4, 5),
    attention_case("attention L1 D3 M2 MV4", 1, 3, 2, 4),
    attention_case("attention causal L6 D4 M3 MV2", 6, 4, 3, 2, causal_mask(6)),
]
