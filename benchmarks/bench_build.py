"""How long the site takes to build: cold, and under `mkdocs serve` after a prose edit and a gru_ref edit.

    python benchmarks/bench_build.py [--repeats 3] [--root PATH]

Works on a temporary copy of the project (--root, default this checkout), so nothing here is edited
and the fragment cache starts empty. Prints:
  - cold `mkdocs build --strict` (empty fragment cache), and a cold process with a warm cache;
  - under `mkdocs serve`: the rebuild time MkDocs reports after appending a sentence to
    docs/index.md, and after appending a comment to gru_ref/cells.py (which changes every cache key);
  - what each fence costs to generate without the cache, in the order a build meets them.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("docs", "gru_ref", "sitegen", "quiz", "quizzes", "evidence", "notebooks", "mkdocs.yml", "pyproject.toml")
BUILT = re.compile(r"Documentation built in ([\d.]+) seconds")
FENCE = re.compile(r"^```(gru-[a-z]+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def copy_project(root, into):
    for name in COPIED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
        elif source.exists():
            shutil.copy(source, into / name)


def environment(project, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRU_REF_CACHE")}
    return dict(env, PYTHONPATH=str(project), **extra)


def timed_build(project, site, **extra):
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
                         cwd=project, env=environment(project, **extra), capture_output=True, text=True)
    if run.returncode != 0 or run.stdout.strip() or run.stderr.strip():
        sys.exit(f"the build failed or printed something:\n{run.stdout}\n{run.stderr}")
    return time.perf_counter() - started


def summary(seconds):
    return (f"median {statistics.median(seconds):.2f} s "
            f"(min {min(seconds):.2f}, max {max(seconds):.2f}, n={len(seconds)})")


class Server:
    """`mkdocs serve` in the copy, with each 'Documentation built in X seconds' collected as it comes."""

    def __init__(self, project):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # -W: MkDocs drops a log message it has printed before unless Python's warnings are configured, so a
        # rebuild exactly as fast as an earlier one would print no "Documentation built in" line at all.
        # -X faulthandler: if a rebuild never ends, SIGABRT makes the server print where each thread is.
        self.process = subprocess.Popen([sys.executable, "-W", "ignore::DeprecationWarning", "-X", "faulthandler",
                                         "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
                                        cwd=project, env=environment(project), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        self.builds, self.log = [], []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stderr:
            self.log.append(line)
            match = BUILT.search(line)
            if match:
                self.builds.append(float(match.group(1)))

    def next_build(self, seen, timeout=120):
        deadline = time.monotonic() + timeout
        while len(self.builds) <= seen:
            if time.monotonic() > deadline or self.process.poll() is not None:
                if self.process.poll() is None:
                    self.process.send_signal(signal.SIGABRT)
                    self.process.wait(timeout=30)
                self.reader.join(timeout=10)
                sys.exit(f"mkdocs serve did not rebuild (exit code {self.process.returncode}):\n"
                         + "".join(self.log[-120:]))
            time.sleep(0.05)
        return self.builds[seen]

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def serve_rebuilds(project, repeats):
    server = Server(project)
    try:
        server.next_build(0)
        prose, code = [], []
        for k in range(repeats):
            for path, addition, times in ((project / "docs" / "index.md", f"\nOne more sentence ({k}).\n", prose),
                                          (project / "gru_ref" / "cells.py", f"\n# an edit ({k})\n", code)):
                time.sleep(1.0)  # let the watcher settle, so each edit is its own rebuild
                seen = len(server.builds)
                with path.open("a", encoding="utf-8") as out:
                    out.write(addition)
                times.append(server.next_build(seen))
        return prose, code
    finally:
        server.close()


FENCE_COSTS = """
import json, re, sys, time
from pathlib import Path
from sitegen import fences
costs = []
for page in json.loads(sys.argv[1]):
    text = Path("docs", page).read_text(encoding="utf-8")
    for name, body in re.findall(sys.argv[2], text, re.MULTILINE | re.DOTALL):
        formatter = getattr(fences, name.replace("-", "_"))
        started = time.perf_counter()
        formatter(body, name, name, {}, None)
        costs.append([page, name, " ".join(body.split()), time.perf_counter() - started])
print(json.dumps(costs))
"""


def fence_costs(project):
    """Each fence's generation time with the cache off, in a fresh process, in nav order."""
    import json

    import yaml

    nav = yaml.load((project / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)["nav"]
    pages = [page for item in nav for page in item.values() if isinstance(page, str)]  # not the sections
    run = subprocess.run([sys.executable, "-c", FENCE_COSTS, json.dumps(pages), FENCE.pattern], cwd=project,
                         env=environment(project, GRU_REF_CACHE="off"), capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--root", type=Path, default=ROOT, help="the project to measure (default: this checkout)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        project.mkdir()
        copy_project(args.root.resolve(), project)
        cold, warm = [], []
        for k in range(args.repeats):
            shutil.rmtree(project / ".cache", ignore_errors=True)
            cold.append(timed_build(project, Path(scratch) / f"cold{k}"))
            warm.append(timed_build(project, Path(scratch) / f"warm{k}"))
        print(f"cold build, empty fragment cache:      {summary(cold)}")
        print(f"cold process, warm fragment cache:     {summary(warm)}")
        prose, code = serve_rebuilds(project, args.repeats)
        print(f"mkdocs serve, after a prose edit:      {summary(prose)} as MkDocs reports it")
        print(f"mkdocs serve, after a gru_ref edit:    {summary(code)} as MkDocs reports it")
        costs = fence_costs(project)
        total = sum(c[3] for c in costs)
        print(f"\nfence costs without the cache (fresh process, in page order; total {total:.2f} s):")
        for page, name, options, seconds in sorted(costs, key=lambda c: -c[3]):
            print(f"  {seconds * 1000:7.0f} ms  {page:<16} {name:<12} {options}")


if __name__ == "__main__":
    main()
