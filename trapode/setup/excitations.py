"""Excitations: fields that ion-trap physicists switch on to drive a motion, as validated data.

Each excitation is one term of the trap's potential, ``cos(ω t + φ)`` times a
fixed spatial form, switched on for ``start ≤ t < start + duration``
(:doc:`excitations`; Blaum, Phys. Rep. 425, 1 (2006)):

- :class:`DipoleExcitation`: a uniform field ``E = E0 cos(ωt + φ) ê`` (V/m),
  which drives a mode at its own frequency (ωz, ω₊ or ω₋);
- :class:`QuadrupoleExcitation`: the azimuthal quadrupole
  ``E = g0 cos(ωt + φ) (x, −y, 0)`` (V/m²), which at ωc = ω₊ + ω₋ converts
  magnetron into cyclotron motion (TOF-ICR, PI-ICR, buffer-gas centering);
- :class:`VoltageModulation`: the report's drive with a phase and a time
  window, ``V0 → V0 (1 + f cos(ωt + φ))`` on every electrode term.

Values are run-time parameters of the compiled model, by path
(``"excitations[0].omega"``), so another frequency or amplitude compiles
nothing and :func:`trapode.scan` can vary any of them. :mod:`trapode.physics.fields`
gives each its symbolic form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .._validate import real, vector3
from ..errors import ConfigError

__all__ = ["DipoleExcitation", "Excitation", "QuadrupoleExcitation", "VoltageModulation"]


def _window(name: str, start: Any, duration: Any) -> tuple[float, float]:
    start = real(f"{name}.start", start, "a finite time ≥ 0 in µs", minimum=0.0)
    if isinstance(duration, (int, float)) and not isinstance(duration, bool) and duration == math.inf:
        return start, math.inf
    return start, real(
        f"{name}.duration", duration, "a positive duration in µs (or math.inf)", minimum=0.0, strict=True
    )


@dataclass(frozen=True)
class Excitation:
    """What every excitation has: an amplitude, an angular frequency, a phase and a time window.

    Subclasses say what the amplitude multiplies; see the module docstring.
    """

    amplitude: float
    omega: float
    phase: float = 0.0
    start: float = field(default=0.0, kw_only=True)
    duration: float = field(default=math.inf, kw_only=True)

    #: The term's kind in the model and in files (``"dipole"``, ``"quadrupole"``, ``"voltage"``).
    kind: ClassVar[str] = ""
    #: What the amplitude is, in words with its unit.
    amplitude_unit: ClassVar[str] = ""

    def __post_init__(self) -> None:
        name = type(self).__name__
        amplitude = real(
            f"{name}.amplitude", self.amplitude, f"a finite amplitude ≥ 0 in {self.amplitude_unit}", minimum=0.0
        )
        omega = real(
            f"{name}.omega", self.omega, "a positive finite angular frequency in rad/µs", minimum=0.0, strict=True
        )
        phase = real(f"{name}.phase", self.phase, "a finite phase in rad")
        start, duration = _window(name, self.start, self.duration)
        for attribute, value in (("amplitude", amplitude), ("omega", omega), ("phase", phase)):
            object.__setattr__(self, attribute, value)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "duration", duration)

    @property
    def end(self) -> float:
        """``start + duration`` in µs: the excitation is on for ``start ≤ t < end``."""
        return self.start + self.duration

    @property
    def parameters(self) -> tuple[tuple[str, float], ...]:
        """The run-time parameters by name (relative to the excitation's path), in the user's units."""
        return (
            ("amplitude", self.amplitude),
            ("omega", self.omega),
            ("phase", self.phase),
            ("start", self.start),
            ("duration", self.duration),
        )

    @property
    def key(self) -> tuple:
        """Plain data identifying the term's form (not its values)."""
        return ("excitation", self.kind)

    @property
    def label(self) -> str:
        """The term in words: ``"dipole excitation"``."""
        return f"{self.kind} excitation"


@dataclass(frozen=True)
class DipoleExcitation(Excitation):
    """A uniform oscillating field ``E = E0 cos(ω t + φ) ê``, on for ``start ≤ t < start + duration``.

    At ω = ωz along z it drives the axial motion, whose amplitude grows from
    rest as ``ρz(t) = q E0 t / (2 m ωz)`` (Blaum, Phys. Rep. 425, 1 (2006));
    at ω± in the radial plane it drives the radial modes.

    Parameters
    ----------
    amplitude : float
        E0 in V/m (≥ 0).
    omega : float
        Angular frequency ω in rad/µs (> 0).
    phase : float
        φ in rad. Default 0.
    direction : sequence of 3 float
        The direction ê of the field; normalised (not zero). Default (0, 0, 1).
    start : float
        When it is switched on, in µs (≥ 0). Default 0.
    duration : float
        How long it stays on, in µs (> 0, or ``math.inf``, the default: for ever).

    Examples
    --------
    >>> import trapode
    >>> dip = trapode.DipoleExcitation(amplitude=0.5, omega=0.6939, direction=(0, 0, 2), duration=100.0)
    >>> dip.direction
    (0.0, 0.0, 1.0)
    """

    direction: tuple = field(default=(0.0, 0.0, 1.0), kw_only=True)

    kind: ClassVar[str] = "dipole"
    amplitude_unit: ClassVar[str] = "V/m"

    def __post_init__(self) -> None:
        super().__post_init__()
        direction: tuple[float, ...] = vector3(
            "DipoleExcitation.direction", self.direction, "any unit (it is normalised)"
        )
        norm = math.hypot(*direction)
        if not norm > 0 or not math.isfinite(norm):
            raise ConfigError(
                f"DipoleExcitation.direction must be a finite vector that is not zero, got {direction!r}."
            )
        # A unit vector is kept as it is: dividing by its norm (1 ± 1 ulp) would change it at each round trip.
        if abs(norm - 1.0) > 1e-15:
            direction = tuple(component / norm for component in direction)
        object.__setattr__(self, "direction", direction)

    @property
    def parameters(self) -> tuple[tuple[str, float], ...]:
        """As :attr:`Excitation.parameters`, and the components of ê as ``direction[0..2]``."""
        return (*super().parameters, *((f"direction[{axis}]", self.direction[axis]) for axis in range(3)))


@dataclass(frozen=True)
class QuadrupoleExcitation(Excitation):
    """The azimuthal quadrupole ``E = g0 cos(ω t + φ) (x, −y, 0)``, on for ``start ≤ t < start + duration``.

    At ω = ωc = ω₊ + ω₋ it couples the magnetron and cyclotron motions: with
    ``k0 = q g0 / (m (ω₊ − ω₋))`` a pulse of length T = π/k0 turns a pure
    magnetron orbit into a cyclotron orbit of the same radius (König et al.,
    Int. J. Mass Spectrom. Ion Proc. 142, 95 (1995)).

    Parameters
    ----------
    amplitude : float
        g0 in V/m² (≥ 0).
    omega : float
        Angular frequency ω in rad/µs (> 0).
    phase : float
        φ in rad. Default 0.
    start, duration : float
        The time window in µs, as for :class:`DipoleExcitation`.

    Examples
    --------
    >>> import trapode
    >>> quad = trapode.QuadrupoleExcitation(amplitude=1.4e4, omega=2.4075, duration=200.0)
    >>> quad.end
    200.0
    """

    kind: ClassVar[str] = "quadrupole"
    amplitude_unit: ClassVar[str] = "V/m²"


@dataclass(frozen=True)
class VoltageModulation(Excitation):
    """The report's drive with a phase and a time window: ``V0 → V0 (1 + f cos(ω t + φ))`` while on.

    Every electrode term (quadrupole, multipoles, ellipticity) scales with the
    voltage. :class:`trapode.Drive` is the same modulation, always on, with φ = 0.

    Parameters
    ----------
    amplitude : float
        Relative amplitude f (dimensionless, ≥ 0).
    omega : float
        Angular frequency in rad/µs (> 0).
    phase : float
        φ in rad. Default 0.
    start, duration : float
        The time window in µs, as for :class:`DipoleExcitation`.
    """

    kind: ClassVar[str] = "voltage"
    amplitude_unit: ClassVar[str] = "units of V0 (dimensionless)"

    @property
    def label(self) -> str:
        return "voltage modulation"


#: The excitation classes by their kind, for files.
EXCITATION_KINDS: dict[str, type[Excitation]] = {
    kind.kind: kind for kind in (DipoleExcitation, QuadrupoleExcitation, VoltageModulation)
}
