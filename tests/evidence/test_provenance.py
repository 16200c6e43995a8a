"""The digest that marks stored results stale: it follows what the code computes, not how it is worded."""
from evidence import provenance

STEP = '''"""A module."""
def step(x):
    """Double x."""
    # why: the notes' convention
    return 2 * x
'''


def digest(source, config=None, path="gru_ref/step.py"):
    return provenance.code_digest([path], config or {"steps": 3}, read=lambda _: source.encode())


def test_rewording_a_docstring_or_a_comment_keeps_the_digest():
    reworded = STEP.replace("Double x.", "Twice x, as in the notes.").replace("# why: the notes' convention", "")
    assert digest(reworded) == digest(STEP)


def test_changing_the_code_the_configuration_or_a_data_file_changes_the_digest():
    assert digest(STEP.replace("2 * x", "3 * x")) != digest(STEP)
    assert digest(STEP, {"steps": 4}) != digest(STEP)
    assert digest("a: 1\n", path="config.yml") != digest("a: 2\n", path="config.yml")


def test_a_string_that_is_code_is_not_mistaken_for_a_docstring():
    assert digest(STEP.replace("return 2 * x", 'return "2" * x')) != digest(STEP)
    assert digest(STEP.replace('    """Double x."""\n', '    label = "Double x."\n')) != digest(STEP)
