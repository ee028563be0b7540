"""What import-linter's contracts (pyproject.toml) do not say: no module reaches into another
module's underscore names, and no app's modules import each other in a circle, but for the one
named exception (a page's get_context reads through its own app's queries)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "content", "courses", "quizzes", "certification", "hr", "config"]
PAGE_READS = {("courses.models", "courses.queries"), ("quizzes.models", "quizzes.queries")}


def project_modules():
    """{dotted name: parsed module} for every module of the apps (migrations aside)."""
    modules = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return modules


MODULES = project_modules()


def absolute(module, level, name, is_package):
    if not level:
        return name
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def imports_of(module):
    """[(imported project module, names taken from it or None, line)]; imports inside functions too."""
    path, tree = MODULES[module]
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names if alias.name in MODULES]
        elif isinstance(node, ast.ImportFrom):
            source = absolute(module, node.level, node.module or "", is_package)
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:  # `from . import queries`: a module
                    found.append((f"{source}.{alias.name}", None, node.lineno))
                elif source in MODULES:
                    found.append((source, alias.name, node.lineno))
    return found


def underscore_uses(module, tree, *, is_package=False):
    """["line: name"] for each private name of another of our modules that `tree` takes."""
    private = lambda name: name.startswith("_") and not name.startswith("__")  # noqa: E731
    aliases, offences = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = absolute(module, node.level, node.module or "", is_package)
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:
                    aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
                elif source in MODULES and private(alias.name):
                    offences.append(f"{node.lineno}: {source}.{alias.name}")
        elif isinstance(node, ast.Import):
            aliases.update({alias.asname: alias.name for alias in node.names if alias.name in MODULES and alias.asname})
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and private(node.attr)):
            offences.append(f"{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    return offences


def test_no_module_uses_another_modules_underscore_names():
    """`from x import _name` and `x._name` of our own modules stay inside the module that owns them."""
    offences = {
        str(path.relative_to(ROOT)): found for module, (path, tree) in MODULES.items()
        if (found := underscore_uses(module, tree, is_package=path.name == "__init__.py"))
    }
    assert offences == {}


def test_the_underscore_check_reads_both_spellings():
    tree = ast.parse("from . import api\nfrom quizzes.api import _draw, grace\napi._finish(api.grace)\n")
    assert underscore_uses("quizzes.views", tree) == ["2: quizzes.api._draw", "3: quizzes.api._finish"]


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circles_inside_an_app():
    """Inside each app the imports form no circle (the page → queries reads aside)."""
    graph = {}
    for module in MODULES:
        app = module.split(".")[0]
        graph[module] = {
            target for target, _names, _line in imports_of(module)
            if target.split(".")[0] == app and target != module and (module, target) not in PAGE_READS
            and not module.startswith(target + ".")  # a package's own __init__ is no circle
        }
    assert cycles(graph) == []


def test_the_circle_check_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
