"""The requirements files name what the code imports, and nothing it does not use."""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Code that only `make test` runs; everything else (the apps, settings, bench) runs after `make run`.
TEST_ONLY = {"tests", "docs"}
# Pinned but never imported: named in settings or run as a program.
USED_WITHOUT_IMPORT = {
    "gunicorn": "the app server (docs/deploy.md, bench)",
    "redis": "the client of Django's RedisCache when REDIS_URL is set",
    "whitenoise": "MIDDLEWARE",
    "django-csp": "MIDDLEWARE",
    "django-tasks-db": "INSTALLED_APPS, the production task backend",
    "pytest-django": "pytest plugin (pytest.ini)",
    "pytest-xdist": "pytest plugin (`make test` runs -n 2)",
    "pytest-playwright": "pytest plugin (the browser tests' page fixtures)",
    "ruff": "the linter, run as a command",
    "import-linter": "the dependency contracts, run as `lint-imports`",
}


def normalised(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(filename):
    names = set()
    for line in (ROOT / filename).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            assert "==" in line, f"{filename}: {line} is not pinned"
            names.add(normalised(re.split(r"[\[=]", line)[0]))
    return names


def python_files():
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if not any(part.startswith(".") for part in parts):
            yield parts[0], path


def imported_distributions():
    """{distribution: set of top-level folders importing it}, for every third-party import."""
    files = list(python_files())
    local = {path.name for path in ROOT.iterdir() if path.is_dir()} | {path.stem for path in ROOT.glob("*.py")}
    providers = packages_distributions()
    found = {}
    for folder, path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in local:
                    continue
                assert top in providers, f"{path}: no installed distribution provides {top}"
                for distribution in providers[top]:
                    found.setdefault(normalised(distribution), set()).add(folder)
    return found


def test_every_imported_distribution_is_pinned():
    """Code that runs after `make run` imports only runtime requirements; tests may also use
    the test requirements."""
    runtime, test = pinned("requirements.txt"), pinned("requirements-test.txt")
    missing = []
    for distribution, folders in sorted(imported_distributions().items()):
        allowed = runtime | test if folders <= TEST_ONLY else runtime
        if distribution not in allowed:
            missing.append(f"{distribution} (imported in {', '.join(sorted(folders))})")
    assert not missing, "not pinned in the right requirements file: " + "; ".join(missing)


def test_every_pinned_distribution_is_used():
    """A pin that nothing imports is a dependency nobody maintains (httpx was one)."""
    used = set(imported_distributions()) | set(USED_WITHOUT_IMPORT)
    unused = (pinned("requirements.txt") | pinned("requirements-test.txt")) - used
    assert not unused, f"pinned but never imported: {sorted(unused)}"
