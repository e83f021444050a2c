"""The checks every public boundary of trapode applies to its arguments, in one place.

Each function returns the value in its canonical type or raises
:class:`~trapode.ConfigError` with one sentence naming the parameter, the value
it got (shortened if long) and what it expects. Nothing here knows about
physics: the callers say what a value means (its unit, its range).
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
import pathlib
from collections.abc import Iterable, Iterator, Sequence
from types import FrameType
from typing import Any

import numpy as np

from .errors import ConfigError

__all__ = [
    "choice",
    "close_matches",
    "count",
    "counts",
    "file_path",
    "flag",
    "instance",
    "real",
    "reals",
    "sequence_of",
    "short_repr",
    "vector3",
]

_MAX_REPR = 80
#: The largest count accepted: kernels count steps and particles in 64-bit integers.
_MAX_COUNT = 2**62


def short_repr(value: Any) -> str:
    """``repr(value)``, cut to about 80 characters, so that a huge value is never echoed whole."""
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__} object>"
    if len(text) > _MAX_REPR:
        text = f"{text[: _MAX_REPR - 20]}...{text[-12:]} ({len(text)} characters)"
    return text


def _fail(name: str, value: Any, expected: str, why: str = "") -> ConfigError:
    detail = f" ({why})" if why else ""
    return ConfigError(f"{name} must be {expected}, got {short_repr(value)}{detail}.")


def _as_real(name: str, value: Any, expected: str) -> float:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise _fail(name, value, expected, type(value).__name__)
    try:
        number = float(value)
    except OverflowError:
        raise _fail(name, value, expected, "too large for a float") from None
    if not math.isfinite(number):
        raise _fail(name, value, expected, "not finite")
    return number


def real(
    name: str,
    value: Any,
    expected: str,
    *,
    minimum: float | None = None,
    strict: bool = False,
    maximum: float | None = None,
) -> float:
    """A finite real number as a float, optionally bounded.

    Parameters
    ----------
    name : str
        The parameter's name as the user wrote it, e.g. ``"PenningTrap.B0"``.
    value : object
    expected : str
        What a valid value is, in words with its unit: ``"a finite field in tesla"``.
    minimum : float, optional
        Smallest allowed value (``strict`` excludes it).
    maximum : float, optional
        Largest allowed value.
    """
    number = _as_real(name, value, expected)
    if minimum is not None and (number < minimum or (strict and number == minimum)):
        raise _fail(name, value, expected)
    if maximum is not None and number > maximum:
        raise _fail(name, value, expected)
    return number


def count(name: str, value: Any, minimum: int = 1, maximum: int | None = None) -> int:
    """An integer ≥ ``minimum`` (a bool, a float or a string is refused, even 4000.0)."""
    expected = f"an integer ≥ {minimum}" + (f" and ≤ {maximum}" if maximum is not None else "")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise _fail(name, value, expected, type(value).__name__)
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        raise _fail(name, value, expected)
    if number > _MAX_COUNT:  # the kernels count in 64-bit integers
        raise _fail(name, value, expected, f"more than {_MAX_COUNT}")
    return number


def counts(name: str, value: Any, minimum_length: int = 1) -> tuple[int, ...]:
    """A sequence of at least ``minimum_length`` integers ≥ 1 (each checked as :func:`count`)."""
    if isinstance(value, (range, Iterator)):
        value = list(value)
    if not _is_sequence(value) or (isinstance(value, np.ndarray) and value.ndim != 1):
        raise _fail(name, value, f"a sequence of at least {minimum_length} integers ≥ 1", type(value).__name__)
    if len(value) < minimum_length:
        raise _fail(name, value, f"a sequence of at least {minimum_length} integers ≥ 1", f"{len(value)} values")
    return tuple(count(f"{name}[{k}]", item) for k, item in enumerate(value))


def reals(name: str, value: Any, unit: str, max_ndim: int = 1) -> np.ndarray:
    """A float array of finite real numbers, with at most ``max_ndim`` dimensions (a number is 0-d)."""
    expected = f"finite real numbers in {unit}" + (" (a number or a 1-D sequence)" if max_ndim == 1 else "")
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise _fail(name, value, expected, type(value).__name__)
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        raise _fail(name, value, expected) from None
    if array.dtype.kind not in "iuf" or array.ndim > max_ndim:
        raise _fail(name, value, expected, f"{array.ndim}-D array of {array.dtype}")
    try:
        array = array.astype(np.float64, copy=False)
    except OverflowError:
        raise _fail(name, value, expected, "too large for a float") from None
    # min and max are NaN if any value is, and reduce without a temporary array as large as the input.
    if array.size and not (math.isfinite(array.min()) and math.isfinite(array.max())):
        raise _fail(name, value, expected, "not finite")
    return array


def file_path(name: str, value: Any) -> pathlib.Path:
    """A file path: text or path-like, not empty, without NUL characters."""
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bool):
        raise _fail(name, value, "a file path", type(value).__name__)
    text = os.fspath(value)
    if not isinstance(text, str) or not text or "\0" in text:
        raise _fail(name, value, "a file path (not empty, without NUL characters)")
    return pathlib.Path(text)


def flag(name: str, value: Any) -> bool:
    """True or False (not 0, 1 or ``"no"``)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, (bool, np.bool_)):
        raise _fail(name, value, "True or False", type(value).__name__)
    return bool(value)


def _is_sequence(value: Any) -> bool:
    if isinstance(value, (str, bytes)):
        return False
    return isinstance(value, (Sequence, np.ndarray))


def vector3(name: str, value: Any, unit: str) -> tuple[float, float, float]:
    """Three finite real numbers as a tuple of floats."""
    expected = f"a sequence of 3 finite numbers in {unit}"
    if not _is_sequence(value) or (isinstance(value, np.ndarray) and value.ndim != 1):
        raise _fail(name, value, expected, type(value).__name__)
    if len(value) != 3:
        raise _fail(name, value, expected, f"{len(value)} values")
    x, y, z = (_as_real(f"{name}[{k}]", component, f"a finite number in {unit}") for k, component in enumerate(value))
    return x, y, z


def close_matches(word: str, options: Iterable[str]) -> str:
    """A hint naming the options closest to ``word``: ``" Did you mean 'rk4'?"``, or an empty string."""
    if not isinstance(word, str):
        return ""
    by_lower = {option.lower(): option for option in options}
    matches = [by_lower[match] for match in difflib.get_close_matches(word.lower(), list(by_lower), n=3, cutoff=0.6)]
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(match) for match in matches) + "?"


def choice(name: str, value: Any, options: Sequence[str]) -> str:
    """One of the strings ``options``, with the close matches in the error."""
    if not isinstance(value, str) or value not in options:
        raise ConfigError(
            f"{name} must be one of {', '.join(map(repr, options))}, got {short_repr(value)}."
            + close_matches(value, options)
        )
    return value


def instance(name: str, value: Any, kind: type | tuple[type, ...], described: str) -> Any:
    """``value`` itself if it is an instance of ``kind``."""
    if not isinstance(value, kind):
        raise _fail(name, value, described, type(value).__name__)
    return value


def sequence_of(name: str, value: Any, kind: type, described: str, *, allow_empty: bool = True) -> tuple:
    """A tuple of instances of ``kind`` from a list or tuple (a single instance is a tuple of one)."""
    if isinstance(value, kind):
        return (value,)
    if not isinstance(value, (list, tuple)):
        raise _fail(name, value, f"a sequence of {described}", type(value).__name__)
    items = tuple(value)
    if not items and not allow_empty:
        raise ConfigError(f"{name} must hold at least one {described}, got none.")
    for index, item in enumerate(items):
        instance(f"{name}[{index}]", item, kind, described)
    return items


def warn_outside_package(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` pointing at the first line outside trapode: the user's, however deep the call came from."""
    import os
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame: FrameType | None = sys._getframe(1)
    level = 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
