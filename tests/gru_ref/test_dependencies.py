"""Dependency direction: gru_ref needs only numpy; generation needs gru_ref, never the test oracles."""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def third_party_modules_after(statement):
    """Top-level modules outside the standard library that `statement` imports, in a fresh interpreter."""
    probe = (f"import sys; {statement}; "
             "import json; top = {m.split('.')[0] for m in sys.modules}; "
             "print(json.dumps(sorted(top - set(sys.stdlib_module_names))))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return {name for name in json.loads(result.stdout) if not name.startswith("_")}  # __main__, import hooks


def test_gru_ref_imports_nothing_but_numpy():
    assert third_party_modules_after("import gru_ref") == {"gru_ref", "numpy"}


def test_generation_never_imports_the_oracles_and_gru_ref_never_imports_generation():
    used = third_party_modules_after(
        "import sitegen.fences, sitegen.examples, sitegen.tables, sitegen.plots, sitegen.diagrams")
    assert not used & {"torch", "keras", "matplotlib"}  # the plots are drawn by sitegen.plots itself
    assert "sitegen" not in third_party_modules_after("import gru_ref, gru_ref.layers, gru_ref.convert, gru_ref.counts")
