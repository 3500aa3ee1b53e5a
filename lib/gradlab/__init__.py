r"""gradlab: forward/backward pairs and gradient checks in numpy.

Each topic is a submodule (``gradlab.softmax``, ``gradlab.losses``, ...).
The function ``softmax`` is not re-exported here: ``gradlab.softmax`` stays
the module, as in ``gradlab.softmax.softmax_jacobian``; import the function
with ``from gradlab.softmax import softmax``.
"""

from . import (
    activations,
    attention,
    conv,
    data,
    gradcheck,
    layers,
    linear,
    losses,
    mlp,
    normalization,
    pooling,
    softmax,
)
from .gradcheck import check_gradient, numerical_gradient, rel_error
from .softmax import log_softmax, softmax_jacobian
