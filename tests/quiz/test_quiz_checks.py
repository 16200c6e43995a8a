"""Every answer in the bank is decided by code that calls gru_ref, and the bank is what the issue asks for."""
import re
from pathlib import Path

import numpy as np
import pytest

from quiz import bank, checks
from quiz.checks import CheckFailed

BANK = bank.load_bank()
ROOT = Path(__file__).resolve().parents[2]
TYPES = ("single", "multiple", "numeric", "order", "text")


def ids(items):
    return [item.question.id for item in items]


DECIDED = [item for item in BANK if item.question.check in checks.DECIDERS]
GENERATED = [item for item in BANK if item.question.check in checks.GENERATORS]
CONCEPTUAL = [item for item in BANK if item.question.conceptual is not None]


@pytest.mark.parametrize("item", DECIDED, ids=ids(DECIDED))
def test_quiz_decider_agrees_with_the_stored_answer(item):
    q = item.question
    decided = checks.decide(q)
    assert checks.agrees(q, decided), f"{item.where()}: gru_ref decides {decided!r}, the bank says {q.answer!r}"


@pytest.mark.parametrize("item", GENERATED, ids=ids(GENERATED))
def test_quiz_generated_variants_are_sound(item):
    """Each version: the answer is gru_ref's (the generator compares it with the hand model), every
    wrong option or misconception value differs from it as shown, and the versions differ."""
    q = item.question
    versions = checks.variants(q)
    assert len(versions) == q.variants
    for variant in versions:
        if q.type == "numeric":
            shown = {name: f"{value:.{q.digits}f}" for name, value in variant.wrong.items()}
            assert f"{variant.answer:.{q.digits}f}" not in shown.values(), (item.where(), shown)
            assert len(set(shown.values())) == len(shown)
        if q.type == "single":
            keys = [o.key for o in variant.options]
            assert keys.count(variant.answer) == 1 and len(set(keys)) == len(keys)
            texts = [checks.tex_matrix(o.value, int(q.params.get("decimals", 3))) if np.ndim(o.value)
                     else checks.tex_number(float(o.value), int(q.params.get("decimals", 3))) for o in variant.options]
            assert len(set(texts)) == len(texts), f"{item.where()}: options print alike: {texts}"
    if q.variants > 1:
        prompts = {repr(sorted(v.values.items())) for v in versions}
        assert len(prompts) == q.variants, f"{item.where()}: versions repeat their numbers"


def test_quiz_variants_are_the_same_on_every_call():
    for item in GENERATED:
        first, second = checks.variants(item.question), checks.variants(item.question)
        assert [v.values for v in first] == [v.values for v in second]
        assert [v.answer for v in first] == [v.answer for v in second]


def test_quiz_bank_size_types_and_code_checked_ratio():
    per_chapter = {chapter: sum(item.chapter == chapter for item in BANK) for chapter in bank.CHAPTERS}
    per_type = {kind: sum(item.question.type == kind for item in BANK) for kind in TYPES}
    checked = len(BANK) - len(CONCEPTUAL)
    ratio = checked / len(BANK)
    print(f"\nquiz bank: {len(BANK)} questions; per chapter {per_chapter}; per type {per_type}; "
          f"code-checked {checked}/{len(BANK)} = {ratio:.0%} ({len(DECIDED)} decided, {len(GENERATED)} generated "
          f"with {sum(i.question.variants for i in GENERATED)} versions)")
    assert len(BANK) >= 100
    assert min(per_chapter.values()) >= 12, per_chapter
    assert min(per_type.values()) >= 1, per_type
    assert ratio >= 0.8


def test_quiz_conceptual_questions_cite_a_listed_reference():
    references = (ROOT / "docs" / "references.md").read_text(encoding="utf-8")
    listed = {re.sub(r"\s+", " ", m) for m in re.findall(r"\*\*(.+?)\*\*", references, re.S)}
    for item in CONCEPTUAL:
        cite = item.question.conceptual.cite
        assert any(cite in entry for entry in listed), f"{item.where()}: {cite!r} is not in docs/references.md"


def test_quiz_hand_model_catches_a_gru_ref_that_disagrees():
    """The generators' safety net: a value that is not what the notes' equations give is refused."""
    weights, x, states = checks.board_numbers("gru", np.random.default_rng(0))
    with pytest.raises(CheckFailed, match="gru_ref gives"):
        checks.hand_agrees("gru", "u", x, states, weights, {"reset": "after"}, np.zeros(2))
