r"""Checkers for the exercise notebooks: ``check_<exercise>(your_function)``.

Each checker runs your function on several inputs (a batch of 1, N != C, huge logits,
...), compares it with a reference and, when it is wrong, says what is wrong: a known
mistake by name, the case where it fails, the entry that differs most. Gradients are
also compared with central differences. The result prints as a short verdict and is
truthy only when the answer is correct::

    from gradlab.exercises import check_softmax
    check_softmax(softmax)   # correct: matches the reference on 6 inputs.
"""

from ._framework import Feedback
from .capstone_exercises import (check_accuracy, check_relu_backward, check_sgd_step,
                                 watch_the_loss)
from .conv_exercises import (check_conv1d_jacobian, check_conv2d_db, check_conv2d_dw,
                             check_conv2d_dx)
from .cross_entropy_exercises import check_ce_grad_logits, check_ce_grad_probs, check_cross_entropy
from .mlp_exercises import check_linear_backward, check_mlp_gradients, check_tanh_backward
from .pooling_exercises import (check_avg_pool1d_jacobian, check_avg_pool2d_grad,
                                check_max_pool1d_grad, check_max_pool2d_grad)
from .softmax_exercises import check_softmax, check_softmax_jacobian, check_softmax_vjp

__all__ = [
    "Feedback",
    "check_softmax", "check_softmax_jacobian", "check_softmax_vjp",
    "check_cross_entropy", "check_ce_grad_probs", "check_ce_grad_logits",
    "check_avg_pool1d_jacobian", "check_max_pool1d_grad", "check_avg_pool2d_grad",
    "check_max_pool2d_grad",
    "check_conv1d_jacobian", "check_conv2d_db", "check_conv2d_dw", "check_conv2d_dx",
    "check_linear_backward", "check_tanh_backward", "check_mlp_gradients",
    "check_relu_backward", "check_accuracy", "check_sgd_step", "watch_the_loss",
]
