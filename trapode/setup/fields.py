"""The terms a trap's fields are made of, as data.

A :class:`~trapode.PenningTrap` is a sum of terms: the electrostatic potential
is the quadrupole plus any multipoles, ellipticity, the report's voltage drive
and user potentials; the magnetic field is the uniform field (tilted or not)
plus the bottle and any user fields. This module describes each term and the
named parameters it takes; :mod:`trapode.physics.fields` gives each its
symbolic form. Values are not part of a term: they are run-time parameters,
so a trap with another C4 compiles nothing.

User terms are written as text (read by :mod:`trapode.setup.expressions`,
never evaluated) or as SymPy expressions, in the symbols x, y, z (µm) and t
(µs) and their own named parameters.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .._validate import real, short_repr, warn_outside_package
from ..errors import ConfigError, FieldWarning
from .expressions import COORDINATES, check_parameter_name, check_sympy_expression, parse, to_sympy

if TYPE_CHECKING:
    import sympy as sp

__all__ = ["BuiltinTerm", "MagneticField", "Potential"]


@dataclass(frozen=True)
class BuiltinTerm:
    """One built-in term of a trap's fields; :mod:`trapode.physics.fields` gives its symbolic form.

    Attributes
    ----------
    kind : str
        ``"quadrupole"``, ``"ellipticity"``, ``"multipole"``, ``"drive"``,
        ``"uniform_field"``, ``"tilted_field"`` or ``"bottle"``.
    order : int
        The multipole order k (4 or 6) of a ``"multipole"`` term; 0 otherwise.
    """

    kind: str
    order: int = 0

    @property
    def key(self) -> tuple:
        """Plain data identifying the term's form (not its values)."""
        return (self.kind, self.order)

    @property
    def label(self) -> str:
        """The term in words: ``"multipole C4"``, ``"tilted field"``."""
        return f"multipole C{self.order}" if self.kind == "multipole" else self.kind.replace("_", " ")


def _check_parameters(parameters: dict[str, Any], where: str) -> tuple[tuple[str, float], ...]:
    items = []
    for name, value in parameters.items():
        check_parameter_name(name, where)
        items.append((name, real(f"{where} parameter {name}", value, "a finite number")))
    return tuple(sorted(items))


def _read(expression: Any, names: tuple[str, ...], where: str) -> tuple[tuple[str, str], frozenset[str]]:
    """(key, names used) of a text or SymPy expression: the key is its canonical text, whichever form it came in."""
    if isinstance(expression, str):
        parsed = parse(expression, names, where)
    else:
        parsed = check_sympy_expression(expression, names, where)
    return ("text", parsed.canonical), parsed.names


def _check_all_used(names: tuple[str, ...], used: frozenset, where: str) -> None:
    unused = sorted(set(names) - set(used))
    if unused:
        raise ConfigError(
            f"{where}: parameter(s) {', '.join(map(repr, unused))} are declared but not used in the expression; "
            "check the spelling."
        )


def sympy_form(expression: Any, symbols: dict) -> sp.Expr:
    """A user expression (text or SymPy) in the given symbols, by name."""
    if isinstance(expression, str):
        return to_sympy(parse(expression, tuple(name for name in symbols if name not in COORDINATES)), symbols)
    return expression.xreplace({symbol: symbols[symbol.name] for symbol in expression.free_symbols})


# Points where a user term is evaluated: inside any trap, at any time.
_SAMPLES = [{name: random.Random(seed).uniform(-100.0, 100.0) for name in COORDINATES} for seed in range(5)]


def _numbers(expression: sp.Expr, symbols: dict, values: dict) -> list[complex]:
    """The expression, its parameters set to their values, at the sample points, in complex floats.

    Floats, not SymPy's arbitrary precision: ``exp(exp(exp(x)))`` would take
    mpmath minutes; in floats it overflows to inf at once, and the caller
    refuses it. NaN stands for a value that cannot be computed.
    """
    import numpy as np
    import sympy as sp

    coordinates = [symbols[name] for name in COORDINATES]
    points = np.array([[point[name] for point in _SAMPLES] for name in COORDINATES], dtype=complex)
    try:
        function = sp.lambdify(coordinates, expression.xreplace(values), modules="numpy")
        with np.errstate(all="ignore"):
            numbers = np.broadcast_to(np.asarray(function(*points), dtype=complex), (len(_SAMPLES),))
    except Exception:  # e.g. zoo from 1/(x - x), which lambdify cannot print: it has no value
        return [complex(math.nan, 0.0)] * len(_SAMPLES)
    return [complex(number) for number in numbers]


def _sums_to_zero(parts: list, symbols: dict, values: dict) -> bool:
    """Whether the sum of ``parts`` (e.g. the three second derivatives of Φ) vanishes identically.

    Exactly, with the parameters as symbols, where expanding the sum gives
    zero; otherwise at sample points, where it must cancel to 1e-9 of the size
    of its parts (floats in the expression leave rounding of that order).
    Never :func:`sympy.simplify`, which can take minutes on short input.
    """
    import sympy as sp

    if sp.expand(sp.Add(*parts)) == 0:
        return True
    evaluated = [_numbers(part, symbols, values) for part in parts]
    for point in zip(*evaluated, strict=True):
        total, size = abs(sum(point)), sum(abs(number) for number in point)
        if not math.isfinite(size) or total > 1e-9 * size:
            return False
    return True


def _check_finite(expression: sp.Expr, symbols: dict, values: dict, where: str, shown: Any) -> None:
    """Refuse a term that is not a finite real number at the sample points (e.g. 1/(x - x), sqrt(-1 - x**2))."""
    for number in _numbers(expression, symbols, values):
        if not (math.isfinite(abs(number)) and abs(number.imag) <= 1e-12 * max(abs(number.real), 1e-300)):
            value = number.real if number.imag == 0 else number
            raise ConfigError(
                f"{where} {short_repr(shown)} is not a finite real number everywhere (it is {value:.6g} at "
                "a point inside the trap)."
            )


class _UserTerm:
    """What the user terms share: named parameter values and the key of their expressions."""

    kind: ClassVar[str]
    parameters: tuple
    _key: tuple

    @property
    def parameter_values(self) -> dict[str, float]:
        """The parameters as a dictionary."""
        return dict(self.parameters)

    @property
    def key(self) -> tuple:
        """Plain data identifying the expressions (not the parameter values)."""
        return (self.kind, self._key, tuple(name for name, _ in self.parameters))

    @property
    def label(self) -> str:
        """The term in words: ``"user potential"``."""
        return "user " + self.kind.replace("_", " ")

    def _symbols(self) -> tuple[dict, dict]:
        """SymPy symbols of the coordinates and parameters by name, and each parameter's value."""
        import sympy as sp

        symbols = {name: sp.Symbol(name, real=True) for name in (*COORDINATES, *dict(self.parameters))}
        return symbols, {symbols[name]: sp.Float(value) for name, value in self.parameters}

    def _content(self) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        values = "".join(f", {name}={value!r}" for name, value in self.parameters)
        return f"{type(self).__name__}({short_repr(self._content())}{values})"


@dataclass(frozen=True, init=False, repr=False)
class Potential(_UserTerm):
    """A user term of the electrostatic potential, in volts.

    Parameters
    ----------
    expression : str or sympy.Expr
        The potential Φ in volts as a function of x, y, z (µm) and t (µs) and
        of the parameters. Text is read by a safe parser (numbers, the
        coordinates, ``pi``, the parameters, ``+ - * / **`` and the functions
        sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, tanh, exp, log,
        sqrt); a SymPy expression may use symbols of these names with any
        assumptions.
    **parameters : float
        The value of every parameter the expression uses. Each is a run-time
        value: another value compiles nothing.

    Warns
    -----
    FieldWarning
        If Φ does not satisfy Laplace's equation (it is then not a vacuum field).

    Examples
    --------
    >>> import trapode
    >>> extra = trapode.Potential("C * V0 / d**4 * (8*z**4 - 24*z**2*(x**2 + y**2) + 3*(x**2 + y**2)**2) / 8",
    ...                           C=1e-4, V0=0.025, d=500.0)
    >>> extra.parameter_values
    {'C': 0.0001, 'V0': 0.025, 'd': 500.0}
    """

    expression: Any = field(compare=False)  # equal terms: the same canonical text and parameter values
    parameters: tuple
    _key: tuple = field(init=False, repr=False)

    def __init__(self, expression: Any, /, **parameters: float):
        where = "Potential"
        items = _check_parameters(parameters, where)
        names = tuple(name for name, _ in items)
        key, used = _read(expression, names, where)
        _check_all_used(names, used, where)
        object.__setattr__(self, "expression", expression)
        object.__setattr__(self, "parameters", items)
        object.__setattr__(self, "_key", key)
        self._warn_if_not_harmonic()

    kind = "potential"

    def _content(self) -> Any:
        return self.expression

    def _warn_if_not_harmonic(self) -> None:
        import sympy as sp

        symbols, values = self._symbols()
        phi = sympy_form(self.expression, symbols)
        _check_finite(phi, symbols, values, "Potential", self.expression)
        second_derivatives = [sp.diff(phi, symbols[name], 2) for name in "xyz"]
        if not _sums_to_zero(second_derivatives, symbols, values):
            laplacian = sp.N(sp.expand(sp.Add(*second_derivatives)).xreplace(values), 6)
            warn_outside_package(
                f"Potential {short_repr(self.expression)} does not satisfy Laplace's equation "
                f"(∇²Φ = {short_repr(laplacian)} V/µm²): it is not a vacuum field.",
                FieldWarning,
            )


@dataclass(frozen=True, init=False, repr=False)
class MagneticField(_UserTerm):
    """A user term of the magnetic field, in tesla.

    Parameters
    ----------
    components : sequence of 3 str or sympy.Expr
        ``(B_x, B_y, B_z)`` in tesla as functions of x, y, z (µm) and t (µs)
        and of the parameters, read as for :class:`Potential`.
    **parameters : float
        The value of every parameter the components use.

    Raises
    ------
    ConfigError
        If the divergence of the field is not zero (no magnetic field has one).

    Examples
    --------
    >>> import trapode
    >>> trapode.MagneticField(("b * y", "b * x", "0"), b=1e-7).parameter_values
    {'b': 1e-07}
    """

    components: tuple = field(compare=False)  # equal terms: the same canonical texts and parameter values
    parameters: tuple
    _key: tuple = field(init=False, repr=False)

    def __init__(self, components: Any, /, **parameters: float):
        where = "MagneticField"
        if isinstance(components, str) or not isinstance(components, (list, tuple)) or len(components) != 3:
            raise ConfigError(
                f"MagneticField components must be a sequence of 3 expressions (B_x, B_y, B_z in tesla), "
                f"got {short_repr(components)}."
            )
        items = _check_parameters(parameters, where)
        names = tuple(name for name, _ in items)
        keys: list[tuple] = []
        used: frozenset = frozenset()
        for axis, component in zip("xyz", components, strict=True):
            key, names_used = _read(component, names, f"{where} B_{axis}")
            keys.append(key)
            used |= names_used
        _check_all_used(names, used, where)
        object.__setattr__(self, "components", tuple(components))
        object.__setattr__(self, "parameters", items)
        object.__setattr__(self, "_key", tuple(keys))
        self._check_divergence()

    kind = "magnetic_field"

    def _content(self) -> Any:
        return self.components

    def _check_divergence(self) -> None:
        import sympy as sp

        symbols, values = self._symbols()
        field = [sympy_form(component, symbols) for component in self.components]
        for component in field:
            _check_finite(component, symbols, values, "MagneticField", self.components)
        partials = [sp.diff(component, symbols[name]) for component, name in zip(field, "xyz", strict=True)]
        if not _sums_to_zero(partials, symbols, values):
            divergence = sp.N(sp.expand(sp.Add(*partials)).xreplace(values), 6)
            raise ConfigError(
                f"MagneticField {short_repr(self.components)} has divergence ∇·B = {short_repr(divergence)} T/µm; "
                "a magnetic field must have ∇·B = 0."
            )
        if any(symbols["t"] in component.free_symbols for component in field):
            warn_outside_package(
                f"MagneticField {short_repr(self.components)} changes in time; the electric field it induces "
                "(Faraday's law) is not included: add it as a Potential if it matters.",
                FieldWarning,
            )
