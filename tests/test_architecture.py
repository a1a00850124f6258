"""The shape of the code, checked: the import-linter contracts in pyproject.toml (api and
workers above domain; domain one-way in layers; no framework in domain), and no import
hidden inside a function in domain/ to dodge a cycle (`if TYPE_CHECKING:` blocks aside)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports_inside_functions(tree: ast.AST) -> list[int]:
    found: list[int] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            return
        if in_function and isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node.lineno)
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return found


def test_domain_imports_only_at_module_level() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{line}"
                 for path in sorted((ROOT / "domain").rglob("*.py"))
                 for line in _imports_inside_functions(ast.parse(path.read_text(encoding="utf-8")))]
    assert offenders == [], "imports inside functions in domain/: " + ", ".join(offenders)


def test_the_check_finds_an_import_inside_a_function() -> None:
    source = "def f():\n    from domain.cases import models\n\nif TYPE_CHECKING:\n    import x\n"
    assert _imports_inside_functions(ast.parse(source)) == [2]
