"""Keep the house livable: imports go geo ← dispatch ← units ← web/simulators only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RANK = {"geo": 0, "dispatch": 1, "units": 2, "web": 3, "simulators": 3, "siaga112": 4, "bench": 4}
PURE = ("dispatch/domain", "dispatch/classify")
FRAMEWORKS = ("flask", "flask_socketio", "flask_login", "sqlalchemy", "paho", "socketio", "alembic")


def imports_of(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(), str(path))
    pkg = path.relative_to(ROOT).parts[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name.split(".")[0], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: stays in its own package
                found.append((pkg, node.lineno))
            elif node.module:
                found.append((node.module.split(".")[0], node.lineno))
    return found


def test_no_reverse_imports() -> None:
    bad = []
    for pkg, rank in RANK.items():
        for path in (ROOT / pkg).rglob("*.py"):
            for mod, line in imports_of(path):
                if mod in RANK and RANK[mod] > rank:
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {mod}")
                if {pkg, mod} == {"web", "simulators"}:
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports sibling {mod}")
    assert not bad, "\n".join(bad)


def test_pure_domain_imports_no_framework() -> None:
    bad = []
    for sub in PURE:
        for path in (ROOT / sub).rglob("*.py"):
            for mod, line in imports_of(path):
                if mod in FRAMEWORKS or mod in ("units", "web", "simulators"):
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {mod}")
    assert not bad, "\n".join(bad)


def test_geo_imports_nothing_of_the_project() -> None:
    for path in (ROOT / "geo").rglob("*.py"):
        for mod, line in imports_of(path):
            assert mod not in ("dispatch", "units", "web", "simulators"), f"{path}:{line}"


def _dispatch_modules_imported(path: Path) -> set[str]:
    """Full dotted names of the `dispatch.*` modules a file imports (relative ones resolved)."""
    package = list(path.relative_to(ROOT).parts[:-1])  # a module's (or __init__'s) package
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("dispatch")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("dispatch"):
                found.add(mod)
                found |= {f"{mod}.{a.name}" for a in node.names}
    return found


def test_the_runtime_imports_no_service_and_no_service_imports_the_composition_root() -> None:
    # The runtime is what services are given; the composition root is what builds them.
    runtime = _dispatch_modules_imported(ROOT / "dispatch" / "runtime.py")
    assert not {m for m in runtime if m.startswith("dispatch.services")}, runtime
    bad = []
    for path in (ROOT / "dispatch" / "services").rglob("*.py"):
        if any(m.startswith("dispatch.bootstrap") for m in _dispatch_modules_imported(path)):
            bad.append(str(path.relative_to(ROOT)))
    assert not bad, bad


def test_no_service_module_imports_another_in_a_circle() -> None:
    # Function-level imports count too: a cycle hidden in a function is still a cycle.
    services = ROOT / "dispatch" / "services"
    graph: dict[str, set[str]] = {}
    for path in services.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = {m for m in _dispatch_modules_imported(path)
                       if m.startswith("dispatch.services.")}
    known = set(graph)
    edges = {a: {b for b in targets if b in known and b != a} for a, targets in graph.items()}
    # Tarjan's strongly connected components: any component of two or more is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                circles.append(sorted(part))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert not circles, circles
