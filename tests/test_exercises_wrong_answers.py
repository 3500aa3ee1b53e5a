r"""The checkers against answers written the way students write them.

Every wrong answer is rejected, and its feedback contains the phrase the
corpus gives for it. An answer that makes a registered mistake (in another
form than the checker's own code) gets that mistake's message; an
answer that makes no registered mistake (``UNREGISTERED``) gets feedback
that names none, so a message never claims a slip the student did not
make, and none of the phrases its entry forbids. Correct formulations
(loops, vectorised, other orders) pass. The ``wrong_answers_attack_*``
modules hold the red team's corpus of issue 10.
"""

from __future__ import annotations

import pytest

from gradlab.exercises import CHAPTERS

from tests import (wrong_answers_attack_dense, wrong_answers_attack_more,
                   wrong_answers_attack_softmax, wrong_answers_attack_spatial,
                   wrong_answers_capstone, wrong_answers_ch2_smoothing,
                   wrong_answers_ch3_global, wrong_answers_ch4_transpose,
                   wrong_answers_ch5_jvp, wrong_answers_ch7,
                   wrong_answers_conv, wrong_answers_mlp,
                   wrong_answers_pooling, wrong_answers_softmax)
from tests.exercise_helpers import mistake_texts, untrue, verdict

MODULES = (wrong_answers_softmax, wrong_answers_pooling, wrong_answers_conv,
           wrong_answers_mlp, wrong_answers_capstone, wrong_answers_ch7,
           wrong_answers_ch2_smoothing, wrong_answers_ch3_global,
           wrong_answers_ch4_transpose, wrong_answers_ch5_jvp,
           wrong_answers_attack_softmax, wrong_answers_attack_spatial,
           wrong_answers_attack_dense, wrong_answers_attack_more)
ATTACKS = (wrong_answers_attack_softmax, wrong_answers_attack_spatial,
           wrong_answers_attack_dense, wrong_answers_attack_more)
KNOWN = [entry for module in MODULES for entry in module.STUDENT_MISTAKES]
UNKNOWN = [entry for module in MODULES
           for entry in getattr(module, "UNREGISTERED", [])]
RIGHT = [entry for module in MODULES for entry in module.STUDENT_CORRECT]


def ids(entries):
    return [f"{entry[0]}-{index}-{_phrases(entry[2])[0][:24]}"
            if len(entry) > 2 else f"{entry[0]}-{index}"
            for index, entry in enumerate(entries)]


def _phrases(phrase) -> tuple:
    return phrase if isinstance(phrase, tuple) else (phrase,)


@pytest.mark.parametrize("name, wrong, phrase", KNOWN, ids=ids(KNOWN))
def test_a_registered_mistake_written_another_way(name, wrong, phrase):
    text = verdict(name, wrong)
    assert text.startswith("not yet right: "), text
    assert all(p in text for p in _phrases(phrase)), text
    assert not untrue(text), (untrue(text), text)


@pytest.mark.parametrize("entry", UNKNOWN, ids=ids(UNKNOWN))
def test_an_unregistered_wrong_answer_gets_true_feedback(entry):
    name, wrong, phrase, *rest = entry
    text = verdict(name, wrong)
    assert text.startswith("not yet right: "), text
    assert all(p in text for p in _phrases(phrase)), text
    assert text not in mistake_texts(name), text
    named = [p for p in (rest[0] if rest else ())
             if p.lower() in text.lower()]
    assert not named, (f"names a mistake the answer did not make: {named}",
                       text)
    assert not untrue(text), (untrue(text), text)


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


def test_the_red_team_corpus_stays_whole():
    # The 141 answers of issue 10's red team, written against the checkers
    # of chapters 1 to 6 as they were then.
    entries = [entry for module in ATTACKS
               for kind in ("STUDENT_MISTAKES", "UNREGISTERED",
                            "STUDENT_CORRECT")
               for entry in getattr(module, kind)]
    assert len(entries) >= 141
    names = {exercise.name for number in range(1, 7)
             for exercise in CHAPTERS[number][1]}
    assert {entry[0] for entry in entries} <= names


def test_every_checker_meets_wrong_answers_it_was_never_told_about():
    assert {entry[0] for entry in UNKNOWN} == {
        exercise.name for _, exercises in CHAPTERS.values()
        for exercise in exercises}
