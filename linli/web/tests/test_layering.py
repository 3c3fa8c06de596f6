"""The apps form floors: core at the bottom, the web shell on top, no cycle in between.

Read from the source with the standard library's ``ast`` (see docs/decisions/0009-layers.md):
every import counts, at module level or inside a function, because a lazy import upward is
still a dependency upward. Tests, conftest.py and migrations are not layered.

``python -m linli.web.tests.test_layering`` prints the floors, lowest first.
"""

from __future__ import annotations

import ast
import functools
from collections import deque
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import linli
from linli.conftest import same_on_every_database

pytestmark = same_on_every_database  # reads the code only

PACKAGE = Path(linli.__file__).parent
# Modules directly under linli/ that assemble the project rather than belong to an app.
PROJECT_TOP = {"__init__", "settings", "wsgi", "cli", "test_settings", "conftest"}
TOP = "(project top)"
NOT_LAYERED = {"tests", "migrations"}

Edge = tuple[str, str]
Graph = dict[str, set[str]]


def _modules() -> Iterator[tuple[Path, str]]:
    """Every layered source file with its dotted module name."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        parts = relative.with_suffix("").parts
        if NOT_LAYERED & set(parts) or path.name == "conftest.py":
            continue
        yield path, ".".join(parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The module names an import statement reaches, relative imports resolved."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1])
    else:
        base = ""
    target = ".".join(part for part in (base, node.module) if part)
    if node.module is None or target == "linli":
        # "from . import views", "from linli import people": the aliases are the modules.
        return [f"{target}.{alias.name}" for alias in node.names]
    return [target]


def app_of(module: str) -> str | None:
    """The app a dotted module belongs to: the first package under linli, or the project top."""
    parts = module.split(".")
    if parts[0] != "linli" or len(parts) < 2:
        return None
    return TOP if parts[1] in PROJECT_TOP else parts[1]


@functools.cache
def imports() -> dict[Edge, str]:
    """Each dependency between two apps, with the first import that makes it ("file:line")."""
    edges: dict[Edge, str] = {}
    for path, module in _modules():
        source = app_of(module)
        assert source is not None
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _imported(node, module, path.name == "__init__.py"):
                target = app_of(name)
                if target is not None and target != source:
                    edges.setdefault((source, target), f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return edges


def app_graph() -> Graph:
    """Apps and what they import; the project top is left out, it may import anything."""
    graph: Graph = {}
    for source, target in imports():
        if TOP not in (source, target):
            graph.setdefault(source, set()).add(target)
            graph.setdefault(target, set())
    return graph


def _strongly_connected(graph: Graph) -> list[set[str]]:
    """Tarjan's algorithm: the groups of apps that can each reach one another."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        on_stack.add(app)
        for other in sorted(graph[app]):
            if other not in index:
                visit(other)
                low[app] = min(low[app], low[other])
            elif other in on_stack:
                low[app] = min(low[app], index[other])
        if low[app] == index[app]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == app:
                    break
            groups.append(group)

    for app in sorted(graph):
        if app not in index:
            visit(app)
    return groups


def _shortest_cycle(graph: Graph, group: set[str]) -> list[str]:
    """A shortest way round the group, starting and ending at its first app by name."""
    start = min(group)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        app = queue.popleft()
        for other in sorted(graph[app] & group):
            if other == start:
                path = [app]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if other not in came_from:
                came_from[other] = app
                queue.append(other)
    raise AssertionError(f"{group} is not strongly connected")


def cycles(graph: Graph) -> list[list[str]]:
    """One cycle for each group of apps that import one another, in either direction."""
    return [_shortest_cycle(graph, group) for group in _strongly_connected(graph) if len(group) > 1]


def describe(cycle: list[str], where: dict[Edge, str] | None = None) -> str:
    where = imports() if where is None else where
    lines = [" → ".join(cycle)]
    lines += [f"    {a} → {b}: {where[(a, b)]}" for a, b in pairwise(cycle)]
    return "\n".join(lines)


def floors(graph: Graph) -> list[list[str]]:
    """Apps by floor: each imports only apps on the floors below it. The graph has no cycle."""
    height: dict[str, int] = {}

    def floor(app: str) -> int:
        if app not in height:
            height[app] = 1 + max((floor(other) for other in graph[app]), default=-1)
        return height[app]

    for app in graph:
        floor(app)
    return [sorted(a for a in graph if height[a] == level) for level in range(max(height.values()) + 1)]


def test_the_graph_is_read_from_every_app():
    # Guards the test itself: a broken walker would find no import and pass everything.
    graph = app_graph()
    assert {"core", "places", "people", "health", "gates", "web"} <= set(graph)
    assert "core" in graph["people"]
    assert ("web", "people") in imports()


def _statement(source: str) -> ast.ImportFrom:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ImportFrom)
    return node


def test_relative_imports_are_resolved():
    assert _imported(_statement("from ..people import models"), "linli.health.actions", False) == ["linli.people"]
    assert _imported(_statement("from . import views"), "linli.health", True) == ["linli.health.views"]
    assert _imported(_statement("from .models import Place"), "linli.places", True) == ["linli.places.models"]
    assert _imported(_statement("from linli import grids"), "linli.web.urls", False) == ["linli.grids"]


def test_core_is_the_ground_floor():
    # Not even the project top: settings imports core, and core reads settings through django.conf.
    upward = {target: where for (source, target), where in imports().items() if source == "core"}
    assert not upward, "core imports " + ", ".join(f"{app} ({where})" for app, where in sorted(upward.items()))


def test_apps_import_one_another_in_one_direction_only():
    found = cycles(app_graph())
    assert not found, "import cycles between apps:\n" + "\n".join(describe(cycle) for cycle in found)


def test_only_the_project_top_imports_the_web_shell():
    importers = {source: where for (source, target), where in imports().items()
                 if target == "web" and source != TOP}
    assert not importers, "the web shell is imported by " + ", ".join(
        f"{app} ({where})" for app, where in sorted(importers.items()))


def test_a_cycle_is_reported_with_its_imports():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"f"}, "f": {"e"}}
    assert sorted(cycles(graph)) == [["a", "b", "c", "a"], ["e", "f", "e"]]
    where = {("e", "f"): "linli/e/actions.py:12", ("f", "e"): "linli/f/views.py:3"}
    assert describe(["e", "f", "e"], where) == ("e → f → e\n"
                                                "    e → f: linli/e/actions.py:12\n"
                                                "    f → e: linli/f/views.py:3")


def test_floors_put_each_app_above_what_it_imports():
    assert floors({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == [["b"], ["a"], ["c"]]


if __name__ == "__main__":
    found = cycles(app_graph())
    for cycle in found:
        print(describe(cycle))
    if not found:
        for level, apps in enumerate(floors(app_graph())):
            print(level, " ".join(apps))
