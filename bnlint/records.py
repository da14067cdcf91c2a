"""Plain data classes for the modules every run loads, without ``dataclasses``.

Building bnlint's 17 data classes with ``dataclasses`` (and importing it, which imports
``inspect``) cost about 30 ms of every start, a third of linting one small file from a pre-commit
hook.  ``record`` gives such a class what ``@dataclass`` gave it here: a constructor taking the
annotated fields in order (positionally or by name; defaults, ``field(default_factory=...)``),
``repr``, ``==`` between instances of the same class, and for ``frozen=True`` immutability and a
hash of the fields.  Nothing is generated with ``exec``: the methods read the field list.
"""
from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms of every start)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, Optional, Tuple


class FrozenRecordError(AttributeError):
    """Assigning to a field of a frozen record."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A field whose default is made anew for each instance (``default_factory()``)."""
    return _Factory(default_factory)


def _fields_of(cls: type) -> Tuple[Tuple[str, ...], Dict[str, Any]]:
    names = []
    defaults: Dict[str, Any] = {}
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        names.append(name)
        if name in cls.__dict__:
            defaults[name] = cls.__dict__[name]
            if isinstance(defaults[name], _Factory):
                delattr(cls, name)  # the class attribute would shadow nothing useful
    return tuple(names), defaults


def record(cls: Optional[type] = None, *, frozen: bool = False) -> Any:
    """Class decorator: see the module docstring."""

    def build(cls: type) -> type:
        fields, defaults = _fields_of(cls)
        class_name = cls.__name__

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if len(args) > len(fields):
                raise TypeError(f"{class_name}() takes {len(fields)} arguments but {len(args)} were given")
            put = object.__setattr__
            for i, name in enumerate(fields):
                if i < len(args):
                    if name in kwargs:
                        raise TypeError(f"{class_name}() got multiple values for argument {name!r}")
                    value = args[i]
                elif name in kwargs:
                    value = kwargs.pop(name)
                elif name in defaults:
                    value = defaults[name]
                    if type(value) is _Factory:
                        value = value.make()
                else:
                    raise TypeError(f"{class_name}() missing required argument {name!r}")
                put(self, name, value)
            if kwargs:
                raise TypeError(f"{class_name}() got unexpected keyword arguments {sorted(kwargs)}")

        def __repr__(self) -> str:
            return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in fields)})"

        def __eq__(self, other: Any) -> Any:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return all(getattr(self, n) == getattr(other, n) for n in fields)

        cls.__init__ = __init__  # type: ignore[misc]
        cls.__repr__ = __repr__  # type: ignore[assignment]
        cls.__eq__ = __eq__  # type: ignore[assignment]
        cls.__record_fields__ = fields  # type: ignore[attr-defined]
        if frozen:

            def __setattr__(self, name: str, value: Any) -> None:
                raise FrozenRecordError(f"cannot assign to field {name!r} of a frozen {class_name}")

            def __delattr__(self, name: str) -> None:
                raise FrozenRecordError(f"cannot delete field {name!r} of a frozen {class_name}")

            def __hash__(self) -> int:
                return hash(tuple(getattr(self, n) for n in fields))

            cls.__setattr__ = __setattr__  # type: ignore[assignment]
            cls.__delattr__ = __delattr__  # type: ignore[assignment]
            cls.__hash__ = __hash__  # type: ignore[assignment]
        else:
            cls.__hash__ = None  # type: ignore[assignment]  # mutable and compared by value, as a dataclass
        return cls

    return build if cls is None else build(cls)


def replace(obj: Any, **changes: Any) -> Any:
    """A new record like ``obj`` with ``changes`` (``dataclasses.replace``)."""
    values = {name: getattr(obj, name) for name in type(obj).__record_fields__}
    values.update(changes)
    return type(obj)(**values)
