"""The package's shape, read statically from the source: no import cycle between neurolink's
sub-packages and no folder with more than 20 modules directly.

A sub-package is the first name under ``neurolink`` (``neurolink.loop.core.engine`` belongs to
``loop``; ``neurolink/errors.py`` is ``errors``). Imports count when they run at import time:
module-level statements, including those inside ``try`` and plain ``if`` blocks; imports under
``if TYPE_CHECKING:`` and imports inside functions or classes do not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "neurolink"
MAX_MODULES = 20


def _module_name(path: Path) -> tuple[str, bool]:
    """Dotted name of a source file and whether it is a package ``__init__``."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run when the module is imported (not function or class bodies)."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            if not _is_type_checking(stmt.test):
                yield from _runtime_statements(stmt.body)
            yield from _runtime_statements(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                yield from _runtime_statements(block)
            for handler in stmt.handlers:
                yield from _runtime_statements(handler.body)
        else:
            yield stmt


def _imported(stmt: ast.stmt, module: str, is_package: bool) -> list[str]:
    """Dotted names a statement imports (``from a import b`` gives ``a`` and ``a.b``)."""
    if isinstance(stmt, ast.Import):
        return [alias.name for alias in stmt.names]
    if not isinstance(stmt, ast.ImportFrom):
        return []
    if stmt.level:
        here = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(here[: len(here) - stmt.level + 1] + ([stmt.module] if stmt.module else []))
    else:
        base = stmt.module or ""
    return [base] + [f"{base}.{alias.name}" for alias in stmt.names]


def _sub_package(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == PACKAGE.name else None


def _exists(sub_package: str) -> bool:
    """Whether a name under ``neurolink`` is a sub-package or module (not a re-exported name)."""
    return (PACKAGE / sub_package).is_dir() or (PACKAGE / f"{sub_package}.py").exists()


def package_edges() -> dict[tuple[str, str], list[str]]:
    """``(importer, imported)`` sub-package pairs → the files that make the import."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module, is_package = _module_name(path)
        source = _sub_package(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for stmt in _runtime_statements(tree.body):
            for name in _imported(stmt, module, is_package):
                target = _sub_package(name)
                if source and target and target != source and _exists(target):
                    edges.setdefault((source, target), []).append(str(path.relative_to(PACKAGE)))
    return edges


def cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one sub-package (each a cycle or several)."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    reachable = {node: reach(node) for node in graph}
    groups: list[list[str]] = []
    for node in sorted(graph):
        group = sorted(n for n in reachable[node] if node in reachable[n])
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups


def test_cycle_finder_sees_a_two_package_cycle() -> None:
    edges = {("a", "b"): ["a/x.py"], ("b", "a"): ["b/y.py"], ("b", "c"): ["b/z.py"]}
    assert cycles(edges) == [["a", "b"]]
    assert cycles({("a", "b"): [], ("b", "c"): []}) == []


def test_runtime_imports_skip_type_checking_and_function_bodies() -> None:
    tree = ast.parse(
        "import neurolink.dsp\n"
        "if TYPE_CHECKING:\n    import neurolink.loop\n"
        "def f():\n    import neurolink.sim\n"
        "try:\n    from neurolink.hal import wire\nexcept ImportError:\n    pass\n"
    )
    names = [n for s in _runtime_statements(tree.body) for n in _imported(s, "neurolink.x", False)]
    assert names == ["neurolink.dsp", "neurolink.hal", "neurolink.hal.wire"]


def test_no_import_cycle_between_sub_packages() -> None:
    edges = package_edges()
    problems = []
    for group in cycles(edges):
        inside = [
            f"  {a} -> {b}: {', '.join(sorted(set(files)))}"
            for (a, b), files in sorted(edges.items())
            if a in group and b in group
        ]
        problems.append(" <-> ".join(group) + "\n" + "\n".join(inside))
    assert not problems, "import cycles between neurolink sub-packages:\n" + "\n".join(problems)


def test_no_folder_holds_more_than_20_modules() -> None:
    crowded = {
        str(folder.relative_to(PACKAGE.parent)): n
        for folder in [PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir())]
        if folder.name != "__pycache__" and (n := len(list(folder.glob("*.py")))) > MAX_MODULES
    }
    assert not crowded, f"folders with more than {MAX_MODULES} modules: {crowded}"
