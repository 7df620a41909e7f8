"""The parts of the package talk through public methods and take their dependencies at
construction: no module reads a private attribute of an object other than ``self``/``cls``,
and the client side sets no attribute of another object after it was built. A static check
(an AST walk), with each exception named and justified."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import fanfare_rx

ROOT = Path(fanfare_rx.__file__).parent

#: The packages checked for private reads. ``journey`` joins once its view actions drive the
#: pipeline through public methods (``view_actions`` reads ``journey._effects`` and
#: ``journey._run``); ``cli``, ``notebook`` and ``testing`` read library internals on purpose
#: (argparse's sub-parser action, reactivex's ``TestScheduler`` queue).
PRIVATE_READS_CHECKED = ["client", "wire", "journey", "mechanisms", "models", "fleet", "sandbox"]
#: The packages checked for attributes set on another object (state set after construction).
FOREIGN_WRITES_CHECKED = ["client", "wire"]

#: ``(module, expression)`` -> why it may read another object's private attribute.
ALLOWED_READS: dict[tuple[str, str], str] = {
    ("client/namespaces.py", "journey._watch_folds"):
        "the journey's one owner takes each fold as a plain callback (no Rx subscription per "
        "journey); the journey has no public hook for it yet",
}
#: ``(module, expression)`` -> why it may set another object's attribute.
ALLOWED_WRITES: dict[tuple[str, str], str] = {
    ("client/namespaces.py", "journey.fail_open_after_ms"):
        "the client's fail-open policy, given to each journey it creates; the journey's "
        "constructor does not take it yet",
}

#: Enum and IPython hooks (``_value_``, ``_missing_``, ``_repr_html_``) are public protocol.
_SUNDER = re.compile(r"^_[^_].*[^_]_$")
#: A named tuple's public methods (underscored so they never clash with a field).
_NAMED_TUPLE_API = frozenset({"_asdict", "_fields", "_field_defaults", "_make", "_replace"})


def _private(name: str) -> bool:
    return (name.startswith("_") and not name.startswith("__") and not _SUNDER.match(name)
            and name not in _NAMED_TUPLE_API)


def _is_self(node: ast.expr) -> bool:
    """``self``, ``cls`` or ``super()`` (the object's own class hierarchy)."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def _modules(packages: list[str], root: Path) -> list[Path]:
    return [path for package in packages for path in sorted((root / package).rglob("*.py"))]


def private_reads(packages: list[str], root: Path = ROOT) -> set[tuple[str, str]]:
    """Every ``obj._name`` whose ``obj`` is not ``self`` or ``cls``, as (module, expression)."""
    found = set()
    for path in _modules(packages, root):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and _private(node.attr) \
                    and not _is_self(node.value):
                found.add((path.relative_to(root).as_posix(), ast.unparse(node)))
    return found


def foreign_writes(packages: list[str], root: Path = ROOT) -> set[tuple[str, str]]:
    """Every ``obj.name = ...`` (or ``+=``) whose ``obj`` is not ``self`` or ``cls``."""
    found = set()
    for path in _modules(packages, root):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (node.targets if isinstance(node, ast.Assign)
                       else [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign)
                       else [])
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and isinstance(part.ctx, ast.Store) \
                            and not part.attr.startswith("__") and not _is_self(part.value):
                        found.add((path.relative_to(root).as_posix(), ast.unparse(part)))
    return found


def test_no_module_reads_a_private_attribute_of_another_object() -> None:
    assert private_reads(PRIVATE_READS_CHECKED) - ALLOWED_READS.keys() == set()


def test_the_client_side_sets_no_attribute_of_another_object() -> None:
    assert foreign_writes(FOREIGN_WRITES_CHECKED) - ALLOWED_WRITES.keys() == set()


def test_every_exception_is_still_needed() -> None:
    assert ALLOWED_READS.keys() <= private_reads(PRIVATE_READS_CHECKED)
    assert ALLOWED_WRITES.keys() <= foreign_writes(FOREIGN_WRITES_CHECKED)


@pytest.mark.parametrize(("source", "reads", "writes"), [
    ("def f(api):\n    return api._raw('GET', '/x')\n", {"api._raw"}, set()),
    ("def f(self):\n    self._fanfare._ensure_alive()\n", {"self._fanfare._ensure_alive"},
     set()),
    ("def f(sessions, count):\n    sessions.participations = count\n", set(),
     {"sessions.participations"}),
    ("def f(self, e, t):\n    self._x = e._value_\n    e.__notes__ = [t._replace(a=1)]\n", set(),
     set()),
    ("def f(self, other):\n    super()._end()\n    super(type(other), other)._end()\n",
     {"super(type(other), other)._end"}, set()),
], ids=["private read", "private read through an attribute", "state set afterwards",
        "own state, sunder, dunder, a named tuple's API", "the own base's, not another's"])
def test_the_checks_find_what_they_look_for(tmp_path: Path, source: str, reads: set[str],
                                            writes: set[str]) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "module.py").write_text(source, encoding="utf-8")
    assert {expr for _, expr in private_reads(["pkg"], tmp_path)} == reads
    assert {expr for _, expr in foreign_writes(["pkg"], tmp_path)} == writes
