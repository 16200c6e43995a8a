"""The evidence pages' content: the claims ledger and the stored experiment results, as HTML.

Nothing here trains or times anything: the results were made by the commands in evidence/ and
benchmarks/ and stored in evidence/results/ with their provenance; this module only reads them.
The claims ledger is data too (evidence/claims.yml); a claim's `measured` names are the sentences
below that quote the stored numbers a verdict rests on.
"""
import html
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .inline import inline_html

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "evidence" / "claims.yml"
DOCS = ROOT / "docs"
VERDICTS = {"holds": "holds", "nuance": "holds, with nuance", "wrong": "wrong as written"}


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claim: str = Field(min_length=1)
    verdict: Literal["holds", "nuance", "wrong"]
    why: str = Field(min_length=1)
    see: str = Field(pattern=r"^[a-z0-9-]+\.md#[a-z0-9-]+$")
    measured: list[Literal["step-cost", "training", "gradient", "trained-gates"]] = []


def load_claims(path=CLAIMS):
    """The ledger's claims; a ValueError naming the file, the line and what was expected."""
    path = Path(path)
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    text = path.read_text(encoding="utf-8")
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text)
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise ValueError(f"{shown}:1: expected a list of claims ('- claim: ...')")
    claims = []
    for entry, item in zip(data, node.value):
        line = item.start_mark.line + 1
        try:
            claim = Claim.model_validate(entry)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "claim"
            raise ValueError(f"{shown}:{line}: {field}: {first['msg']}") from None
        page, _, anchor = claim.see.partition("#")
        anchors = _headings(DOCS / page)
        if anchor not in anchors:
            raise ValueError(f"{shown}:{line}: see: docs/{page} has no heading #{anchor}; it has {sorted(anchors)}")
        claims.append(claim)
    return claims


def _headings(page):
    """{heading id: heading text} of a docs page."""
    from quiz.bank import page_headings  # the one reader of a page's headings

    return page_headings(page)[1]


def _quoted(claim):
    """The notes' words as they wrote them; their one display equation shown inline."""
    text = claim.claim
    if text.startswith("$$") and text.endswith("$$"):
        text = text[1:-1]
    return inline_html(text)


def claims_html():
    rows = []
    for claim in load_claims():
        page, _, anchor = claim.see.partition("#")
        measured = "".join(f" {inline_html(MEASURED[name]())}" for name in claim.measured)
        rows.append(
            f'<tr><td><q>{_quoted(claim)}</q></td>'
            f'<td><span class="gr-verdict gr-verdict-{claim.verdict}">{VERDICTS[claim.verdict]}</span></td>'
            f'<td>{inline_html(claim.why)}{measured} '
            f'See <a href="{html.escape(page.removesuffix(".md"))}.html#{anchor}">'
            f'{html.escape(_headings(DOCS / page)[anchor])}</a>.</td></tr>')
    return ('<div class="gr-scroll"><table class="gr-table gr-claims"><caption>Each claim of the notes, its verdict, '
            'and where the site shows why</caption><thead><tr><th scope="col">The notes say</th>'
            '<th scope="col">Verdict</th><th scope="col">Why, and the evidence</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _decay(cell, keep_bias=0.0):
    """Gradient norm at the longest distance over the norm at distance 1 (sitegen.plots.gradient_norms)."""
    from .plots import gradient_norms

    norms = gradient_norms(cell, keep_bias)[1]
    return norms[-1] / norms[0]


def gradient_sentence():
    from .plots import GRADIENT

    T = GRADIENT["steps"]
    at_init = {cell: _decay(cell) for cell in ("rnn", "gru", "lstm")}
    biased = {cell: _decay(cell, 1.0) for cell in ("gru", "lstm")}
    return (f"Measured: {T} steps back the gradient is {_e(at_init['gru'])} of its size one step back in a GRU "
            f"at initialisation ({_e(at_init['lstm'])} in an LSTM, {_e(at_init['rnn'])} in an RNN), and "
            f"{_e(biased['gru'])} ({_e(biased['lstm'])}) with the keeping gate's bias raised by 1: far larger, "
            f"still vanishing.")


def _e(value):
    """1.2e-05 written as 1.2 × 10⁻⁵ in MathML."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"${mantissa} \\times 10^{{{int(exponent)}}}$"


MEASURED = {"gradient": gradient_sentence}


def evidence_html(show):
    return {"claims": claims_html}[show]()
