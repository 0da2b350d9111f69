"""The house rules (docs/architecture.md): subpackages in floors, imports only downward, no circle,
no module over 400 lines. Read from the source (every import, function-level ones too), nothing run."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_weights  # reads source and plain Python only

PACKAGE = Path(__file__).resolve().parent.parent / "tf_nst"
#: The floors, lowest first: a module may import from its own floor and the floors below it.
FLOORS = ("core", "config", "media", "perceptual", "segmentation", "networks", "transfer", "universal", "models",
          "optimization", "video", "training", "serving", "pipelines", "web", "cli")
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The tf_nst modules that module ``name`` imports anywhere in its text (a ``from P import m``
    of a submodule counts as importing ``P.m``)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("tf_nst"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if not base.startswith("tf_nst"):
                continue
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def floor(name: str) -> int | None:
    parts = name.split(".")
    return FLOORS.index(parts[1]) if len(parts) > 1 and parts[1] in FLOORS else None


def test_every_subpackage_has_a_floor():
    loose = sorted(name for name in MODULES if name != "tf_nst" and floor(name) is None)
    assert not loose, f"modules outside the floors {FLOORS}: {loose}"


def test_no_module_imports_from_a_floor_above_its_own():
    upward = sorted(f"{name} -> {target}" for name, targets in GRAPH.items() if floor(name) is not None
                    for target in targets if floor(target) is not None and floor(target) > floor(name))
    assert not upward, "imports running up: " + "; ".join(upward)


def test_no_import_circle():
    """Depth-first search for a back edge (the package face, tf_nst/__init__, imports lazily and is left out)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for target in sorted(GRAPH[name]):
            if target == "tf_nst":
                continue
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (circle := visit(target)):
                return circle
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(MODULES):
        if name not in state and (circle := visit(name)):
            pytest.fail("import circle: " + " -> ".join(circle))


def test_no_module_is_over_400_lines():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_the_checks_see_a_circle_and_an_upward_import(tmp_path, monkeypatch):
    """The checks above can fail: a made-up media module importing networks is seen as both."""
    fake = dict(GRAPH)
    fake["tf_nst.media.images"] = GRAPH["tf_nst.media.images"] | {"tf_nst.networks.store"}
    assert "tf_nst.media.images" in GRAPH["tf_nst.networks.store"]
    monkeypatch.setattr(__import__(__name__), "GRAPH", fake)
    with pytest.raises(AssertionError, match="networks.store"):
        test_no_module_imports_from_a_floor_above_its_own()
    with pytest.raises(pytest.fail.Exception, match="import circle"):
        test_no_import_circle()
