"""The evidence pages' content: the claims ledger and the stored experiment results, as HTML.

Nothing here trains or times anything: the results were made by the commands in evidence/ and
benchmarks/ and stored in evidence/results/ with their provenance; this module only reads them.
The claims ledger is data too (evidence/claims.yml); a claim's `measured` names are the sentences
below that quote the stored numbers a verdict rests on.
"""
import functools
import html
import statistics
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .inline import inline_html
from .tables import html_table

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


# -- training on memory tasks ------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def stored(name):
    """A stored result (evidence/results/<name>), read once per build."""
    from evidence import provenance

    data = provenance.read(name)
    if name == "training.json":
        # Results are stored with sorted keys; the summary rows keep the configured order of the models.
        models = data["config"]["models"]
        data["config"]["models"] = {m: models[m] for m in dict.fromkeys(r["model"] for r in data["summary"])}
    return data


def _title(cell):
    from gru_ref import registry

    return registry.cell(cell).title


def _model_title(model, math=True):
    """A trained model's name on the page: 'GRU', or 'LSTM with $b_f + 1$' for one started with a keep bias."""
    from .plots import series_label

    return series_label(model["cell"], model["keep_bias"], math=math)


TASK_TITLES = {"adding": "Adding problem", "copy": "Copy after a delay"}


def _steps(value):
    return "—" if value is None else f"{value:,.0f}"


def training_summary_html():
    data = stored("training.json")
    config, rows = data["config"], data["summary"]
    models = config["models"]
    table = []
    for name, task in config["tasks"].items():
        for length in task["lengths"]:
            by_model = {r["model"]: r for r in rows if (r["task"], r["length"]) == (name, length)}
            table.append([TASK_TITLES[name], str(length)] + [
                f"{by_model[m]['solved']}/{by_model[m]['seeds']} · {_steps(by_model[m]['median_steps_to_threshold'])}"
                for m in models])
    sizes = "; ".join(f"{TASK_TITLES[name].lower()}: " + ", ".join(
        f"{_title(c)} {size} units" for c, size in _sizes_by_cell(config, name).items()) for name in config["tasks"])
    thresholds = config["thresholds"]
    training = config["training"]
    caption = (f"Seeds that solved each task (out of {len(config['seeds'])}) · median training step at which "
               f"the solved runs first met the threshold (— when none did). Solved means a mean squared error "
               f"of at most {thresholds['adding']['threshold']:g} on the adding problem and an accuracy of at "
               f"least {thresholds['copy']['threshold']:.0%} on copy, on {training['eval_batch_size']} held-out "
               f"sequences, within {training['steps']:,} steps. Every cell has at most {config['budget']:,} "
               f"parameters, readout included ({sizes}); Adam with learning rate {training['lr']:g}, gradient "
               f"norm clipped at {training['clip']:g}, batches of {training['batch_size']}.")
    return html_table(["Task", "Length $T$"] + [_model_title(m) for m in models.values()], table, caption)


def _sizes_by_cell(config, task):
    """Hidden size of each cell on a task (a cell's variants share its size)."""
    return {model["cell"]: config["hidden_sizes"][task][name] for name, model in config["models"].items()}


def _median_curve(runs):
    """The median over seeds of the evaluation loss at each logged step."""
    return [statistics.median(values) for values in zip(*(r["curve"]["loss"] for r in runs))]


def learning_curves_html():
    from .plots import Line, _figure, line_plot_svg

    data = stored("training.json")
    config = data["config"]
    figures = []
    for name, task in config["tasks"].items():
        length = task["lengths"][-1]
        lines, named = [], []
        styles = list(dict.fromkeys(model["cell"] for model in config["models"].values()))
        for model_name, model in config["models"].items():
            runs = [r for r in data["runs"] if (r["model"], r["task"], r["length"]) == (model_name, name, length)]
            steps = tuple(runs[0]["curve"]["step"])
            style = styles.index(model["cell"])
            marks = tuple(x for x in steps if x % 500 == 0) if model["keep_bias"] else ()
            lines += [Line(steps, tuple(r["curve"]["loss"]), style, faint=True) for r in runs]
            named.append(Line(steps, tuple(_median_curve(runs)), style, _model_title(model, math=False), marks))
        figure_id = f"learning-curves-{name}"
        title = f"{TASK_TITLES[name]}, T = {length}: evaluation loss against training step, log scale"
        last = config["training"]["steps"]
        ticks = list(range(0, last + 1, 500 if last > 2000 else 250))
        svg = line_plot_svg(figure_id, title, lines + named, "training step", "evaluation loss", ticks,
                            legend_at="bottom left", legend_width=150)
        baseline = {"adding": "predicting 1.0 scores 1/6", "copy": "guessing scores $\\ln 4$"}[name]
        caption = (f"{TASK_TITLES[name]} at length $T = {length}$: the loss on {config['training']['eval_batch_size']}"
                   f" held-out sequences during training, on a log scale. Thin lines are single seeds, thick "
                   f"lines their median; {baseline}.")
        figures.append(_figure(figure_id, svg, caption))
    return "".join(figures)


def trained_gru_gates():
    """The stored GRU's update gate on its sample sequence: (units x steps before, after, the task)."""
    from gru_ref import train

    model = stored("training.json")["trained"]
    inputs = np.array(model["sample"]["inputs"])  # (T, input size)
    gru = train.Model(model["cell"], model["input_size"], model["hidden_size"], model["output_size"])
    gates = {}
    for which in ("initial", "trained"):
        gru.load_state_dict({**model[which]["state_dict"], "readout.weight": model[which]["readout"]["weight"],
                             "readout.bias": model[which]["readout"]["bias"]})
        gates[which] = np.array([t.u for t in gru.trace(inputs)]).T
    return gates["initial"], gates["trained"], model


def delay_of(task):
    """The steps of the copy task's delay: after the symbols, before the recall window."""
    return slice(task["recall"], task["length"] - task["recall"])


def held_units(gate, task, level=0.9):
    """Units whose gate stays at or above `level` at every step of the delay."""
    return int(np.sum(gate[:, delay_of(task)].min(axis=1) >= level))


def trained_gates_html():
    from .plots import _figure, heatmaps_svg

    before, after, model = trained_gru_gates()
    task = model["task"]
    T, recall = task["length"], task["recall"]
    stretches = [(0, recall, "symbols"), (recall, T - 2 * recall, "delay: blank input"), (T - recall, recall, "recall")]
    figure_id = "trained-gru-gates"
    svg = heatmaps_svg(figure_id, f"Update gate of a GRU on the copy task (T = {T}), before and after training",
                       [("update gate u_t before training", before), ("update gate u_t after training", after)],
                       stretches, "phase")
    caption = (f"The update gate $u_t$ of each of the {model['hidden_size']} units of a GRU on one copy sequence "
               f"of length {T} ({recall} symbols, a delay of blank input, then the recall window), with the "
               f"weights it started from (top) and after training (bottom, seed {model['seed']}, accuracy "
               f"{model['final_metric']:.0%} on held-out sequences). Colour runs from 0 (dark purple) to 1 "
               f"(yellow). Before training every gate stays between {before.min():.2f} and {before.max():.2f}; "
               f"after training {held_units(after, task)} units hold $u_t \\ge 0.9$ at every step of the delay.")
    return _figure(figure_id, svg, caption)


# -- the published findings, against ours ------------------------------------------------------------

def _settings(data):
    """(task, length) of every training setting, in the configured order."""
    return [(name, length) for name, task in data["config"]["tasks"].items() for length in task["lengths"]]


def _ahead(data, first, second):
    """Settings where model `first` did better than `second`: more seeds solved, or as many (at least one)
    in fewer median steps. Returns (first ahead, second ahead, tied) lists of settings."""
    row = {(r["model"], r["task"], r["length"]): r for r in data["summary"]}
    tally = ([], [], [])
    for setting in _settings(data):
        a, b = row[(first, *setting)], row[(second, *setting)]
        if a["solved"] != b["solved"]:
            tally[0 if a["solved"] > b["solved"] else 1].append(setting)
        elif a["solved"] and a["median_steps_to_threshold"] != b["median_steps_to_threshold"]:
            tally[0 if a["median_steps_to_threshold"] < b["median_steps_to_threshold"] else 1].append(setting)
        else:
            tally[2].append(setting)
    return tally


def _where(settings):
    return ", ".join(f"{TASK_TITLES[name].lower()} $T = {length}$" for name, length in settings) or "none"


def literature_rows(data):
    """(finding, what our runs show, verdict) for each published finding our experiments can test."""
    models = data["config"]["models"]
    title = {name: _model_title(model) for name, model in models.items()}
    rows = []
    gated = [name for name, model in models.items() if model["cell"] != "rnn"]
    beats = {name: _ahead(data, name, "rnn") for name in gated}
    rows.append((
        "Gated cells clearly beat the tanh RNN (Chung et al., 2014).",
        "; ".join(f"{title[name]} ahead of the RNN in {len(b[0])} of {len(_settings(data))} settings, behind in "
                  f"{len(b[1])}" for name, b in beats.items()),
        "agrees" if all(b[0] and not b[1] for b in beats.values())
        else "partly" if any(len(b[0]) > len(b[1]) for b in beats.values()) else "disagrees"))
    gru, lstm, tied = _ahead(data, "gru", "lstm")
    rows.append((
        "Neither the GRU nor the LSTM is consistently better (Chung et al., 2014; Greff et al., 2017).",
        f"GRU ahead in {len(gru)} settings ({_where(gru)}), LSTM ahead in {len(lstm)} ({_where(lstm)}), "
        f"{len(tied)} tied.",
        "agrees" if bool(gru) == bool(lstm) else "disagrees"))
    rows.append((
        "The GRU beats the LSTM on most tasks other than language modelling (Jozefowicz et al., 2015).",
        f"GRU ahead of the LSTM in {len(gru)} of {len(_settings(data))} settings, behind in {len(lstm)}.",
        "agrees" if len(gru) > len(lstm) else "disagrees"))
    biased, default, same = _ahead(data, "lstm-forget-bias-1", "lstm")
    still = _ahead(data, "gru", "lstm-forget-bias-1")
    rows.append((
        "A forget-gate bias of 1 closes most of the LSTM's gap to the GRU (Jozefowicz et al., 2015).",
        f"{title['lstm-forget-bias-1']} ahead of the default LSTM in {len(biased)} settings ({_where(biased)}), behind "
        f"in {len(default)} ({_where(default)}); the GRU still ahead of it in {len(still[0])} "
        f"({_where(still[0])}), behind in {len(still[1])}.",
        "agrees" if biased and not default and len(still[0]) < len(gru) else "partly" if biased else "disagrees"))
    return rows


def literature_html():
    data = stored("training.json")
    caption = ("Published findings that the training runs above can test, what the runs show, and whether they "
               "agree. A model is ahead in a setting (task and length) when more of its seeds solved it, or as "
               "many in fewer median steps.")
    return html_table(["Published finding", "On our tasks", "Verdict"], literature_rows(data), caption)


# -- cost of a training step ---------------------------------------------------------------------

IMPLEMENTATION_TITLES = {"gru_ref": "gru_ref", "torch": "PyTorch", "torch_no_onednn": "PyTorch, oneDNN off"}


def _step_times():
    data = stored("step_cost.json")
    rows = {(r["cell"], r["hidden_size"], r["implementation"]): r for r in data["rows"]}
    return data, rows


def step_cost_html():
    data, rows = _step_times()
    config = data["config"]
    implementations = config["implementations"]
    table = []
    for cell in config["cells"]:
        for H in config["hidden_sizes"]:
            first = rows[cell, H, implementations[0]]
            macs = f"{first['train_step_matmul_macs'] / 1e6:,.1f}"
            table.append([_title(cell), str(H), f"{first['parameters']:,}", macs]
                         + [f"{rows[cell, H, i]['median_ms']:.2f}" for i in implementations])
    threads = data["threads"]
    caption = (f"Time of one training step in milliseconds (median of {config['rounds']} rounds of "
               f"{config['repeats']} steps): forward over a sequence of $T = {config['T']}$ steps for a batch of "
               f"{config['B']}, then backpropagation through time to every parameter, the input and the initial "
               f"state; float32, input size $d$ equal to the hidden size $n$, {threads['torch_threads']} threads "
               f"for PyTorch and for numpy's BLAS alike. Multiply-adds count the matrix products of the step "
               f"(forward and backward), from the site's cost formulas.")
    ratios = []
    for H in config["hidden_sizes"]:
        gru, lstm = rows["gru", H, implementations[0]], rows["lstm", H, implementations[0]]
        ratios.append([str(H), f"{gru['parameters'] / lstm['parameters']:.2f}",
                       f"{gru['train_step_matmul_macs'] / lstm['train_step_matmul_macs']:.2f}"]
                      + [f"{rows['gru', H, i]['median_ms'] / rows['lstm', H, i]['median_ms']:.2f}"
                         for i in implementations])
    ratio_caption = ("GRU over LSTM at the same size: parameters, multiply-adds, and measured time per training "
                     "step in each implementation. PyTorch runs its LSTM on the CPU with oneDNN's fused kernels, a "
                     "path its GRU does not get; with oneDNN off both run the same per-step operations.")
    titles = [IMPLEMENTATION_TITLES[i] + " (ms)" for i in implementations]
    return (html_table(["Cell", "$n$", "Parameters", "Multiply-adds (millions)"] + titles, table, caption)
            + html_table(["$n$", "Parameters", "Multiply-adds"] + [IMPLEMENTATION_TITLES[i] for i in implementations],
                         ratios, ratio_caption))


LEDGER_SIZE = 128  # the size the ledger quotes: the cost table's (gru-vs-lstm.md#cost-per-step)


def step_cost_sentence(H=LEDGER_SIZE):
    data, rows = _step_times()
    if H not in data["config"]["hidden_sizes"]:
        raise ValueError(f"evidence/results/step_cost.json: no rows at hidden size {H}; it has "
                         f"{data['config']['hidden_sizes']}")
    ratio = {i: rows["gru", H, i]["median_ms"] / rows["lstm", H, i]["median_ms"]
             for i in data["config"]["implementations"]}
    params = rows["gru", H, "gru_ref"]["parameters"] / rows["lstm", H, "gru_ref"]["parameters"]
    return (f"Measured at $n = {H}$: a GRU training step takes {ratio['gru_ref']:.2f} of an LSTM's time in gru_ref, "
            f"{ratio['torch_no_onednn']:.2f} in PyTorch with oneDNN off and {ratio['torch']:.2f} with PyTorch's fused "
            f"oneDNN LSTM, for {params:.2f} of its parameters.")


def training_sentence():
    data = stored("training.json")
    config, rows = data["config"], data["summary"]
    longest = {name: task["lengths"][-1] for name, task in config["tasks"].items()}
    row = {(r["model"], r["task"]): r for r in rows if r["length"] == longest[r["task"]]}
    parts = []
    for model_name, model in config["models"].items():
        solved = " and ".join(f"{row[model_name, name]['solved']}/{row[model_name, name]['seeds']}" for name in longest)
        steps = _steps(row[model_name, "adding"]["median_steps_to_threshold"])
        parts.append(f"{_model_title(model)} {solved}" + (f" ({steps} steps)" if steps != "—" else ""))
    where = " and ".join(f"{TASK_TITLES[name].lower()} at $T = {length}$" for name, length in longest.items())
    return (f"Measured at equal parameter budgets, seeds solving {where} (median steps on the adding problem): "
            f"{'; '.join(parts)}.")


def trained_gates_sentence():
    before, after, model = trained_gru_gates()
    task = model["task"]
    return (f"Measured: after training on copy at $T = {task['length']}$, {held_units(after, task)} of a GRU's "
            f"{model['hidden_size']} units hold $u_t \\ge 0.9$ through the whole delay; before training, "
            f"{held_units(before, task)}.")


MEASURED = {"step-cost": step_cost_sentence, "gradient": gradient_sentence, "training": training_sentence,
            "trained-gates": trained_gates_sentence}


RESULT_TITLES = {"training.json": "Training on memory tasks", "step_cost.json": "Cost of a training step"}


def provenance_html():
    """Where each stored result came from, one list item per result (a table of commands would not fit)."""
    items = []
    for name, title in RESULT_TITLES.items():
        record = stored(name)["provenance"]
        machine = record["machine"]
        versions = ", ".join(f"{package} {version}" for package, version in record["versions"].items())
        text = (f"**{title}** (`evidence/results/{name}`): made by `{record['command']}` on {record['date'][:10]}, "
                f"on {machine['processor']} ({machine['cores']} cores, {machine['system']}), with Python "
                f"{record['python']}, {versions}; code and configuration digest `{record['digest'][:12]}`.")
        items.append(f"<li>{inline_html(text)}</li>")
    return f"<ul>{''.join(items)}</ul>"


# What a gru-evidence fence can show (its `show` option), and what draws it.
SHOWS = {"claims": claims_html, "training-summary": training_summary_html, "learning-curves": learning_curves_html,
         "trained-gates": trained_gates_html, "step-cost": step_cost_html, "literature": literature_html,
         "provenance": provenance_html}


def evidence_html(show):
    return SHOWS[show]()
