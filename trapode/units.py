"""The unit system of trapode, its conversion factors from SI, and the two sets of constants.

Inside the package every quantity is expressed in

========  =====================
length    micrometre (µm)
time      microsecond (µs)
mass      atomic mass unit (u)
charge    elementary charge (e)
========  =====================

so angular frequencies come out in rad/µs. Users give magnetic fields in tesla
and potentials in volts; the compiled model multiplies them by the factors of a
:class:`Constants` set, which is a run-time value (changing it compiles nothing).

Two sets exist. :data:`CODATA` (the default) computes the factors from
:mod:`scipy.constants`; :data:`REPORT` keeps the rounded digits of the student
report, which are 7.9e-7 to 8.9e-7 off (a 0.8 ppm frequency bias), for
digit-for-digit comparison with it.

Examples
--------
>>> from trapode import units
>>> round(units.CODATA.tesla, 6), units.REPORT.tesla
(96.485332, 96.4852558)
>>> units.constants("report") is units.REPORT
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from scipy import constants as _si

__all__ = [
    "CODATA",
    "REPORT",
    "REPORT_CALCIUM_MASS",
    "Constants",
    "angular_frequency_to_hz",
    "constants",
]

_ATOMIC_MASS = _si.physical_constants["atomic mass constant"][0]  # kg


@dataclass(frozen=True)
class Constants:
    """The factors that turn SI quantities into trapode's internal units.

    Attributes
    ----------
    name : str
        ``"codata"`` or ``"report"``.
    tesla : float
        One tesla in u / (µs e): ``e / u · 10⁻⁶``.
    volt : float
        One volt in u µm² / (µs² e): ``e / u``.
    coulomb_constant : float
        Coulomb's constant ``k_e = e² / (4π ε0 u) · 10⁶`` in u µm³ / (µs² e²).
    """

    name: str
    tesla: float
    volt: float
    coulomb_constant: float


#: Factors from CODATA (``scipy.constants``): the default.
CODATA = Constants(
    name="codata",
    tesla=_si.e / _ATOMIC_MASS * 1e-6,
    volt=_si.e / _ATOMIC_MASS,
    coulomb_constant=_si.e**2 / (4 * math.pi * _si.epsilon_0 * _ATOMIC_MASS) * 1e6,
)

#: The student report's rounded factors, for digit-for-digit comparison only.
REPORT = Constants(name="report", tesla=9.64852558e1, volt=9.64852558e7, coulomb_constant=1.38935333e5)

_SETS = {CODATA.name: CODATA, REPORT.name: REPORT}

#: The mass the report gives its Ca⁺ ions, 40.077 u: calcium's natural atomic
#: weight (a ⁴⁰Ca⁺ ion is 39.962 u; use ``Particle(species="40Ca+")`` for it).
REPORT_CALCIUM_MASS = 40.077


def constants(name: str) -> Constants:
    """The constant set called ``name`` (``"codata"`` or ``"report"``).

    Raises
    ------
    KeyError
        For another name; :class:`trapode.PenningTrap` checks the name first.
    """
    return _SETS[name]


def constant_set_names() -> tuple[str, ...]:
    """The names :func:`constants` accepts."""
    return tuple(_SETS)


def angular_frequency_to_hz(omega: float) -> float:
    """An angular frequency in rad/µs as a frequency in Hz: ``ν = ω / 2π · 10⁶``."""
    return omega / (2 * math.pi) * 1e6


class _Omegas(Protocol):
    @property
    def omega_plus(self) -> float: ...
    @property
    def omega_z(self) -> float: ...
    @property
    def omega_minus(self) -> float: ...


class InHertz:
    """``nu_plus``, ``nu_z`` and ``nu_minus`` in Hz from the ``omega_plus``, ``omega_z``, ``omega_minus`` (rad/µs)
    of the class that mixes it in: trap, measured and shifted frequencies alike."""

    @property
    def nu_plus(self: _Omegas) -> float:
        """ω₊ / 2π in Hz."""
        return angular_frequency_to_hz(self.omega_plus)

    @property
    def nu_z(self: _Omegas) -> float:
        """ωz / 2π in Hz."""
        return angular_frequency_to_hz(self.omega_z)

    @property
    def nu_minus(self: _Omegas) -> float:
        """ω₋ / 2π in Hz."""
        return angular_frequency_to_hz(self.omega_minus)
