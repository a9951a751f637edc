"""The shape of the code in eenzaamheid/: short functions, and one way to write a file.

Both read the source with `ast` (no import, no build): a function over the limit or a file written
around eenzaamheid/atomic.py is named with its place, so the offender is easy to find.
"""
from __future__ import annotations

import ast
import functools

import pytest

from eenzaamheid.paths import CODE_ROOT

PACKAGE = CODE_ROOT / "eenzaamheid"
MAX_FUNCTION_LINES = 60

# Calls that put a file in place or write one directly: only the atomic writer may make them.
WRITING_CALLS = {"replace", "rename", "write_text", "write_bytes", "mkstemp"}
# Where another kind of write is the point, not a file a reader may see half-written:
NOT_THE_WRITER = {
    ("atomic.py", "write_atomic_with"),          # the writer itself
    ("publish/publication.py", "recover"),               # the atomic switch of whole folders (renames)
    ("publish/publication.py", "switch"),
    ("intake/intake.py", "_copy"),             # receiving: linked into place so raw/ is never overwritten
}


@functools.cache
def _modules() -> list[tuple[str, ast.Module]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    assert len(paths) > 50, f"too few modules found under {PACKAGE}: the test would prove nothing"
    return [(p.relative_to(PACKAGE).as_posix(), ast.parse(p.read_text(encoding="utf-8"))) for p in paths]


def _functions(tree: ast.Module):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _long_functions(path: str, tree: ast.Module) -> list[str]:
    return [f"{path}:{f.lineno} {f.name} ({f.end_lineno - f.lineno + 1} lines)" for f in _functions(tree)
            if f.end_lineno - f.lineno + 1 > MAX_FUNCTION_LINES]


def test_no_function_over_sixty_lines():
    long = [line for path, tree in _modules() for line in _long_functions(path, tree)]
    assert not long, "functions over 60 lines (split them by job):\n" + "\n".join(long)


def _writing_calls(path: str, tree: ast.Module) -> list[str]:
    """Each writing call with the function it is written in (the innermost one)."""
    found = []

    def visit(node, function: str | None) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in WRITING_CALLS and _is_file_call(node) and (path, function) not in NOT_THE_WRITER):
            found.append(f"{path}:{node.lineno} {function}: .{node.func.attr}(")
        for child in ast.iter_child_nodes(node):
            visit(child, function)
    visit(tree, None)
    return found


def _is_file_call(node: ast.Call) -> bool:
    """os.replace/os.rename/tempfile.mkstemp, or Path.write_text/write_bytes; not str.replace(a, b)
    nor DataFrame.rename(columns=...)."""
    owner = node.func.value
    if node.func.attr in ("write_text", "write_bytes"):
        return True
    return isinstance(owner, ast.Name) and owner.id in ("os", "tempfile")


def test_one_atomic_writer():
    stray = [call for path, tree in _modules() for call in _writing_calls(path, tree)]
    assert not stray, "files written outside eenzaamheid/atomic.py (use write_atomic):\n" + "\n".join(stray)


@pytest.mark.parametrize("source, expected", [
    ("def f():\n    Path('x').write_text('y')\n", ["m.py:2 f: .write_text("]),
    ("def f():\n    os.replace(a, b)\n", ["m.py:2 f: .replace("]),
    ("def f():\n    return 'a'.replace('a', 'b')\n", []),
])
def test_the_writer_check_sees_a_direct_write(source, expected):
    assert _writing_calls("m.py", ast.parse(source)) == expected


@pytest.mark.parametrize("body_lines, offenders", [(MAX_FUNCTION_LINES - 1, 0), (MAX_FUNCTION_LINES, 1)])
def test_the_length_check_counts_def_and_body(body_lines, offenders):
    body = "".join(f"    x{i} = {i}\n" for i in range(body_lines))
    assert len(_long_functions("m.py", ast.parse(f"def f():\n{body}"))) == offenders
