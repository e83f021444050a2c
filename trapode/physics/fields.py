"""The symbolic form of every field term: Φ in volts and B in tesla, in x, y, z (µm) and t (µs).

Each term of :meth:`trapode.PenningTrap.terms` becomes a SymPy expression whose
parameters are symbols (named after their paths into the trap), never
numbers, so that one compiled model serves every value. The sum of the terms
is the trap's field; :mod:`trapode.physics.model` derives E = −∇Φ, the
Lorentz force and the equations of motion from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..setup.excitations import Excitation
from ..setup.fields import BuiltinTerm, MagneticField, Potential, sympy_form

__all__ = ["COORDINATES", "FieldTerms", "multipole_polynomial", "t", "trap_fields", "x", "y", "z"]

x, y, z = sp.symbols("x y z", real=True)
t = sp.Symbol("t", real=True)
#: The coordinate symbols by name, as user expressions use them.
COORDINATES = {"x": x, "y": y, "z": z, "t": t}

# How the built-in parameters print in equations.
_DISPLAY = {
    "B0": "B_0",
    "V0": "V_0",
    "d": "d",
    "C4": "C_4",
    "C6": "C_6",
    "B2": "B_2",
    "tilt": "theta_B",
    "tilt_azimuth": "phi_B",
    "ellipticity": "epsilon",
    "drive.amplitude": "f",
    "drive.omega": "omega_V",
}

#: One µm² in m²: the bottle's B2 is given in T/m².
_SQUARE_MICROMETRE = sp.Rational(1, 10**12)
#: One µm in m: a dipole excitation's E0 is given in V/m, a quadrupole's g0 in V/m².
_MICROMETRE = sp.Rational(1, 10**6)
#: How an excitation's parameters print in equations: E0_X0, omega_X0, phi_X0, t0_X0, tau_X0, e_x_X0.
_EXCITATION_DISPLAY = {
    "amplitude": {"dipole": "E0", "quadrupole": "g0", "voltage": "f"},
    "omega": "omega",
    "phase": "phi",
    "start": "t0",
    "duration": "tau",
    "direction[0]": "e_x",
    "direction[1]": "e_y",
    "direction[2]": "e_z",
}


def parameter_symbol(path: str) -> sp.Symbol:
    """The symbol of a built-in parameter (``"V0"`` prints as ``V_0``, ``"d"`` is positive)."""
    return sp.Symbol(_DISPLAY[path], positive=True) if path == "d" else sp.Symbol(_DISPLAY[path], real=True)


@dataclass
class FieldTerms:
    """A trap's fields as sums of symbolic terms.

    Attributes
    ----------
    potentials : list of (sympy.Expr, bool)
        Each potential term in volts, with whether it belongs to the static
        trap (False for terms that depend on t, such as user excitations).
    magnetic_fields : list of (sympy.Matrix, bool)
        Each magnetic term (3 × 1) in tesla, likewise.
    parameters : dict
        Path → symbol of every parameter the terms use, in a fixed order.
    static : dict
        Substitutions that turn the drive off (its amplitude → 0).
    """

    potentials: list = field(default_factory=list)
    magnetic_fields: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    static: dict = field(default_factory=dict)

    def symbol(self, path: str) -> sp.Symbol:
        """The symbol of a built-in parameter, registered as used."""
        return self.parameters.setdefault(path, parameter_symbol(path))

    @property
    def potential(self) -> sp.Expr:
        """Φ in volts: the sum of every potential term."""
        return sp.Add(*(term for term, _ in self.potentials))

    @property
    def magnetic_field(self) -> sp.Matrix:
        """B in tesla: the sum of every magnetic term."""
        return sum((term for term, _ in self.magnetic_fields), sp.zeros(3, 1))

    def static_potential(self) -> sp.Expr:
        """Φ of the static trap: the drive off and time-dependent user terms left out."""
        return sp.Add(*(term for term, static in self.potentials if static)).xreplace(self.static)

    def static_magnetic_field(self) -> sp.Matrix:
        """B of the static trap."""
        return sum((term for term, static in self.magnetic_fields if static), sp.zeros(3, 1)).xreplace(self.static)


def multipole_polynomial(order: int) -> sp.Expr:
    """``rᵏ Pₖ(cos ϑ)`` as a polynomial in ρ² = x² + y² and z (``cos ϑ = z / r``).

    ρ² is kept as one factor, not expanded into x and y: its derivatives then
    share it, and the compiled field costs a third fewer operations.
    """
    s, rho2 = sp.Symbol("s"), sp.Symbol("rho2")
    legendre = sp.Poly(sp.legendre(order, s), s)
    polynomial = sp.expand(
        sum(
            coefficient * z**power * (rho2 + z**2) ** sp.Rational(order - power, 2)
            for (power,), coefficient in legendre.terms()
        )
    )
    return polynomial.subs(rho2, x**2 + y**2)


def _excitation_symbols(terms: FieldTerms, index: int, excitation: Excitation) -> dict[str, sp.Symbol]:
    """The symbols of excitation ``index``'s parameters by name, registered by path (``excitations[0].omega``)."""
    symbols = {}
    for name, _ in excitation.parameters:
        display = _EXCITATION_DISPLAY[name]
        display = display[excitation.kind] if isinstance(display, dict) else display
        symbol = sp.Symbol(f"{display}_X{index}", real=True)
        terms.parameters[f"excitations[{index}].{name}"] = symbol
        symbols[name] = symbol
    return symbols


def _switched(symbols: dict[str, sp.Symbol]) -> sp.Expr:
    """``cos(ω t + φ)`` while ``start ≤ t < start + duration``, else 0: an excitation's time dependence."""
    start, end = symbols["start"], symbols["start"] + symbols["duration"]
    oscillation = sp.cos(symbols["omega"] * t + symbols["phase"])
    return sp.Piecewise((oscillation, sp.And(t >= start, t < end)), (0, True))


def _voltage(terms: FieldTerms, has_drive: bool, modulations: list[tuple[int, Excitation]]) -> sp.Expr:
    """The electrode voltage: ``V0`` times ``1 + f cos(ωV t)`` with the report's drive, plus each modulation."""
    v0 = terms.symbol("V0")
    factor = sp.Integer(1)
    if has_drive:
        amplitude, omega = terms.symbol("drive.amplitude"), terms.symbol("drive.omega")
        terms.static[amplitude] = 0
        factor += amplitude * sp.cos(omega * t)
    for index, modulation in modulations:
        symbols = _excitation_symbols(terms, index, modulation)
        terms.static[symbols["amplitude"]] = 0
        factor += symbols["amplitude"] * _switched(symbols)
    return v0 * factor


def _excitation_potential(terms: FieldTerms, index: int, excitation: Excitation) -> sp.Expr:
    """Φ in volts of a dipole (``−E0 cos(…) ê·r``) or azimuthal quadrupole (``−(g0/2) cos(…) (x² − y²)``) excitation."""
    symbols = _excitation_symbols(terms, index, excitation)
    amplitude = symbols["amplitude"] * _switched(symbols)
    if excitation.kind == "dipole":
        direction = [symbols[f"direction[{axis}]"] for axis in range(3)]
        return -amplitude * _MICROMETRE * (direction[0] * x + direction[1] * y + direction[2] * z)
    return -amplitude * _MICROMETRE**2 * (x**2 - y**2) / 2


def _add_builtin(terms: FieldTerms, term: BuiltinTerm, voltage: sp.Expr) -> None:
    kind = term.kind
    if kind in ("quadrupole", "ellipticity", "multipole"):
        d = terms.symbol("d")
        if kind == "quadrupole":
            phi = voltage / (2 * d**2) * (2 * z**2 - x**2 - y**2)
        elif kind == "ellipticity":
            phi = -terms.symbol("ellipticity") * voltage / (2 * d**2) * (x**2 - y**2)
        else:
            phi = voltage * terms.symbol(f"C{term.order}") * multipole_polynomial(term.order) / d**term.order
        terms.potentials.append((phi, True))
    elif kind == "uniform_field":
        terms.magnetic_fields.append((sp.Matrix([0, 0, terms.symbol("B0")]), True))
    elif kind == "tilted_field":
        b0, theta, phi_b = terms.symbol("B0"), terms.symbol("tilt"), terms.symbol("tilt_azimuth")
        direction = sp.Matrix([sp.sin(theta) * sp.cos(phi_b), sp.sin(theta) * sp.sin(phi_b), sp.cos(theta)])
        terms.magnetic_fields.append((b0 * direction, True))
    elif kind == "bottle":
        b2 = terms.symbol("B2") * _SQUARE_MICROMETRE
        terms.magnetic_fields.append((b2 * sp.Matrix([-x * z, -y * z, z**2 - (x**2 + y**2) / 2]), True))
    elif kind != "drive":  # the drive is part of the voltage
        raise AssertionError(f"no symbolic form for {term!r}")


def _user_symbols(terms: FieldTerms, kind: str, index: int, term) -> dict:
    label = {"potentials": "P", "magnetic_fields": "M"}[kind]
    symbols = dict(COORDINATES)
    for name, _ in term.parameters:
        symbol = sp.Symbol(f"{name}_{label}{index}", real=True)
        terms.parameters[f"{kind}[{index}].{name}"] = symbol
        symbols[name] = symbol
    return symbols


def trap_fields(trap) -> FieldTerms:
    """The fields of a :class:`~trapode.PenningTrap` as symbolic terms, its values left as symbols."""
    terms = FieldTerms()
    trap_terms = trap.terms()
    excitations = list(enumerate(term for term in trap_terms if isinstance(term, Excitation)))
    voltage = _voltage(
        terms,
        any(isinstance(term, BuiltinTerm) and term.kind == "drive" for term in trap_terms),
        [(index, term) for index, term in excitations if term.kind == "voltage"],
    )
    for term in trap_terms:
        if isinstance(term, BuiltinTerm):
            _add_builtin(terms, term, voltage)
    for index, potential in enumerate(term for term in trap_terms if isinstance(term, Potential)):
        expression = sympy_form(potential.expression, _user_symbols(terms, "potentials", index, potential))
        terms.potentials.append((expression, t not in expression.free_symbols))
    for index, magnetic in enumerate(term for term in trap_terms if isinstance(term, MagneticField)):
        symbols = _user_symbols(terms, "magnetic_fields", index, magnetic)
        vector = sp.Matrix([sympy_form(component, symbols) for component in magnetic.components])
        terms.magnetic_fields.append((vector, t not in vector.free_symbols))
    for index, excitation in excitations:
        if excitation.kind != "voltage":  # a modulation is part of the voltage
            terms.potentials.append((_excitation_potential(terms, index, excitation), False))
    return terms
