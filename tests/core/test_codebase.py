"""Rules about the code itself (STYLE.md), read from the source with `ast`: no two modules
import each other, `core` imports no other app, and no HTML is assembled in Python strings."""

import ast
import re
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "raremap"

# HTML written in Python: a tag of HTML (or SVG) in a string, or a helper that marks a built
# string safe. URL patterns (`<str:public_id>`) and regular expressions of names are not tags.
_TAG = re.compile(
    r"</?(?:a|abbr|article|aside|b|blockquote|br|button|circle|code|dd|details|div|dl|dt|em"
    r"|fieldset|footer|form|g|h[1-6]|header|hr|i|img|input|label|legend|li|link|main|meta|nav"
    r"|ol|optgroup|option|p|path|pre|rect|script|section|select|small|span|strong|style"
    r"|summary|svg|table|tbody|td|textarea|th|thead|time|title|tr|ul)[\s>/]",
    re.IGNORECASE,
)
_SAFE_MAKERS = {"format_html", "format_html_join", "mark_safe", "Markup", "SafeString"}

# What may stay, each with its reason: (module, the string or the call's name).
ALLOWED = {
    # The kept page's region markers (<!--@name-->): HTML comments our templates write, parsed
    # here; not markup that anyone sees.
    ("core/shell.py", r"<!--@(([\w-]+)(?::([\w.-]+))?)-->(.*?)<!--/@\1-->"),
    # The slot for the CSRF field in remembered fragments: a constant comment, replaced per
    # request by Django's own field (django.template.backends.utils.csrf_input).
    ("core/shell.py", "<!--csrf-->"),
    ("core/shell.py", "Markup"),
    # JSON-LD for a <script type="application/ld+json"> element: JSON, not HTML, with <, > and
    # & escaped as Django's json_script escapes them (core.seo.json_ld).
    ("core/seo.py", "Markup"),
}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


@cache
def _trees() -> dict[str, tuple[Path, ast.Module]]:
    return {name: (path, ast.parse(path.read_text())) for name, path in _modules().items()}


def _imports(name: str, tree: ast.Module, modules: set[str]) -> set[str]:
    """The modules of the package that a module imports, at its top or inside a function."""
    found = set()
    package = name if _modules()[name].name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x, from ..y import z
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules and module != name}


def test_no_two_modules_import_each_other() -> None:
    trees = _trees()
    names = set(trees)
    imports = {name: _imports(name, tree, names) for name, (_path, tree) in trees.items()}

    pairs = {
        tuple(sorted((a, b))) for a, targets in imports.items() for b in targets if a in imports[b]
    }

    assert len(imports) > 100  # the walk found the package
    assert "raremap.accounts.models" in imports["raremap.accounts.sessions"]
    assert sorted(pairs) == []


def test_core_imports_no_other_app() -> None:
    trees = _trees()
    names = set(trees)

    outside = {
        (name, target)
        for name, (_path, tree) in trees.items()
        if name.startswith("raremap.core")
        for target in _imports(name, tree, names)
        if not target.startswith("raremap.core") and target != "raremap"
    }

    assert sorted(outside) == []


def _docstrings(tree: ast.Module) -> set[int]:
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, owners)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def _html_in(module: str, tree: ast.Module) -> set[tuple[str, str]]:
    found = set()
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and (_TAG.search(node.value) or "<!--" in node.value)
        ):
            found.add((module, node.value))
        elif isinstance(node, ast.Call):
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else None
            called = function.id if isinstance(function, ast.Name) else called
            if called in _SAFE_MAKERS:
                found.add((module, called))
    return found


def test_no_html_is_assembled_in_python() -> None:
    """Fragments are templates or macros; `|safe` is left for sanitised member HTML and for
    HTML our own templates rendered."""
    found = set()
    for path, tree in _trees().values():
        found |= _html_in(str(path.relative_to(PACKAGE)), tree)

    assert found == ALLOWED


def test_the_html_finder_finds_html() -> None:
    """The finder is not blind: it reports tags in strings and f-strings and the helpers that
    mark built strings safe, and leaves URL patterns, regular expressions and docstrings."""
    tree = ast.parse(
        '"""A <p> docstring."""\n'
        'X = f\'<a href="{url}">\' + "</a>"\n'
        'Y = format_html("{}", x)\n'
        'Z = markupsafe.Markup("<!--x-->")\n'
        'URL = "u/<str:public_id>/"\n'
        'R = r"(?P<slug>[-\\w]+)"\n'
    )

    assert _html_in("m.py", tree) == {
        ("m.py", '<a href="'),
        ("m.py", "</a>"),
        ("m.py", "format_html"),
        ("m.py", "Markup"),
        ("m.py", "<!--x-->"),
    }
