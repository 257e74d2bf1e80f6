"""The shape of the house: dependencies point one way and nothing imports in a circle.

Every import in the project's packages (those inside functions too) is read with :mod:`ast`, resolved to the
project module it names, and checked:

* packages depend downwards only: ``api -> evaluation -> training -> data -> recommender``, so nothing
  imports ``api``; inside ``api``, ``http`` and ``cli`` never import each other;
* no import cycle between files, nor between packages (top-level and sibling subpackages; a package and its
  own subpackages may use each other);
* ``recommender``, the pure core, imports no web, database or command-line library.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("api", "evaluation", "training", "data", "recommender")  # each may import only those after it
NOT_IN_THE_CORE = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg", "typer", "rich")
APART = ("api.http", "api.cli")  # entry points that only call services, never each other

Edge = tuple[str, str]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for package in LAYERS for path in sorted((ROOT / package).rglob("*.py"))}


def imported_names(module: str) -> Iterator[tuple[str, int]]:
    """Every name ``module`` imports (``from a import b`` gives ``a`` and ``a.b``), with its line."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            yield base, node.lineno
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def resolve(name: str) -> str | None:
    """The project module an imported name means (its longest known prefix), or None outside the project."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in MODULES:
            return ".".join(parts[:end])
    return None


def import_graph() -> tuple[nx.DiGraph, dict[Edge, int]]:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    lines: dict[Edge, int] = {}
    for module in MODULES:
        for name, line in imported_names(module):
            target = resolve(name)
            # a module's own package (its __init__) is where it lives, not a dependency
            if target is not None and target != module and not module.startswith(f"{target}."):
                graph.add_edge(module, target)
                lines.setdefault((module, target), line)
    return graph, lines


GRAPH, LINES = import_graph()


def where(edge: Edge) -> str:
    line = LINES.get(edge, "?")
    return f"{edge[0]} -> {edge[1]} ({MODULES[edge[0]].relative_to(ROOT)}:{line})"


def wrong_way(graph: nx.DiGraph) -> list[Edge]:
    """Imports from a package to one before it in :data:`LAYERS`."""

    def layer(module: str) -> int:
        return LAYERS.index(module.split(".")[0])

    return [edge for edge in graph.edges if layer(edge[1]) < layer(edge[0])]


def cycles(graph: nx.DiGraph) -> list[list[str]]:
    return [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]


def package_graph(graph: nx.DiGraph) -> nx.DiGraph:
    def package(module: str) -> str:
        return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]

    packages = nx.DiGraph()
    for source, target in graph.edges:
        a, b = package(source), package(target)
        if a != b and not a.startswith(f"{b}.") and not b.startswith(f"{a}."):
            packages.add_edge(a, b)
    return packages


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def test_the_graph_sees_the_imports() -> None:
    assert len(MODULES) > 50
    assert ("data.catalogue", "data.formats.courses") in GRAPH.edges  # from data.formats import courses
    assert ("training.fit", "training.splits") in GRAPH.edges


def test_dependencies_point_one_way() -> None:
    wrong = [where(edge) for edge in wrong_way(GRAPH)]
    assert not wrong, "imports against api -> evaluation -> training -> data -> recommender:\n" + "\n".join(
        wrong
    )


def test_http_and_cli_never_import_each_other() -> None:
    crossing = [
        where(edge)
        for edge in GRAPH.edges
        for mine, other in (APART, APART[::-1])
        if within(edge[0], mine) and within(edge[1], other)
    ]
    assert not crossing, "\n".join(crossing)


def test_no_import_cycle_between_files() -> None:
    assert not cycles(GRAPH), f"modules importing each other, directly or in a ring: {cycles(GRAPH)}"


def test_no_import_cycle_between_packages() -> None:
    found = cycles(package_graph(GRAPH))
    assert not found, f"packages importing each other: {found}"


@pytest.mark.parametrize("library", NOT_IN_THE_CORE)
def test_the_core_imports_no_web_database_or_cli_library(library: str) -> None:
    found = [
        f"{module}:{line}"
        for module in MODULES
        if within(module, "recommender")
        for name, line in imported_names(module)
        if within(name, library)
    ]
    assert not found, f"recommender imports {library}: {found}"


def test_the_checks_catch_a_wrong_way_import_and_cycles() -> None:
    graph = GRAPH.copy()
    graph.add_edge("recommender.errors", "data.models")
    assert set(wrong_way(graph)) - set(wrong_way(GRAPH)) == {("recommender.errors", "data.models")}
    graph = GRAPH.copy()
    graph.add_edge("data.formats.courses", "data.catalogue")  # catalogue imports the format: a ring
    assert any({"data.catalogue", "data.formats.courses"} <= set(ring) for ring in cycles(graph))
    graph = GRAPH.copy()
    graph.add_edge("data.formats.reading", "data.models")
    graph.add_edge(
        "data.models", "data.formats.fields"
    )  # data -> data.formats is allowed; two siblings are not
    graph.add_edge("recommender.planner.model", "recommender.gap")
    graph.add_edge("recommender.gap", "recommender.planner.plan")
    assert not cycles(package_graph(GRAPH)) and cycles(package_graph(graph)) == []
    graph.add_edge("recommender.planner.model", "data.formats.fields")
    graph.add_edge("data.formats.fields", "recommender.planner.plan")
    assert any({"data.formats", "recommender.planner"} <= set(ring) for ring in cycles(package_graph(graph)))


def test_no_file_hides_behind_a_package_of_the_same_name() -> None:
    """``api/cli.py`` beside ``api/cli/`` is never imported (the package wins): dead code reading as live."""
    hidden = [
        str(path.relative_to(ROOT))
        for package in LAYERS
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py" and (path.with_suffix("") / "__init__.py").is_file()
    ]
    assert not hidden, f"files shadowed by a package of the same name: {hidden}"


def test_every_package_goes_into_the_wheel() -> None:
    """A subpackage missing from the build configuration works from the checkout and breaks when installed."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = config["packages"]  # a list, or {"find": {"include": [...]}}
    if isinstance(listed, list):
        packaged = set(listed)
    else:
        packaged = set(find_packages(where=str(ROOT), include=listed["find"]["include"]))
    packages = {
        module_name(path)
        for package in LAYERS
        for path in (ROOT / package).rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    assert packages <= packaged, f"packages left out of the wheel: {sorted(packages - packaged)}"


def test_every_file_the_web_pages_serve_goes_into_the_wheel() -> None:
    """Templates and static files under ``api/`` are package data: without a glob for them an installed
    upskill serves pages that cannot find their templates."""
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["api"]
    files = [
        path.relative_to(ROOT / "api")
        for path in (ROOT / "api").rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    ]
    assert files, "the web pages have templates"
    left_out = [str(file) for file in files if not any(file.match(glob) for glob in globs)]
    assert not left_out, f"files under api/ that a wheel leaves out: {left_out}"
