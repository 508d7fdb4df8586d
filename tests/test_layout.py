"""The code's layout, checked so that it stays as the README's "Code layout" describes it.

Read from the source with :mod:`ast`, never by importing it: every ``import`` counts,
at module level, inside a function or under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("summarizer", "bot")
MAX_LINES = 700
# namedtuple's public methods carry an underscore so as not to clash with field names
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


MODULES = {module_name(p): p for p in source_files()}


def imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports (ours or not), with its line, relative ones resolved."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod; `from mod import name`, mod
                submodule = f"{target}.{alias.name}"
                yield (submodule if submodule in MODULES else target), node.lineno


def graph() -> dict[str, set[str]]:
    return {
        name: {target for target, _ in imports(path) if target in MODULES and target != name}
        for name, path in MODULES.items()
    }


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of module names, or None (depth-first, three colours)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_at_all() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_bot_imports_only_the_public_api_of_the_library() -> None:
    allowed = {"summarizer", "summarizer.store"}
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {target}"
        for name, path in MODULES.items()
        if name.split(".")[0] == "bot"
        for target, line in imports(path)
        if target.split(".")[0] == "summarizer" and target not in allowed
    ]
    assert not wrong, "bot/ imports the library's insides:\n" + "\n".join(wrong)


def test_the_public_api_lists_what_it_exports_and_each_name_resolves() -> None:
    import summarizer

    assert set(summarizer.__all__) == {*summarizer._EXPORTS, "__version__"}
    for name in summarizer.__all__:
        assert getattr(summarizer, name) is not None, name
    with pytest.raises(AttributeError):
        _ = summarizer.no_such_name  # type: ignore[attr-defined]


def test_the_library_never_imports_telegram_or_the_bot() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {target}"
        for name, path in MODULES.items()
        if name.split(".")[0] == "summarizer"
        for target, line in imports(path)
        if target.split(".")[0] in {"telegram", "bot"}
    ]
    assert not wrong, "\n".join(wrong)


def test_no_private_name_is_imported_from_another_module() -> None:
    wrong = []
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level or (node.module or "").split(".")[0] in PACKAGES:
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name}")
    assert not wrong, "private names imported:\n" + "\n".join(wrong)


def private_attributes(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``obj._name`` where obj is not ``self`` or ``cls`` (and not a namedtuple method)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        attr = node.attr
        if not attr.startswith("_") or attr.startswith("__") or attr in NAMEDTUPLE_API:
            continue
        if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
            continue
        yield node.lineno, f"{ast.unparse(node.value)}.{attr}"


def test_the_private_attribute_check_sees_one() -> None:
    found = list(private_attributes(ast.parse("data._store = 1\nself._ok = 2\nparts._replace()")))
    assert found == [(1, "data._store")]


def test_no_module_touches_another_objects_private_attributes() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in MODULES.values()
        for line, text in private_attributes(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not wrong, "private attributes of other objects:\n" + "\n".join(wrong)


def test_no_module_is_over_700_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in MODULES.values()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long


def test_the_two_store_backends_share_their_bodies() -> None:
    store = ROOT / "summarizer" / "store"
    lines = sum(
        len((store / f).read_text(encoding="utf-8").splitlines())
        for f in ("sqlite.py", "postgres.py", "sql.py")
    )
    assert lines <= 1700, lines


def test_the_readme_names_every_module_in_its_code_layout() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Code layout", 1)[1].split("\n#", 1)[0]
    missing = [
        str(path.relative_to(ROOT))
        for path in MODULES.values()
        if path.name != "__main__.py"
        and f"{path.name}`" not in section
        # a subpackage's modules may be named in its own row
        and not (
            path.parent.name not in PACKAGES
            and f"{path.parent.relative_to(ROOT).as_posix()}/`" in section
        )
    ]
    assert not missing, missing


@pytest.mark.slow
def test_the_wheel_holds_every_module_and_each_imports(tmp_path: Path) -> None:
    # built from a copy, so that nothing left in the checkout (a build/ folder from an
    # earlier build holding modules since removed) can slip into the wheel
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", source / "pyproject.toml")
    shutil.copy2(ROOT / "README.md", source / "README.md")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    build = subprocess.run(
        [*pip_wheel, "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("newsbot-*.whl")
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)  # a wheel is installed by unpacking it (PEP 427)
    names = sorted(MODULES)
    script = (
        "import importlib, sys\n"
        f"names = {names!r}\n"
        "for name in names:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert module.__file__.startswith({str(target)!r}), (name, module.__file__)\n"
        "print(len(names))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=target,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(target), "HOME": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split() == [str(len(names))]
