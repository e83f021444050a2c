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
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from .._validate import real, short_repr
from ..errors import ConfigError, FieldWarning
from .expressions import COORDINATES, check_parameter_name, check_sympy_expression, parse, to_sympy

if TYPE_CHECKING:
    import sympy as sp

__all__ = [
    "TERM_PARAMETERS",
    "BuiltinTerm",
    "MagneticField",
    "Potential",
]

#: Parameters of the built-in terms, by term kind (paths into PenningTrap).
TERM_PARAMETERS = {
    "quadrupole": ("V0", "d"),
    "ellipticity": ("V0", "d", "ellipticity"),
    "multipole": ("V0", "d"),  # plus "C4" or "C6", named by the order
    "drive": ("drive.amplitude", "drive.omega"),
    "uniform_field": ("B0",),
    "tilted_field": ("B0", "tilt", "tilt_azimuth"),
    "bottle": ("B2",),
}


@dataclass(frozen=True)
class BuiltinTerm:
    """One built-in term of a trap's fields.

    Attributes
    ----------
    kind : str
        A key of :data:`TERM_PARAMETERS`.
    order : int
        The multipole order k (4 or 6) of a ``"multipole"`` term; 0 otherwise.
    """

    kind: str
    order: int = 0

    @property
    def parameters(self) -> tuple[str, ...]:
        """Paths of the parameters the term uses."""
        extra = (f"C{self.order}",) if self.kind == "multipole" else ()
        return TERM_PARAMETERS[self.kind] + extra

    @property
    def key(self) -> tuple:
        """Plain data identifying the term's form (not its values)."""
        return (self.kind, self.order)


def _check_parameters(parameters: dict[str, Any], where: str) -> tuple[tuple[str, float], ...]:
    items = []
    for name, value in parameters.items():
        check_parameter_name(name, where)
        items.append((name, real(f"{where} parameter {name}", value, "a finite number")))
    return tuple(sorted(items))


def _read(expression: Any, names: tuple[str, ...], where: str) -> tuple[tuple[str, str], frozenset[str]]:
    """(canonical key, names used) of a text or SymPy expression."""
    if isinstance(expression, str):
        parsed = parse(expression, names, where)
        return ("text", parsed.canonical), parsed.names
    used = check_sympy_expression(expression, names, where)
    import sympy as sp

    return ("sympy", sp.srepr(expression)), used


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


def _vanishes(expression: sp.Expr, symbols: dict) -> bool:
    """Whether a SymPy expression in the coordinates is identically zero.

    Polynomials are decided exactly by expanding them; other expressions by
    :func:`sympy.simplify`, and where that cannot tell, at random points, where
    the sum must cancel to 1e-9 of the size of its terms.
    """
    import sympy as sp

    expanded = sp.expand(expression)
    coordinates = [symbols[name] for name in COORDINATES]
    if expanded == 0:
        return True
    if expanded.is_polynomial(*coordinates):
        return False
    if sp.simplify(expanded) == 0:
        return True
    generator = random.Random(0)
    terms = sp.Add.make_args(expanded)
    for _ in range(5):
        point = {symbol: generator.uniform(-100.0, 100.0) for symbol in coordinates}
        values = [complex(sp.N(term.xreplace(point))) for term in terms]
        total, size = abs(sum(values)), sum(abs(value) for value in values)
        if not math.isfinite(size) or total > 1e-9 * size:
            return False
    return True


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

    expression: Any
    parameters: tuple
    _key: tuple = field(init=False, repr=False, compare=False)

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
        phi = sympy_form(self.expression, symbols).xreplace(values)
        laplacian = sum(sp.diff(phi, symbols[name], 2) for name in "xyz")
        if not _vanishes(laplacian, symbols):
            warnings.warn(
                f"Potential {short_repr(self.expression)} does not satisfy Laplace's equation "
                f"(∇²Φ = {short_repr(sp.N(sp.simplify(laplacian), 6))} V/µm²): it is not a vacuum field.",
                FieldWarning,
                stacklevel=3,
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

    components: tuple
    parameters: tuple
    _key: tuple = field(init=False, repr=False, compare=False)

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
        field = [sympy_form(component, symbols).xreplace(values) for component in self.components]
        divergence = sum(sp.diff(component, symbols[name]) for component, name in zip(field, "xyz", strict=True))
        if not _vanishes(divergence, symbols):
            raise ConfigError(
                f"MagneticField {short_repr(self.components)} has divergence "
                f"∇·B = {short_repr(sp.N(sp.simplify(divergence), 6))} T/µm; a magnetic field must have ∇·B = 0."
            )
