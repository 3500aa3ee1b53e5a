r"""The checkers against answers written the way students write them.

Every wrong answer is rejected, and its feedback contains the phrase the
corpus gives for it. An answer that makes a registered mistake (in another
form than the checker's own code) gets that mistake's message; an
answer that makes no registered mistake (``UNREGISTERED``) gets feedback
that names none, so a message never claims a slip the student did not
make. Correct formulations (loops, vectorised, other orders) pass.
"""

from __future__ import annotations

import pytest

from tests import (wrong_answers_capstone, wrong_answers_ch7,
                   wrong_answers_conv, wrong_answers_mlp,
                   wrong_answers_pooling, wrong_answers_softmax)
from tests.exercise_helpers import mistake_texts, verdict

MODULES = (wrong_answers_softmax, wrong_answers_pooling, wrong_answers_conv,
           wrong_answers_mlp, wrong_answers_capstone, wrong_answers_ch7)
KNOWN = [entry for module in MODULES for entry in module.STUDENT_MISTAKES]
UNKNOWN = [entry for module in MODULES
           for entry in getattr(module, "UNREGISTERED", [])]
RIGHT = [entry for module in MODULES for entry in module.STUDENT_CORRECT]


def ids(entries):
    return [f"{entry[0]}-{index}-{entry[-1][:24]}" if len(entry) > 2
            else f"{entry[0]}-{index}" for index, entry in enumerate(entries)]


@pytest.mark.parametrize("name, wrong, phrase", KNOWN, ids=ids(KNOWN))
def test_a_registered_mistake_written_another_way(name, wrong, phrase):
    text = verdict(name, wrong)
    assert text.startswith("not yet right: ") and phrase in text, text


@pytest.mark.parametrize("name, wrong, phrase", UNKNOWN, ids=ids(UNKNOWN))
def test_an_unregistered_wrong_answer_gets_true_feedback(name, wrong, phrase):
    text = verdict(name, wrong)
    assert text.startswith("not yet right: ") and phrase in text, text
    assert text not in mistake_texts(name), text


@pytest.mark.parametrize("name, right", RIGHT, ids=ids(RIGHT))
def test_a_correct_formulation_passes(name, right):
    text = verdict(name, right)
    assert text.startswith("correct: "), text


def test_the_corpus_is_large_enough():
    assert len(UNKNOWN) >= 30 and len(KNOWN) >= 100 and len(RIGHT) >= 20
    assert {name for name, *_ in UNKNOWN} >= {
        "softmax", "cross_entropy", "ce_grad_logits", "max_pool2d_grad",
        "conv2d_dx", "mlp_gradients", "accuracy", "sgd_step",
        "batchnorm_backward", "layernorm_backward", "attention_backward"}
