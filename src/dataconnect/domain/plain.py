"""Records as plain data (JSON-ready), derived from their dataclass fields alone.

A settings record is its own definition: its fields, in order, with their types and defaults,
give the keys a request may use, the keys and key order of ``to_dict``, what the store reads
back with ``from_stored``, and the API's request models. A field's type is one of these, shown
with what it is in plain data:

    str, int, float, bool         as it is
    a StrEnum                     its value
    tuple[T, ...]                 a list of T
    tuple[tuple[str, V], ...]     an object, in order (a file column → field mapping)
    another record                an object
    T | None                      T, or null

Any other type fails when the record is first described (a TypeError naming the field), so a
new setting of a new kind gets its rule here, once, instead of a spelling in every layer.
``doc`` holds a field's description for the OpenAPI document.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self, TypeVar

from dataconnect.errors import Problem

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Scalar:
    kind: type  # str, int, float or bool


@dataclass(frozen=True, slots=True)
class Choice:
    enum: type[StrEnum]


@dataclass(frozen=True, slots=True)
class ListOf:
    item: Shape


@dataclass(frozen=True, slots=True)
class PairsOf:
    key: Shape
    value: Shape


@dataclass(frozen=True, slots=True)
class RecordOf:
    record: type


@dataclass(frozen=True, slots=True)
class Nullable:
    inner: Shape


Shape = Scalar | Choice | ListOf | PairsOf | RecordOf | Nullable


@dataclass(frozen=True, slots=True)
class Setting:
    """One field of a record: its key, shape, description and default."""

    name: str
    shape: Shape
    doc: str
    default: object  # dataclasses.MISSING: required, the record cannot be made without it

    @property
    def required(self) -> bool:
        return self.default is dataclasses.MISSING


def doc(text: str) -> dict[str, str]:
    """A field's metadata: ``field(default=..., metadata=doc("..."))``."""
    return {"doc": text}


_DESCRIBED: dict[type, tuple[Setting, ...]] = {}


def settings_of(record: type) -> tuple[Setting, ...]:
    """The fields of a record class, in order (described once, then kept)."""
    found = _DESCRIBED.get(record)
    if found is None:
        if not dataclasses.is_dataclass(record):
            raise TypeError(f"{record!r} is not a dataclass record")
        hints = typing.get_type_hints(record)
        found = _DESCRIBED[record] = tuple(
            Setting(
                name=f.name,
                shape=_shape(hints[f.name], f"{record.__name__}.{f.name}"),
                doc=str(f.metadata.get("doc", "")),
                default=_default(f),
            )
            for f in dataclasses.fields(record)
        )
    return found


def _default(f: dataclasses.Field[Any]) -> object:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def keys(record: type) -> frozenset[str]:
    """The keys a record accepts, e.g. to find unknown keys in a request."""
    return frozenset(s.name for s in settings_of(record))


def _shape(hint: object, where: str) -> Shape:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union) and len(args) == 2 and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return Nullable(_shape(inner, where))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
        pair = typing.get_args(item)
        if typing.get_origin(item) is tuple and len(pair) == 2 and Ellipsis not in pair:
            return PairsOf(_shape(pair[0], where), _shape(pair[1], where))
        return ListOf(_shape(item, where))
    if isinstance(hint, type):
        if issubclass(hint, StrEnum):
            return Choice(hint)
        if dataclasses.is_dataclass(hint):
            settings_of(hint)  # described with its parent, so its own fields are checked now
            return RecordOf(hint)
        if hint in (str, int, float, bool):
            return Scalar(hint)
    raise TypeError(f"{where}: {hint!r} has no plain form (see dataconnect.domain.plain)")


def to_plain(record: object) -> dict[str, object]:
    """The record as JSON-ready data, keys in field order."""
    return {s.name: _out(s.shape, getattr(record, s.name)) for s in settings_of(type(record))}


def _out(shape: Shape, value: Any) -> object:
    if isinstance(shape, Nullable):
        return None if value is None else _out(shape.inner, value)
    if isinstance(shape, Choice):
        return value.value
    if isinstance(shape, ListOf):
        return [_out(shape.item, v) for v in value]
    if isinstance(shape, PairsOf):
        return {_out(shape.key, k): _out(shape.value, v) for k, v in value}
    if isinstance(shape, RecordOf):
        return to_plain(value)
    return value


def from_plain(record: type[R], data: Mapping[str, Any]) -> R:
    """The record back from data that ``to_plain`` wrote; nothing is checked.

    A key the data lacks takes the field's default (data written before the field existed);
    a required field must be there (KeyError). Keys the record does not know are ignored.
    """
    values = {
        s.name: _in(s.shape, data[s.name])
        for s in settings_of(record)
        if s.required or s.name in data
    }
    made: R = record(**values)
    return made


def _in(shape: Shape, value: Any) -> Any:
    if isinstance(shape, Nullable):
        return None if value is None else _in(shape.inner, value)
    if isinstance(shape, Choice):
        return shape.enum(value)
    if isinstance(shape, ListOf):
        return tuple(_in(shape.item, v) for v in value)
    if isinstance(shape, PairsOf):
        return tuple((_in(shape.key, k), _in(shape.value, v)) for k, v in value.items())
    if isinstance(shape, RecordOf):
        return from_plain(shape.record, value)
    return value


class Plain:
    """``to_dict`` and ``from_stored`` for a frozen dataclass record (see the module docstring)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, object]:
        return to_plain(self)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Self:
        """From what ``to_dict`` wrote (the store): no checks, so a job whose table has gone
        since still loads. Requests go through the parse functions instead."""
        return from_plain(cls, data)


def unknown_problems(
    data: Mapping[Any, object], record: type, where: str, noun: str
) -> list[Problem]:
    """An UNKNOWN_FIELD problem for each key the record does not have, in sorted order."""
    return [
        Problem(f"{where}.{k}", "UNKNOWN_FIELD", f"{k} is not {noun}")
        for k in sorted(set(map(str, data)) - keys(record))
    ]
