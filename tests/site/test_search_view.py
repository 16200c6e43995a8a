"""The page as Material's search reads it (sitegen/search_view.py): formulas as text, drawings by their
descriptions, scripts untouched, and the page put back exactly."""
import re

import pytest

from sitegen import search_view

PAGE = ('<h2 id="gate">The gate</h2><p>Then <math display="inline"><msub><mi>H</mi><mi>t</mi></msub></math> '
        'keeps.</p><div data-search-exclude><svg role="img"><title>GRU cell</title><desc>one step</desc>'
        '<text>σ</text><text>1−</text></svg></div>'
        '<script type="application/json">{"html": "<math><mi>x<\\/mi><\\/math>"}</script>'
        '<p>And <math><mi>u</mi></math>.</p>')


def test_search_reads_formula_text_and_drawing_descriptions_only():
    searched, kept = search_view.set_aside(PAGE)
    visible = re.sub(r"<!--.*?-->", "", searched)
    assert "<math" not in visible.split("<script")[0] and "<svg" not in visible
    assert "Then Ht keeps." in visible and "GRU cell one step" in visible and "σ" not in visible
    assert '{"html": "<math><mi>x<\\/mi><\\/math>"}' in searched  # the script's JSON is not a formula
    assert len(kept) == 3


def test_the_page_comes_back_as_it_was_with_what_search_changed_around_it():
    searched, kept = search_view.set_aside(PAGE)
    assert search_view.put_back(searched, kept) == PAGE
    # Material's search plugin strips its data-search-* attributes from the page after indexing it
    stripped = re.sub(r'\s?data-search-\w+(="[^"]*")?', "", searched)
    assert search_view.put_back(stripped, kept) == re.sub(r"\s?data-search-exclude", "", PAGE)


def test_a_lost_element_is_an_error_not_a_page_without_its_formula():
    searched, kept = search_view.set_aside(PAGE)
    lost = re.sub(r"<!--gr-set-aside:1-->.*?<!--/gr-set-aside-->", "", searched, flags=re.DOTALL)
    with pytest.raises(ValueError, match="3 formulas and drawings were set aside for search, 2 came back"):
        search_view.put_back(lost, kept)
