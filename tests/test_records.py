"""bnlint.records: what the modules loaded at every start relied on ``dataclasses`` for."""
import pickle
import subprocess
import sys
from typing import ClassVar, List, Optional

import pytest

from bnlint.records import FrozenRecordError, field, record, replace


@record
class Box:
    KIND: ClassVar[str] = "box"  # not a field
    name: str
    items: List[int] = field(default_factory=list)
    label: Optional[str] = None


@record(frozen=True)
class Point:
    x: int
    y: int = 0


def test_constructor_by_position_and_by_name_with_defaults():
    assert Box("a").items == [] and Box("a").label is None
    b = Box("a", [1], label="l")
    assert (b.name, b.items, b.label) == ("a", [1], "l")
    assert Box(name="a", label="l").label == "l"
    assert Box("a").items is not Box("a").items  # a fresh default each time
    with pytest.raises(TypeError):
        Box()
    with pytest.raises(TypeError):
        Box("a", name="b")
    with pytest.raises(TypeError):
        Box("a", colour="red")
    with pytest.raises(TypeError):
        Box("a", [], None, "extra")
    assert Box.KIND == "box" and "KIND" not in Box.__record_fields__


def test_repr_and_equality_by_value_within_one_class():
    assert repr(Box("a", [1])) == "Box(name='a', items=[1], label=None)"
    assert Box("a", [1]) == Box("a", [1]) and Box("a") != Box("b")
    assert Box("a") != ("a", [], None)
    with pytest.raises(TypeError):
        hash(Box("a"))  # mutable: unhashable, as a dataclass with eq


def test_frozen_records_are_immutable_and_hashable():
    p = Point(1, 2)
    with pytest.raises(FrozenRecordError):
        p.x = 3
    with pytest.raises(AttributeError):
        del p.y
    assert {Point(1, 2), Point(1, 2), Point(1)} == {Point(1, 2), Point(1, 0)}


def test_pickle_and_replace():
    for value in (Box("a", [1], "l"), Point(3, 4)):
        assert pickle.loads(pickle.dumps(value)) == value  # the process pool sends them
    assert replace(Point(1, 2), y=5) == Point(1, 5)
    b = Box("a", [1])
    c = replace(b)
    assert c == b and c is not b


def test_a_plain_run_imports_neither_dataclasses_nor_inspect_nor_libcst(tmp_path):
    """The point of the module: linting a small file without BN (cache on) loads no ``dataclasses``
    (nor ``inspect``, which it imports; ``pkgutil.iter_modules`` did too), no OpenSSL hashing, no
    ``subprocess`` or TOML parser where there is nothing to run or read, and no libcst."""
    small = tmp_path / "util.py"
    small.write_text("import os\n\n\ndef add(a, b):\n    return a + b\n")
    probe = (
        "import sys\nheavy = ('dataclasses', 'inspect', '_hashlib', 'subprocess', 'tomllib')\nalready = [m for m in heavy if m in sys.modules]  # a site hook may have loaded them\n"
        "from bnlint.cli import main\n"
        f"sys.argv = ['bnlint', '--cache-dir', {str(tmp_path / 'cache')!r}, {str(small)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "lazy = type(sys.modules.get('libcst')).__name__\n"
        "print([m for m in heavy if m in sys.modules and m not in already] == [], lazy in ('NoneType', '_LazyModule'))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "True True"
