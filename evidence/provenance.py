"""Where a stored result came from: machine, library versions, date, command, and a digest of the
code and configuration that produced it.

The digest is what makes a result checkable: a test recomputes it from today's files and
configuration and fails when it differs from the stored one, so a result can never silently
describe code that has since changed.
"""
import ast
import datetime
import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "evidence" / "results"


def code_digest(paths, config, read=None):
    """sha256 of the files (paths relative to the repository) and of the configuration, as JSON.

    A Python file counts by what it computes: its syntax tree without docstrings. Rewording a
    docstring, a comment or the layout changes no result, so it does not make stored results stale.
    `read(path) -> bytes` reads a file some other way (e.g. from a commit); by default from the checkout.
    """
    read = read or (lambda path: (ROOT / path).read_bytes())
    digest = hashlib.sha256()
    for path in sorted(paths):
        content = read(path)
        if path.endswith(".py"):
            content = _code_without_docstrings(content, path).encode()
        digest.update(path.encode() + b"\0" + content + b"\0")
    digest.update(json.dumps(config, sort_keys=True).encode())
    return digest.hexdigest()


def _code_without_docstrings(source, path):
    tree = ast.parse(source, filename=path)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)  # without line numbers: moving code changes nothing either


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def provenance(command, paths, config, packages=("numpy",)):
    """The record stored beside a result."""
    return {
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "machine": {"system": platform.system(), "machine": platform.machine(),
                    "processor": _cpu_model(), "cores": os.cpu_count()},
        "python": platform.python_version(),
        "versions": {package: _version(package) for package in packages},
        "code": sorted(paths),
        "digest": code_digest(paths, config),
    }


def _cpu_model():
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or None


def write(name, record):
    """Store a result as indented JSON with sorted keys, so that diffs of results read well."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return path


def read(name):
    path = RESULTS / name
    if not path.exists():
        raise FileNotFoundError(f"{path}: no stored result; regenerate it with the command in evidence/README.md")
    return json.loads(path.read_text())
