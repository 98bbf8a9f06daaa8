"""`make fastapi-suite`: FastAPI's own test suite, run on FastAPI and on asgi_api, pass counts compared.

Steps (each cached under .cache/fastapi-suite/): download the sdist of the FastAPI version installed
in the dev venv, copy its tests/ and docs_src/ out, build a venv with asgi_api, that FastAPI and the
suite's test dependencies, run the tests once on FastAPI (the baseline) and once with the `fastapi`
shim of `shim/` first on the path (asgi_api under FastAPI's names), and print what passes on
asgi_api among the tests that pass on FastAPI: all, those that use no pydantic, per area.

    python -m tools.fastapi_suite [--reuse] [--ref REF] [--only PATH ...] [--failures N]

`--reuse` reads the last runs' JUnit reports instead of running pytest again (`--keep-baseline`: only
FastAPI's, the slower run: about 20 minutes on 2 busy cores); `--ref main` measures
asgi_api as committed at that git ref instead of the working tree.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CACHE = ROOT / ".cache" / "fastapi-suite"
VENV = CACHE / "venv"
SHIM = HERE / "shim"

# Telemetry (OpenTelemetry, Sentry, Logfire) and benchmarks need tools only FastAPI's CI installs.
LEFT_OUT = ("test_telemetry", "benchmarks", "memory_benchmarks", "test_tutorial/test_opentelemetry")

# Tests that hang the whole run when they fail on asgi_api, so they are not run there (they count as
# failures): a failed assertion skips the `release.set()` that their sync dependencies, blocked in
# worker threads, wait for, and the event loop then waits for those threads forever.
HANG_WHEN_FAILING = (
    "tests/test_dependency_concurrency.py::test_shared_declaration_limits_both_routes_before_worker_entry",
    "tests/test_dependency_concurrency.py::test_declaration_survives_parameterless_and_inferred_dependencies[asyncio-inferred]",
    "tests/test_dependency_concurrency.py::test_declaration_survives_parameterless_and_inferred_dependencies[trio-inferred]",
)

# Areas by the first keyword found in a test's file path (order matters: "security" before "body").
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("security", ("security", "oauth", "auth")),
    ("forms & files", ("form", "file", "upload", "multipart")),
    ("websockets", ("websocket",)),
    ("openapi & docs", ("openapi", "schema", "swagger", "redoc", "docs", "callback", "webhook", "generate_client",
                        "operation_id", "tags", "additional_responses", "metadata")),
    ("dependencies", ("depend", "yield", "scope")),
    ("responses & encoders", ("response", "encoder", "jsonable", "serializ", "status_code", "stream", "sse",
                              "event_source", "custom_response", "return")),
    ("parameters & bodies", ("body", "query", "path", "header", "cookie", "param", "alias", "extra_models",
                             "validat", "request")),
    ("app & routing", ("middleware", "lifespan", "event", "router", "route", "application", "app", "background",
                       "static", "templat", "proxy", "mount", "bigger", "include", "cors", "settings")),
)


def _run(command: list[str], **kwargs: object) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]


def prepare(version: str) -> Path:
    """The copied tests/ and docs_src/ of FastAPI `version`, and the suite's venv."""
    work = CACHE / f"work-{version}"
    if not work.exists():
        sdist = CACHE / f"fastapi-{version}.tar.gz"
        if not sdist.exists():
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                  f"fastapi=={version}", "-d", str(CACHE)])
        with tarfile.open(sdist) as archive:
            archive.extractall(CACHE / "sdist", filter="data")
        source = CACHE / "sdist" / f"fastapi-{version}"
        work.mkdir(parents=True)
        for name in ("tests", "docs_src"):
            shutil.copytree(source / name, work / name)
        for name in LEFT_OUT:
            shutil.rmtree(work / "tests" / name)
        shutil.copy(source / "pyproject.toml", work / "pyproject.toml")  # its [tool.pytest] settings
    requirements = HERE / "requirements.txt"
    stamp = VENV / f".installed-{version}-{hashlib.sha1(requirements.read_bytes()).hexdigest()[:10]}"
    if not stamp.exists():
        if not (VENV / "bin" / "python").exists():
            _run([sys.executable, "-m", "venv", str(VENV)])
        _run([str(VENV / "bin" / "pip"), "install", "-q", "-e", str(ROOT), f"fastapi=={version}",
              "-r", str(requirements)])
        stamp.touch()
    return work


def snapshot(ref: str) -> Path:
    """asgi_api as committed at `ref`, exported beside the cache (to measure it, not the work tree)."""
    target = CACHE / "snapshot"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref, "asgi_api"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def run_tests(work: Path, label: str, shim: bool, only: list[str], source: Path | None = None) -> Path:
    """Run the suite (on FastAPI, or on asgi_api through the shim); the JUnit report's path."""
    report = CACHE / f"{label}.xml"
    env = {"PATH": f"{VENV / 'bin'}:/usr/bin:/bin", "HOME": str(CACHE), "PYTHONDONTWRITEBYTECODE": "1"}
    deselect: list[str] = []
    if shim:
        env["PYTHONPATH"] = f"{SHIM}:{source}" if source else str(SHIM)
        deselect = [option for test in HANG_WHEN_FAILING for option in ("--deselect", test)]
    command = [str(VENV / "bin" / "python"), "-m", "pytest", *(only or ["tests"]), *deselect, "-q",
               "-p", "no:cacheprovider", "--continue-on-collection-errors",
               "--junitxml", str(report), "-o", "junit_family=xunit1", "--no-header", "-rN", "--tb=no"]
    print(f"== {label}: {' '.join(command[3:])}", flush=True)
    subprocess.run(["nice", "-n", "10", *command], cwd=work, env=env, check=False,
                   stdout=subprocess.DEVNULL if not only else None)
    return report


def outcomes(report: Path) -> dict[str, str]:
    """test id -> "passed" / "failed" / "error" / "skipped"."""
    result: dict[str, str] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        test_id = f"{case.get('file') or case.get('classname', '').replace('.', '/') + '.py'}::{case.get('name')}"
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        result[test_id] = kinds[0] if kinds else "passed"
    return result


def messages(report: Path) -> dict[str, str]:
    """test id -> the first line of its failure, for grouping failures by cause."""
    result: dict[str, str] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        test_id = f"{case.get('file') or case.get('classname', '').replace('.', '/') + '.py'}::{case.get('name')}"
        for child in case:
            if child.tag in ("failure", "error"):
                result[test_id] = (child.get("message") or "").splitlines()[0][:160] if child.get("message") else ""
    return result


def area_of(test_id: str) -> str:
    path = test_id.split("::")[0].lower()
    for area, keywords in AREAS:
        if any(keyword in path for keyword in keywords):
            return area
    return "other"


_DOCS_PREFIX = re.compile(r"docs_src\.([\w.]+?)(?:\.\{|\b['\"]|\s+import|\.(\w+)\b)")
_LITERAL = re.compile(r"[\"'](\w+)[\"']")
_PYDANTIC = re.compile(r"\bpydantic\b|\bBaseModel\b|\bField\(|\bSQLModel\b")


class PydanticUse:
    """Whether a test touches pydantic: its test file or the docs_src modules it loads mention it."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.files: dict[str, tuple[bool, dict[str, bool]]] = {}

    def _file(self, path: str) -> tuple[bool, dict[str, bool]]:
        if path not in self.files:
            text = (self.work / path).read_text(errors="replace")
            modules: dict[str, bool] = {}
            literals = set(_LITERAL.findall(text))
            for match in re.finditer(r"docs_src\.([\w.]+)", text):
                dotted = match.group(1)
                base = self.work / "docs_src" / Path(*dotted.split("."))
                if base.with_suffix(".py").exists():
                    modules[base.stem] = bool(_PYDANTIC.search(base.with_suffix(".py").read_text()))
                if base.is_dir():
                    for module in base.glob("*.py"):
                        if module.stem in literals:
                            modules[module.stem] = bool(_PYDANTIC.search(module.read_text()))
            self.files[path] = (bool(_PYDANTIC.search(text)), modules)
        return self.files[path]

    def __call__(self, test_id: str) -> bool:
        path, _, name = test_id.partition("::")
        in_test, modules = self._file(path)
        if in_test:
            return True
        params = re.findall(r"[\[-](\w+)", name)
        chosen = [used for module, used in modules.items() if module in params]
        return any(chosen) if chosen else any(modules.values())


def table(baseline: dict[str, str], ours: dict[str, str], uses_pydantic: PydanticUse) -> None:
    passing = [test_id for test_id, outcome in baseline.items() if outcome == "passed"]
    rows: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for test_id in passing:
        ok = ours.get(test_id) == "passed"
        keys = ["all"]
        if not uses_pydantic(test_id):
            keys.append("no pydantic")
            keys.append(f"  {area_of(test_id)}")
        for key in keys:
            rows[key][0] += ok
            rows[key][1] += 1
    print(f"\nFastAPI's tests: {len(baseline)} collected, {len(passing)} pass on FastAPI (the baseline)\n")
    print("| tests (passing on FastAPI) | pass on asgi_api | % |\n|---|---:|---:|")
    for key in ["all", "no pydantic", *sorted(key for key in rows if key.startswith("  "))]:
        good, total = rows[key]
        label = f"no pydantic: {key.strip()}" if key.startswith("  ") else key
        print(f"| {label} | {good} / {total} | {100 * good / total:.1f} |")


def failure_groups(baseline: dict[str, str], ours: dict[str, str], why: dict[str, str],
                   uses_pydantic: PydanticUse, limit: int) -> None:
    """The no-pydantic tests that fail on asgi_api only, grouped by their first error line."""
    groups: collections.Counter[str] = collections.Counter()
    for test_id, outcome in baseline.items():
        if outcome == "passed" and ours.get(test_id) != "passed" and not uses_pydantic(test_id):
            message = why.get(test_id, "not collected (the module failed to import)" if test_id not in ours else "")
            groups[re.sub(r"0x[0-9a-f]+|\d{3,}", "N", message)] += 1
    print(f"\nNo-pydantic failures by first error line (top {limit}):")
    for message, count in groups.most_common(limit):
        print(f"{count:5d}  {message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reuse", action="store_true", help="read the last JUnit reports, run nothing")
    parser.add_argument("--only", nargs="*", default=[], help="test paths to run (a quick look, no table)")
    parser.add_argument("--keep-baseline", action="store_true", help="run asgi_api only, reuse FastAPI's last run")
    parser.add_argument("--ref", help="measure asgi_api as committed at this git ref")
    parser.add_argument("--failures", type=int, default=40, help="failure groups to print")
    options = parser.parse_args()
    version = importlib.metadata.version("fastapi")
    work = prepare(version)
    source = snapshot(options.ref) if options.ref else None
    if options.only:
        run_tests(work, "asgi_api-only", True, options.only, source)
        return
    if not options.reuse:
        if not options.keep_baseline:
            run_tests(work, "fastapi", False, [])
        run_tests(work, "asgi_api", True, [], source)
    baseline, ours = outcomes(CACHE / "fastapi.xml"), outcomes(CACHE / "asgi_api.xml")
    uses_pydantic = PydanticUse(work)
    table(baseline, ours, uses_pydantic)
    failure_groups(baseline, ours, messages(CACHE / "asgi_api.xml"), uses_pydantic, options.failures)


if __name__ == "__main__":
    main()
