"""Tables: what they show is what gru_ref's converters and counts compute."""
import html
import re

import pytest

from gru_ref import counts
from sitegen import tables


def cells_of(table_html):
    rows = re.findall(r"<tr>(.*?)</tr>", table_html, re.S)
    cell = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cell.findall(r)]
            for r in rows]


def test_cost_table_shows_gru_ref_counts_and_torch_parameter_formula():
    parameters, work = tables.cost_table(128, 128).split("</table>")[:2]
    header, *rows = cells_of(parameters)
    header_work, *rows_work = cells_of(work)
    header, rows = header + header_work[1:], [a + b[1:] for a, b in zip(rows, rows_work)]
    column = {name: k for k, name in enumerate(header)}
    for row, cell, blocks in zip(rows, ("rnn", "gru", "lstm"), (1, 3, 4)):
        assert int(row[column["Parameters (PyTorch)"]].replace(",", "")) == blocks * (128 * 128 * 2 + 2 * 128)
        assert int(row[column["Matmul multiply-adds"]].replace(",", "")) == blocks * 2 * 128 * 128
        notes = counts.parameter_count(cell, 128, 128, convention="notes")
        assert int(row[column["Parameters (notes)"]].replace(",", "")) == notes
    assert [r[column["Gates"]] for r in rows] == ["0", "2", "3"]


@pytest.mark.parametrize("cell,torch_order,keras_order", [
    ("gru", ["r", "u", "h"], ["u", "r", "h"]),   # PyTorch r, z, n; Keras z, r, h (shared/reference/conventions.md)
    ("lstm", ["i", "f", "c", "o"], ["i", "f", "c", "o"]),
])
def test_gate_order_table_lists_blocks_in_the_documented_order(cell, torch_order, keras_order):
    rows = {r[0]: r[1] for r in cells_of(tables.gate_order_table(cell))[1:]}
    gates = lambda text: re.findall(r"U\s*([a-z])", text)  # noqa: E731
    assert gates(rows["PyTorch weight_ih_l0"]) == torch_order
    assert gates(rows["Keras kernel"]) == keras_order


def test_gru_recurrent_bias_sits_only_in_the_candidate_block():
    rows = {r[0]: r[1] for r in cells_of(tables.gate_order_table("gru"))[1:]}
    assert re.sub(r"\s", "", rows["PyTorch bias_hh_l0"]) == "0;0;bWh"
    assert "bh+bWh" in re.sub(r"\s", "", rows["Keras bias with reset_after=False"])


def test_conventions_table_takes_library_facts_from_gru_ref():
    written, computed = tables.conventions_table().split("</table>")[:2]
    header_written, *rows_written = cells_of(written)
    header, *rows_computed = cells_of(computed)
    assert header_written[0] == header[0] == "Source"
    assert [r[0] for r in rows_written] == [r[0] for r in rows_computed] == [s["source"].replace("`", "")
                                                                             for s in tables.GRU_SOURCES]
    rows = {r[0]: r for r in rows_computed}
    assert rows["PyTorch nn.GRU"][-1] == "r, z, n" and rows["PyTorch nn.GRU"][-2] == "2 per gate"
    assert rows["Keras GRU (reset_after=False)"][-2] == "1 per gate"
    reset = header.index("Reset acts")
    assert rows["Keras GRU (reset_after=True)"][reset] == "after"
    assert rows["Keras GRU (reset_after=False)"][reset] == "before"
