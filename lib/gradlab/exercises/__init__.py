r"""Checkers for the exercise notebooks: ``check_<exercise>(your_function)``.

Each checker runs your function on several inputs (a batch of 1, N != C,
huge logits, ...), compares it with a reference and, when it is wrong, says
what is wrong: a known mistake by name when your results agree with it
everywhere it shows, otherwise the case, the entry and the two values.
Gradients are also compared with central differences. The result prints as
a short verdict and is truthy only when the answer is correct::

    from gradlab.exercises import check_softmax
    check_softmax(softmax)   # correct: matches the reference on 8 inputs.

:data:`CHAPTERS` lists every chapter's exercises (an :class:`Exercise` each:
its cases, its mistakes, the gradlab functions it ``reproduces``): the one
registry the tests, and a grader, read. A new chapter's module is a table
like the others (``Exercise(...)`` with its cases from :mod:`.cases` and
its mistakes, each with the heading it cites, then ``check_<name> =
checker(EXERCISE, doc)``) plus one line here; ``tests/test_exercises.py``
then checks it, its notebook and its headings. An exercise computes its
reference and mistake outcomes once and keeps them
(``exercise.expected``, ``exercise.mistake_outcomes``), so a grader can
compute them before it replaces the reproduced functions by tripwires.
"""

from ._framework import Exercise, Feedback, check
from .capstone_exercises import (ACCURACY, RELU_BACKWARD, SGD_STEP,
                                 check_accuracy, check_relu_backward,
                                 check_sgd_step, watch_the_loss)
from .conv_exercises import (CONV1D_JACOBIAN, CONV2D_DB, CONV2D_DW, CONV2D_DX,
                             CONV_TRANSPOSE2D, check_conv1d_jacobian,
                             check_conv2d_db, check_conv2d_dw,
                             check_conv2d_dx, check_conv_transpose2d)
from .cross_entropy_exercises import (CE_GRAD_LOGITS, CE_GRAD_PROBS,
                                      CE_SMOOTHING_GRAD, CROSS_ENTROPY,
                                      check_ce_grad_logits,
                                      check_ce_grad_probs,
                                      check_ce_smoothing_grad,
                                      check_cross_entropy)
from .mlp_exercises import (LINEAR_BACKWARD, MLP_GRADIENTS, MLP_JVP,
                            TANH_BACKWARD, check_linear_backward,
                            check_mlp_gradients, check_mlp_jvp,
                            check_tanh_backward)
from .normalization_attention_exercises import (
    ATTENTION_BACKWARD, BATCHNORM_BACKWARD, LAYERNORM_BACKWARD,
    check_attention_backward, check_batchnorm_backward,
    check_layernorm_backward)
from .pooling_exercises import (AVG_POOL1D_JACOBIAN, AVG_POOL2D_GRAD,
                                GLOBAL_AVG_POOL_GRAD, MAX_POOL1D_GRAD,
                                MAX_POOL2D_GRAD, check_avg_pool1d_jacobian,
                                check_avg_pool2d_grad,
                                check_global_avg_pool_grad,
                                check_max_pool1d_grad, check_max_pool2d_grad)
from .softmax_exercises import (SOFTMAX, SOFTMAX_JACOBIAN, SOFTMAX_VJP,
                                check_softmax, check_softmax_jacobian,
                                check_softmax_vjp)

# chapter number -> (chapter notebook, exercise notebook, exercises in order)
CHAPTERS = {
    1: ("01_softmax_jacobian", (SOFTMAX, SOFTMAX_JACOBIAN, SOFTMAX_VJP)),
    2: ("02_cross_entropy", (CROSS_ENTROPY, CE_GRAD_PROBS, CE_GRAD_LOGITS,
                             CE_SMOOTHING_GRAD)),
    3: ("03_pooling", (AVG_POOL1D_JACOBIAN, MAX_POOL1D_GRAD,
                       AVG_POOL2D_GRAD, MAX_POOL2D_GRAD,
                       GLOBAL_AVG_POOL_GRAD)),
    4: ("04_convolution", (CONV1D_JACOBIAN, CONV2D_DB, CONV2D_DW, CONV2D_DX,
                           CONV_TRANSPOSE2D)),
    5: ("05_mlp_backprop", (LINEAR_BACKWARD, TANH_BACKWARD, MLP_GRADIENTS,
                            MLP_JVP)),
    6: ("06_capstone_digits", (RELU_BACKWARD, ACCURACY, SGD_STEP)),
    7: ("07_batchnorm_attention", (BATCHNORM_BACKWARD, LAYERNORM_BACKWARD,
                                   ATTENTION_BACKWARD)),
}

__all__ = [
    "CHAPTERS", "Exercise", "Feedback", "check",
    "check_softmax", "check_softmax_jacobian", "check_softmax_vjp",
    "check_cross_entropy", "check_ce_grad_probs", "check_ce_grad_logits",
    "check_ce_smoothing_grad",
    "check_avg_pool1d_jacobian", "check_max_pool1d_grad",
    "check_avg_pool2d_grad", "check_max_pool2d_grad",
    "check_global_avg_pool_grad",
    "check_conv1d_jacobian", "check_conv2d_db", "check_conv2d_dw",
    "check_conv2d_dx", "check_conv_transpose2d",
    "check_linear_backward", "check_tanh_backward", "check_mlp_gradients",
    "check_mlp_jvp",
    "check_relu_backward", "check_accuracy", "check_sgd_step",
    "watch_the_loss",
    "check_batchnorm_backward", "check_layernorm_backward",
    "check_attention_backward",
]
