"""A content-addressed cache of generated fragments, so that editing prose does not recompute figures.

A fragment's key hashes what can change it: the generator's name and options, the source of every
file under gru_ref/, sitegen/, quiz/, quizzes/ and evidence/, and the versions of
the libraries that shape the output. Editing any of those gives new keys, so a stale fragment is
never found; old files are simply no longer read. A hit returns the exact text a fresh call would
return, byte for byte (a test builds the site with and without the cache and compares the trees).

Stored in `.cache/fragments/` (git-ignored) at the repository root. `GRU_REF_CACHE=off` turns it off;
`GRU_REF_CACHE_DIR` puts it elsewhere.
"""
import functools
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("gru_ref", "sitegen", "quiz", "quizzes", "evidence")  # every file in these folders feeds some generator
SOURCE_SUFFIXES = (".py", ".yml", ".yaml", ".json", ".ttf")
BUILT_FROM = ("docs", "mkdocs.yml") + SOURCES  # everything a build reads from the repository
LIBRARIES = ("numpy", "latex2mathml", "pygments", "pymdown-extensions", "markdown", "pyyaml", "fonttools", "brotli",
             "pydantic")


def copy_project(into):
    """Copy what a build reads (BUILT_FROM) into a folder, without caches: for tests and benchmarks
    that build or edit a copy of the project."""
    into = Path(into)
    for name in BUILT_FROM:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
        else:
            shutil.copy(source, into / name)
    return into


def enabled():
    return os.environ.get("GRU_REF_CACHE", "on").lower() not in ("off", "0", "no", "false")


def directory():
    return Path(os.environ.get("GRU_REF_CACHE_DIR", ROOT / ".cache" / "fragments"))


@functools.lru_cache(maxsize=1)
def sources_digest():
    """One hash over the generating sources and library versions; computed once per build (this
    module is reloaded before every build under `mkdocs serve`)."""
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")) if (ROOT / folder).is_dir() else ():
            if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    versions = {name: importlib.metadata.version(name) for name in LIBRARIES}
    digest.update(json.dumps([sys.version_info[:2], versions], sort_keys=True).encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def headings_digest():
    """A hash of every heading line of the pages: the quizzes link to sections by their headings, so
    renaming one must give the quizzes new keys, while editing the prose under it must not."""
    digest = hashlib.sha256()
    for page in sorted((ROOT / "docs").glob("*.md")):
        headings = [line for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
        digest.update(page.name.encode() + b"\0" + "\n".join(headings).encode() + b"\0")
    return digest.hexdigest()


# A `gru-quiz` fence as a page writes it (at the start of a line, not nested in another block).
QUIZ_FENCE = re.compile(r"^```gru-quiz[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@functools.lru_cache(maxsize=1)
def quiz_fences_digest():
    """A hash of the `gru-quiz` fences of the pages, in page order: the learning objectives link to
    each question by its number in the quiz that shows it, so adding, moving or retitling a quiz must
    give them new keys, while editing the prose around it must not."""
    digest = hashlib.sha256()
    for page in sorted((ROOT / "docs").glob("*.md")):
        fences = QUIZ_FENCE.findall(page.read_text(encoding="utf-8"))
        digest.update(page.name.encode() + b"\0" + "\0".join(fences).encode() + b"\0")
    return digest.hexdigest()


def key(generator, options, inputs=()):
    text = json.dumps([generator, options, sources_digest(), list(inputs)], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def blob(generator, options, produce, inputs=()):
    """The bytes `produce()` returns for this generator and these options, from the cache when it holds it.
    `inputs`: further texts (digests) the output depends on, beyond the sources."""
    if not enabled():
        return produce()
    path = directory() / key(generator, options, inputs)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = produce()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a temporary file and renamed: a build running beside this one never reads half a fragment.
    with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp") as out:
        out.write(data)
    os.replace(out.name, path)
    return data


def fragment(generator, options, produce, inputs=()):
    """The text `produce()` returns for this generator and these options, from the cache when it holds it."""
    return blob(generator, options, lambda: produce().encode("utf-8"), inputs).decode("utf-8")
