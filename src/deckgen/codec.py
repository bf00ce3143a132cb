"""Frozen dataclasses as plain JSON and back: the note cache's format.

`encode` turns a value into lists, strings, numbers, booleans and None (a dataclass becomes the
list of its fields, in order). `decoder(hint)` reads that back, checking every part against the
type hints, and builds only the types the hints name: data read from disk can make no code run,
and anything that does not fit raises `ValueError`.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

Decode = Callable[[Any], Any]


def encode(value: Any) -> Any:
    """`value` as JSON-ready data."""
    if isinstance(value, (str, int, float)) or value is None:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [encode(getattr(value, f)) for f in _names(type(value))]
    if isinstance(value, (tuple, list)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    raise ValueError(f"cannot encode {type(value).__name__}")


@functools.cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def _fail(what: str, value: Any) -> ValueError:
    return ValueError(f"expected {what}, got {type(value).__name__}")


def _plain(kind: type) -> Decode:
    def decode(value: Any) -> Any:
        if type(value) is not kind and not (kind is float and type(value) is int):
            raise _fail(kind.__name__, value)
        return value

    return decode


def _dataclass(kind: type) -> Decode:
    module = vars(sys.modules[kind.__module__])
    hints = typing.get_type_hints(kind, globalns=module)
    names = _names(kind)
    # a plain field is checked here, not through a call: most fields are texts and numbers
    plain = [hints[name] if hints[name] in (str, int, bool) else None for name in names]
    fields = [decoder(hints[name]) for name in names]
    steps = list(zip(plain, fields, strict=True))
    n = len(fields)

    def decode(value: Any) -> Any:
        if type(value) is not list or len(value) != n:
            raise _fail(f"{kind.__name__} ({n} fields)", value)
        args = []
        for (simple, field), v in zip(steps, value, strict=True):
            if simple is None:
                args.append(field(v))
            elif type(v) is simple:
                args.append(v)
            else:
                raise _fail(simple.__name__, v)
        return kind(*args)

    return decode


def _sequence(make: type, item: Decode, simple: type | None) -> Decode:
    def decode(value: Any) -> Any:
        if type(value) is not list:
            raise _fail("a list", value)
        if simple is not None:
            for v in value:
                if type(v) is not simple:
                    raise _fail(simple.__name__, v)
            return make(value)
        return make([item(v) for v in value])

    return decode


def _fixed(items: list[Decode]) -> Decode:
    def decode(value: Any) -> Any:
        if type(value) is not list or len(value) != len(items):
            raise _fail(f"a list of {len(items)}", value)
        return tuple([f(v) for f, v in zip(items, value, strict=True)])

    return decode


def _mapping(item: Decode) -> Decode:
    def decode(value: Any) -> Any:
        if type(value) is not dict:
            raise _fail("an object", value)
        return {k: item(v) for k, v in value.items()}

    return decode


def _union(options: list[Decode], optional: bool) -> Decode:
    def decode(value: Any) -> Any:
        if value is None and optional:
            return None
        for option in options:
            try:
                return option(value)
            except ValueError:
                continue
        raise _fail("one of the union's types", value)

    return decode


def _literal(allowed: tuple[Any, ...]) -> Decode:
    def decode(value: Any) -> Any:
        if value not in allowed or type(value) not in {type(a) for a in allowed}:
            raise ValueError(f"{value!r} is not one of {allowed}")
        return value

    return decode


@functools.cache
def decoder(hint: Any) -> Decode:
    """The function that reads `encode`'s data back as `hint` (a dataclass or a type hint
    made of tuples, lists, dicts, unions, literals and plain types)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in (str, int, float, bool):
        return _plain(hint)
    if hint is type(None):
        return _literal((None,))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(tuple, decoder(args[0]), args[0] if args[0] in (str, int, bool) else None)
    if origin is tuple:
        return _fixed([decoder(a) for a in args])
    if origin is list:
        return _sequence(list, decoder(args[0]), args[0] if args[0] in (str, int, bool) else None)
    if origin is dict and args[0] is str:
        return _mapping(decoder(args[1]))
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return _union([decoder(a) for a in rest], len(rest) < len(args))
    if origin is typing.Literal:
        return _literal(args)
    raise TypeError(f"no decoder for {hint!r}")
