"""The Markdown entry points: pymdownx.superfences custom fences whose body is YAML options.

    ```gru-example
    cell: gru
    steps: 4
    ```

Each fence checks its options, then asks the fragment cache (sitegen.cache) for the generator's
output, which calls the generator only when the cache does not hold it. Generators, the cache and
gru_ref's registry are imported when a fence runs, not here, so a rebuild in `mkdocs serve` uses
freshly reloaded modules (MkDocs keeps this module: mkdocs.yml holds its functions).
"""
import importlib
import os

import yaml
from pymdownx.superfences import SuperFencesException

# Material 9.8 prints an end-of-life notice for MkDocs when its theme loads, unless this documented
# switch is set. mkdocs.yml names this module, so it is imported while the config is read, before
# the theme: the one place that silences it for `mkdocs build` and `mkdocs serve` alike.
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


ANY_TEXT = None  # an option that takes any string; its generator says whether it fits


def fence_options():
    """fence -> option -> (allowed values, default); a list default takes a list of allowed values."""
    registry = importlib.import_module("gru_ref.registry")
    cells = tuple(registry.CELLS)
    gated = tuple(key for key, cell in registry.CELLS.items() if cell.gates)
    resets = registry.cell("gru").options["reset"]
    return {
        "gru-diagram": {"cell": (cells, None), "reset": (resets, resets[0]), "values": ((True, False), False)},
        "gru-example": {"cell": (cells, None), "steps": ((1, 4), 1), "reset": (resets, resets[0])},
        "gru-explore": {"cell": (cells, None), "reset": (resets, resets[0])},
        "gru-plot": {"plot": (("gates", "gradient-norm"), "gates"), "cell": (gated, "gru"),
                     "cells": (cells, list(cells)), "keep_bias": ((0, 1, 2), [0])},
        "gru-table": {"table": (("cost", "gate-order", "conventions", "quiz-mutations"), None), "cell": (cells, "gru")},
        "gru-source": {"function": (tuple(c.step.__name__ for c in registry.CELLS.values()) + ("run_sequence",), None)},
        "gru-evidence": {"show": (tuple(importlib.import_module("sitegen.evidence").SHOWS), None)},
        "gru-quiz": {"chapter": (importlib.import_module("quiz.bank").CHAPTERS + ("all",), None),
                     "section": (ANY_TEXT, None), "title": (ANY_TEXT, "Check yourself"), "skip": (ANY_TEXT, None)},
        "gru-objectives": {"chapter": (importlib.import_module("quiz.bank").CHAPTERS, None)},
        "gru-exercises": {"chapter": (importlib.import_module("quiz.bank").CHAPTERS, None),
                          "section": (ANY_TEXT, None)},
    }


def parse_options(fence, source):
    """The fence body as checked options; a SuperFencesException says what is wrong (superfences
    would otherwise swallow the error and show the fence as plain text)."""
    try:
        given = yaml.safe_load(source) or {}
    except yaml.YAMLError as error:
        raise SuperFencesException(f"```{fence}: the body is not valid YAML options: {error}") from None
    if not isinstance(given, dict):
        raise SuperFencesException(f"```{fence}: expected 'option: value' lines, got {source.strip()!r}")
    spec = fence_options()[fence]
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise SuperFencesException(f"```{fence}: unknown option(s) {unknown}; expected some of {sorted(spec)}")
    options = {}
    for name, (allowed, default) in spec.items():
        value = given.get(name, default)
        if allowed is ANY_TEXT:
            if value is not None and not isinstance(value, str):
                raise SuperFencesException(f"```{fence}: option {name!r} must be text, got {value!r}")
        elif isinstance(default, list):
            if not isinstance(value, list) or not value or any(v not in allowed for v in value):
                raise SuperFencesException(
                    f"```{fence}: option {name!r} must be a non-empty list of {list(allowed)}, got {value!r}")
            value = tuple(value)  # hashable, so generators can cache on it
        elif value not in allowed or type(value) is not type(allowed[0]):
            raise SuperFencesException(f"```{fence}: option {name!r} must be one of {list(allowed)}, got {value!r}")
        options[name] = value
    return options


def _generate(fence, module, function, source):
    """Check the fence's options, then return `module.function(**options)` through the fragment cache.

    Every error leaves as a SuperFencesException: superfences turns any other exception into a plain
    code block without a word, and a page would show the fence's options instead of its content.
    """
    options = None
    try:
        options = parse_options(fence, source)

        def produce():
            generator = getattr(importlib.import_module(module), function)
            return generator(**options)

        cache = importlib.import_module("sitegen.cache")
        # A quiz (the claims ledger, an exercise) links to the headings that teach it, and checks they exist;
        # the objectives also link to their questions where the pages' quizzes show them.
        inputs = [cache.headings_digest()] if fence in ("gru-quiz", "gru-evidence", "gru-objectives",
                                                        "gru-exercises") else []
        if fence == "gru-objectives":
            inputs.append(cache.quiz_fences_digest())
        return cache.fragment(f"{module}.{function}", options, produce, inputs)
    except SuperFencesException:
        raise
    except Exception as error:
        shown = options if options is not None else source.strip()
        raise SuperFencesException(f"```{fence} {shown}: {type(error).__name__}: {error}") from error


# fence -> the generator that writes it (module, function); mkdocs.yml names each formatter below.
GENERATORS = {
    "gru-diagram": ("sitegen.diagrams", "diagram_html"),
    "gru-example": ("sitegen.examples", "render_example"),
    "gru-explore": ("sitegen.explorable", "explorable_html"),
    "gru-plot": ("sitegen.plots", "plot_html"),
    "gru-table": ("sitegen.tables", "table_html"),
    "gru-source": ("sitegen.source", "source_html"),
    "gru-quiz": ("quiz.render", "fence_html"),
    "gru-evidence": ("sitegen.evidence", "evidence_html"),
    "gru-objectives": ("quiz.render", "objectives_html"),
    "gru-exercises": ("quiz.exercises", "fence_html"),
}


def _formatter(fence):
    """The superfences formatter of a fence: its options checked, its generator called through the cache."""
    module, function = GENERATORS[fence]

    def format(source, language, css_class, options, md, **kwargs):
        return _generate(fence, module, function, source)

    format.__name__ = format.__qualname__ = fence.replace("-", "_")
    return format


gru_diagram = _formatter("gru-diagram")
gru_example = _formatter("gru-example")
gru_explore = _formatter("gru-explore")
gru_plot = _formatter("gru-plot")
gru_table = _formatter("gru-table")
gru_source = _formatter("gru-source")
gru_quiz = _formatter("gru-quiz")
gru_evidence = _formatter("gru-evidence")
gru_objectives = _formatter("gru-objectives")
gru_exercises = _formatter("gru-exercises")
