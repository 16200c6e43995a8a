"""The evidence page and the claims ledger: what they say is what the stored results and gru_ref say.

Expected values are recomputed here from the stored runs (not from the stored summary), from
PyTorch's GRU equations written out by hand for the gates, and by hand for the rules.
"""
import re
import statistics
import textwrap

import numpy as np
import pytest

from gru_ref import tasks, train
from sitegen import evidence, plots


@pytest.fixture(scope="module")
def training():
    return evidence.stored("training.json")


def test_the_models_keep_their_configured_order():
    from evidence import training

    assert list(evidence.stored("training.json")["config"]["models"]) == list(training.MODELS)


# -- the claims ledger ---------------------------------------------------------------------------------

def test_every_claim_renders_with_its_verdict_and_a_link_to_a_heading():
    claims = evidence.load_claims()
    page = evidence.claims_html()
    assert page.count("<tr>") == len(claims) + 1  # and the header
    for claim in claims:
        target = claim.see.replace(".md#", ".html#")
        assert f'href="{target}"' in page
        assert evidence.VERDICTS[claim.verdict] in page
    assert {c.verdict for c in claims} == {"holds", "nuance", "wrong"}


@pytest.mark.parametrize("entry,message", [
    ("- claim: x\n  verdict: maybe\n  why: y\n  see: gru.md#the-update-gate\n", r"claims\.yml:1: verdict: "),
    ("- claim: x\n  verdict: holds\n  why: y\n  see: gru.md#the-update-gate\n\n"
     "- claim: x\n  verdict: holds\n  why: y\n  see: gru.md#no-such-heading\n",
     r"claims\.yml:6: see: docs/gru\.md has no heading #no-such-heading"),
    ("- claim: x\n  verdict: holds\n  why: y\n  see: gru.md#the-update-gate\n  source: z\n",
     r"claims\.yml:1: source: Extra inputs are not permitted"),
    ("- claim: x\n  verdict: holds\n  why: y\n  see: gru.md#the-update-gate\n  measured: [hunch]\n",
     r"claims\.yml:1: measured\.0: "),
    ("claim: x\n", r"claims\.yml:1: expected a list of claims"),
])
def test_a_broken_ledger_names_the_line_and_what_was_expected(tmp_path, entry, message):
    path = tmp_path / "claims.yml"
    path.write_text(textwrap.dedent(entry))
    with pytest.raises(ValueError, match=message):
        evidence.load_claims(path)


def test_the_gradient_sentence_quotes_the_gradient_plot():
    sentence = evidence.gradient_sentence()
    for cell, bias in (("gru", 0.0), ("lstm", 0.0), ("rnn", 0.0), ("gru", 1.0), ("lstm", 1.0)):
        norms = plots.gradient_norms(cell, bias)[1]
        mantissa, exponent = f"{norms[-1] / norms[0]:.1e}".split("e")
        assert f"{mantissa} \\times 10^{{{int(exponent)}}}" in sentence


# -- training on memory tasks ------------------------------------------------------------------------

def _median_steps(runs):
    reached = [r["steps_to_threshold"] for r in runs if r["steps_to_threshold"] is not None]
    return statistics.median(reached) if reached else None


def test_the_summary_table_shows_what_the_runs_recorded(training):
    """Each cell of the table, recomputed from the individual runs' curves and thresholds."""
    html = evidence.training_summary_html()
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    models = list(training["config"]["models"])
    expected = []
    for name, task in training["config"]["tasks"].items():
        limit, higher = (training["config"]["thresholds"][name][k] for k in ("threshold", "higher_is_better"))
        for length in task["lengths"]:
            row = []
            for model in models:
                runs = [r for r in training["runs"] if (r["model"], r["task"], r["length"]) == (model, name, length)]
                for r in runs:  # steps to threshold: the first logged step whose metric meets it
                    met = [s for s, m in zip(r["curve"]["step"], r["curve"]["metric"])
                           if (m >= limit if higher else m <= limit)]
                    assert r["steps_to_threshold"] == (met[0] if met else None)
                solved = sum(r["solved"] for r in runs)
                steps = _median_steps(runs)
                row.append(f"{solved}/{len(runs)} · {'—' if steps is None else f'{steps:,.0f}'}")
            expected.append(row)
    shown = [cells[k:k + 2 + len(models)][2:] for k in range(0, len(cells), 2 + len(models))]
    assert shown == expected


def test_the_models_share_one_budget_so_the_lstm_has_fewest_units(training):
    """evidence.md: 'the same number of parameters (so the LSTM has fewer hidden units than the GRU, and
    the plain RNN more)'."""
    config = training["config"]
    for name in config["tasks"]:
        sizes = config["hidden_sizes"][name]
        assert sizes["lstm"] < sizes["gru"] < sizes["rnn"]
        task = tasks.get(name, length=config["tasks"][name]["lengths"][0], **config["tasks"][name]["options"])
        for model, spec in config["models"].items():
            count = train.parameter_count(spec["cell"], task.input_size, sizes[model], task.output_size)
            bigger = train.parameter_count(spec["cell"], task.input_size, sizes[model] + 1, task.output_size)
            assert count <= config["budget"] < bigger


def test_the_learning_curves_draw_every_run_and_each_models_median(training):
    html = evidence.learning_curves_html()
    per_task = len(training["config"]["seeds"]) + 1
    for name in training["config"]["tasks"]:
        figure = html[html.index(f'id="learning-curves-{name}"'):]
        figure = figure[:figure.index("</figure>")]
        assert figure.count("<polyline") == per_task * len(training["config"]["models"])


def _update_gates_by_hand(state_dict, inputs):
    """PyTorch's documented GRU equations (blocks r, z, n), written out here: z_t, units x steps."""
    W_r, W_z, W_n = np.split(np.array(state_dict["weight_ih_l0"]), 3)
    V_r, V_z, V_n = np.split(np.array(state_dict["weight_hh_l0"]), 3)
    b_r, b_z, b_n = np.split(np.array(state_dict["bias_ih_l0"]), 3)
    c_r, c_z, c_n = np.split(np.array(state_dict["bias_hh_l0"]), 3)
    def sigmoid(a):
        return 1 / (1 + np.exp(-a))

    h, gates = np.zeros(len(b_r)), []
    for x in inputs:
        r = sigmoid(W_r @ x + b_r + V_r @ h + c_r)
        z = sigmoid(W_z @ x + b_z + V_z @ h + c_z)
        n = np.tanh(W_n @ x + b_n + r * (V_n @ h + c_n))
        h = (1 - z) * n + z * h
        gates.append(z)
    return np.array(gates).T


def test_the_trained_gru_holds_some_update_gates_through_the_delay(training):
    """evidence.md: before training the gates 'hover around the middle of their range'; after training
    'some units hold their update gate near 1 through the whole delay', while 'others keep changing'.
    Recomputed from PyTorch's equations by hand, not through gru_ref."""
    stored = training["trained"]
    task = tasks.get(**stored["task"])
    inputs = np.array(stored["sample"]["inputs"])
    gates = {which: _update_gates_by_hand(stored[which]["state_dict"], inputs) for which in ("initial", "trained")}
    delay = slice(task.recall, task.length - task.recall)
    assert 0.25 < gates["initial"].min() and gates["initial"].max() < 0.75
    held = gates["trained"][:, delay].min(axis=1) >= 0.9
    assert held.sum() >= 1
    assert np.any(np.ptp(gates["trained"], axis=1) > 0.5)
    before, after, _ = evidence.trained_gru_gates()
    np.testing.assert_allclose(before, gates["initial"], atol=1e-12)
    np.testing.assert_allclose(after, gates["trained"], atol=1e-12)
    assert f"{held.sum()} of a GRU's {stored['hidden_size']} units" in evidence.trained_gates_sentence()


# -- the published findings ------------------------------------------------------------------------

def _summary(rows):
    """A stored summary from (model, task, length, solved, median steps) tuples."""
    return {"config": {"tasks": {"adding": {"lengths": [10, 50]}}},
            "summary": [{"model": m, "task": t, "length": n, "solved": s, "median_steps_to_threshold": k}
                        for m, t, n, s, k in rows]}


def test_ahead_means_more_seeds_solved_then_fewer_steps():
    data = _summary([("gru", "adding", 10, 5, 150), ("lstm", "adding", 10, 5, 350),
                     ("gru", "adding", 50, 2, 900), ("lstm", "adding", 50, 3, 1500)])
    assert evidence._ahead(data, "gru", "lstm") == ([("adding", 10)], [("adding", 50)], [])
    tied = _summary([("gru", "adding", 10, 0, None), ("lstm", "adding", 10, 0, None),
                     ("gru", "adding", 50, 4, 300), ("lstm", "adding", 50, 4, 300)])
    assert evidence._ahead(tied, "gru", "lstm") == ([], [], [("adding", 10), ("adding", 50)])


def test_the_literature_verdicts_follow_from_the_runs(training):
    rows = evidence.literature_rows(training)
    gru, lstm, _ = evidence._ahead(training, "gru", "lstm")
    assert rows[2][2] == ("agrees" if len(gru) > len(lstm) else "disagrees")
    assert all(verdict in ("agrees", "partly", "disagrees") for _, _, verdict in rows)


def test_the_pages_reading_of_the_summary_holds(training):
    """evidence.md: 'the plain RNN solves the shortest setting of each task and fails in most seeds or all of
    them at the longer ones. The GRU solves every setting in every seed. The LSTM ... solves the adding
    problem at every length but fails to copy across the longer delays; raising its forget-gate bias by 1
    rescues the middle delay, not the longest.'"""
    solved = {(r["model"], r["task"], r["length"]): r["solved"] == r["seeds"] for r in training["summary"]}
    most_failed = {(r["model"], r["task"], r["length"]): r["solved"] < r["seeds"] / 2 for r in training["summary"]}
    lengths = {name: task["lengths"] for name, task in training["config"]["tasks"].items()}
    for name, (shortest, *longer) in lengths.items():
        assert solved["rnn", name, shortest] and all(most_failed["rnn", name, n] for n in longer)
        assert all(solved["gru", name, n] for n in lengths[name])
    assert all(solved["lstm", "adding", n] for n in lengths["adding"])
    short, middle, longest = lengths["copy"]
    assert solved["lstm", "copy", short] and not solved["lstm", "copy", middle] and not solved["lstm", "copy", longest]
    assert solved["lstm-forget-bias-1", "copy", middle] and not solved["lstm-forget-bias-1", "copy", longest]
    # 'only the GRU's runs find their way down': at the longest delay no other model's median beats guessing by much
    runs = [r for r in training["runs"] if (r["task"], r["length"]) == ("copy", longest)]
    chance = float(np.log(training["config"]["tasks"]["copy"]["options"]["symbols"]))
    for model in training["config"]["models"]:
        final = statistics.median(r["curve"]["loss"][-1] for r in runs if r["model"] == model)
        assert (final < 0.1 * chance) == (model == "gru")
