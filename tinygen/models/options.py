"""The settings a recipe takes on the command line (``-m KEY=VALUE`` for the model, ``-t KEY=VALUE`` for its
training), each declared once with its default, its type and its range:

    options={"code_size": integer(32, low=1), "loss": choice("bce", ("bce", "mse")),
             "noise_level": number(0.3, low=0.0, high=1.0), "persistent": flag(True)}

``Option.check(flag, key, value)`` returns the value as the model receives it (an int as a float where a
number is asked for, a list as a tuple) or raises ValueError in the form
``-m depth=0: depth must be an integer >= 1``. Nothing falls back to a default silently: a value is
either used as given or refused.
"""
import math
import numbers
from dataclasses import dataclass
from typing import Callable


REFUSED = object()   # what ``convert`` returns for a value that breaks the rule (None may be a real value)


@dataclass(frozen=True)
class Option:
    """default: the value when not given; rule: what a value must be, in words; convert: value -> the
    value to use, or REFUSED when it breaks the rule."""
    default: object
    rule: str
    convert: Callable

    def check(self, flag, key, value):
        if value is None and self.default is None:   # None is this option's own "automatic" default
            return None
        converted = self.convert(value)
        if converted is REFUSED:
            raise ValueError(f"{flag} {key}={value!r}: {key} must be {self.rule}")
        return converted


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _range_words(low, high, low_open, high_open):
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    return " and ".join(parts)


def _in_range(value, low, high, low_open, high_open):
    if low is not None and (value <= low if low_open else value < low):
        return False
    return high is None or (value < high if high_open else value <= high)


def integer(default, low=None, high=None):
    """A whole number in [low, high] (None: unbounded). A default of None (e.g. "the architecture's own")
    can also be asked for by name."""
    words = "an integer" + (" " + _range_words(low, high, False, False) if low is not None or high is not None else "")
    rule = words + (" (or None)" if default is None else "")

    def convert(value):
        return int(value) if _is_int(value) and _in_range(value, low, high, False, False) else REFUSED
    return Option(default, rule, convert)


def number(default, low=None, high=None, low_open=False, high_open=False):
    """A finite real number in the range; an integer is taken as the float it equals."""
    bounds = _range_words(low, high, low_open, high_open)
    rule = "a number" + (f" {bounds}" if bounds else "") + (" (or None)" if default is None else "")

    def convert(value):
        return float(value) if _is_number(value) and _in_range(value, low, high, low_open, high_open) else REFUSED
    return Option(default, rule, convert)


def choice(default, choices):
    """One of the given strings."""
    choices = tuple(choices)
    return Option(default, "one of " + ", ".join(repr(c) for c in choices),
                  lambda value: value if isinstance(value, str) and value in choices else REFUSED)


def flag(default):
    """True or False (also 1 / 0, "true" / "false" as typed on a command line)."""
    words = {"true": True, "false": False}

    def convert(value):
        if isinstance(value, bool):
            return value
        if _is_int(value) and value in (0, 1):
            return bool(value)
        return words.get(value.lower(), REFUSED) if isinstance(value, str) else REFUSED
    return Option(default, "True or False", convert)


def integers(default, low=1, length=None):
    """A tuple of integers >= ``low`` (a list is taken as the tuple, a single integer kept as it is, for
    settings such as nodes_per_layer that take either); ``length``: exactly that many."""
    rule = f"an integer or a tuple of integers >= {low}" + (f" of length {length}" if length else "")

    def convert(value):
        if _is_int(value) and not length:
            return int(value) if value >= low else REFUSED
        values = value
        if not isinstance(values, (tuple, list)) or not values or (length and len(values) != length):
            return REFUSED
        return tuple(int(v) for v in values) if all(_is_int(v) and v >= low for v in values) else REFUSED
    return Option(default, rule, convert)


def resolve(flag, options, given):
    """{key: checked value} for every declared option: ``given`` (e.g. from ``-m``) over the defaults.

    ValueError names an unknown key (with the known ones) or a value that breaks its option's rule.
    """
    unknown = sorted(set(given) - set(options))
    if unknown:
        known = ", ".join(f"{key}={option.default!r}" for key, option in options.items()) or "none"
        raise ValueError(f"{flag} {unknown[0]}: no such setting; this model takes: {known}")
    resolved = {}
    for key, option in options.items():
        if key not in given:
            resolved[key] = option.default
            continue
        resolved[key] = option.check(flag, key, given[key])
    return resolved
