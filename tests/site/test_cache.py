"""The fragment cache (sitegen/cache.py) speeds builds up and never changes what they produce."""
import os
import subprocess
import sys

import pytest
from site_server import build_site

from sitegen import cache


def tree(site_dir):
    return {str(p.relative_to(site_dir)): p.read_bytes() for p in sorted(site_dir.rglob("*")) if p.is_file()}


def snapshot(directory):
    """Every cached file and when it was written: a build that misses writes a new file."""
    return {p.name: p.stat().st_mtime_ns for p in directory.iterdir()}


def test_a_build_from_the_cache_is_byte_identical_to_one_without(tmp_path):
    fragments = tmp_path / "fragments"
    env = {"GRU_REF_CACHE_DIR": str(fragments), "SOURCE_DATE_EPOCH": "1700000000"}
    first = build_site(tmp_path / "first", env)
    assert first.returncode == 0, first.stderr
    filled = snapshot(fragments)
    assert len(filled) >= 10, f"the first build cached only {sorted(filled)}"
    cached = build_site(tmp_path / "cached", env)
    assert cached.returncode == 0, cached.stderr
    assert snapshot(fragments) == filled, "the second build missed the cache (it wrote fragments)"
    fresh = build_site(tmp_path / "fresh", dict(env, GRU_REF_CACHE="off"))
    assert fresh.returncode == 0, fresh.stderr
    with_cache, without = tree(tmp_path / "cached"), tree(tmp_path / "fresh")
    assert with_cache.keys() == without.keys()
    assert [name for name in with_cache if with_cache[name] != without[name]] == []


@pytest.fixture
def project_copy(tmp_path):
    return cache.copy_project(tmp_path)


def digest_of(project):
    """sources_digest of a copy of the project, in a fresh interpreter (it is computed once per process)."""
    probe = "from sitegen import cache; print(cache.sources_digest())"
    run = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, check=True,
                         env={**_base_env(), "PYTHONPATH": str(project)})
    return run.stdout.strip()


@pytest.mark.parametrize("edited", ["gru_ref/cells.py", "gru_ref/kernels.py", "sitegen/plots.py",
                                    "sitegen/notation.py"])
def test_editing_a_generating_source_changes_every_key(project_copy, edited):
    before = digest_of(project_copy)
    path = project_copy / edited
    path.write_text(path.read_text() + "\n# an edit\n")
    assert digest_of(project_copy) != before


def headings_of(project):
    probe = "from sitegen import cache; print(cache.headings_digest())"
    run = subprocess.run([sys.executable, "-c", probe], cwd=project, capture_output=True, text=True, check=True,
                         env={**_base_env(), "PYTHONPATH": str(project)})
    return run.stdout.strip()


def test_renaming_a_heading_changes_the_quiz_keys_and_prose_does_not(project_copy):
    """Quizzes link to (and validate) the headings that teach them; their keys follow the headings."""
    page = project_copy / "docs" / "gru.md"
    before = headings_of(project_copy)
    page.write_text(page.read_text() + "\nOne more sentence.\n")
    assert headings_of(project_copy) == before
    page.write_text(page.read_text().replace("## The update gate", "## The update gate, again"))
    assert headings_of(project_copy) != before


def test_editing_prose_keeps_the_keys(project_copy):
    before = digest_of(project_copy)
    page = project_copy / "docs" / "index.md"
    page.write_text(page.read_text() + "\nOne more sentence.\n")
    assert digest_of(project_copy) == before


def test_a_gru_ref_edit_reaches_the_page_through_a_warm_cache(project_copy):
    """Built once (cache filled), then gru_ref is edited: the shown source must be the new one."""
    fragments = project_copy / ".cache" / "fragments"
    env = {"PYTHONPATH": str(project_copy), "GRU_REF_CACHE_DIR": str(fragments)}

    def build(name):
        command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(project_copy / name)]
        run = subprocess.run(command, cwd=project_copy, capture_output=True, text=True, env={**_base_env(), **env})
        assert run.returncode == 0, run.stderr
        return (project_copy / name / "gru.html").read_text()

    assert "cache probe 7e3a" not in build("before")
    cells = project_copy / "gru_ref" / "cells.py"
    source = cells.read_text()
    assert "    u = sigmoid(a_u)\n" in source
    cells.write_text(source.replace("    u = sigmoid(a_u)\n", "    u = sigmoid(a_u)  # cache probe 7e3a\n"))
    assert "cache probe 7e3a" in build("after")


def _base_env():
    return {k: v for k, v in os.environ.items() if k not in ("GRU_REF_CACHE", "GRU_REF_CACHE_DIR")}


def test_fragments_are_stored_and_read_back_exactly(tmp_path, monkeypatch):
    monkeypatch.setenv("GRU_REF_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("GRU_REF_CACHE", raising=False)
    calls = []

    def produce():
        calls.append(1)
        return "<p>é ⊙ \r\n 1.000</p>"

    first = cache.fragment("test.produce", {"cell": "gru"}, produce)
    second = cache.fragment("test.produce", {"cell": "gru"}, produce)
    other = cache.fragment("test.produce", {"cell": "lstm"}, produce)
    assert first == second == other == produce()
    assert len(calls) == 3  # once per distinct option set, then the call just above
    monkeypatch.setenv("GRU_REF_CACHE", "off")
    cache.fragment("test.produce", {"cell": "gru"}, produce)
    assert len(calls) == 4  # off: always produced
