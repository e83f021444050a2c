"""First-order frequency shifts of a real trap: the octupole C4, the dodecapole C6 and the magnetic bottle B2.

Each shift is the derivative of the perturbing energy, averaged over the
unperturbed motion, with respect to the action of a mode (first-order
canonical perturbation theory; Ketter et al., Int. J. Mass Spectrom. 358, 1
(2014)). With the potential of :class:`~trapode.PenningTrap`,
``Φ = V0 Σ Ck (r/d)ᵏ Pₖ(cos ϑ)`` (C2 = 1), and the bottle
``B = B0 ẑ + B2 [(z² − ρ²/2) ẑ − z ρ ρ̂]``, the shifts of the mode frequencies
for cyclotron radius ρ₊, magnetron radius ρ₋ and axial amplitude ρz are

C4 (Ketter et al. 2014)
    ``Δω₊ = ¾ (C4/d²) ωz²/(ω₊−ω₋) (ρ₊² + 2ρ₋² − 2ρz²)``,
    ``Δωz = ¾ (C4/d²) ωz (ρz² − 2ρ₊² − 2ρ₋²)``,
    ``Δω₋ = −¾ (C4/d²) ωz²/(ω₊−ω₋) (2ρ₊² + ρ₋² − 2ρz²)``.
C6 (Δωz from Ketter et al. 2014; Δω± derived here the same way)
    ``Δω₊ = (15/16)(C6/d⁴) ωz²/(ω₊−ω₋) [−3ρz⁴ + 6ρz²(ρ₊² + 2ρ₋²) − (ρ₊⁴ + 6ρ₊²ρ₋² + 3ρ₋⁴)]``,
    ``Δωz = (15/16)(C6/d⁴) ωz [ρz⁴ − 6ρz²(ρ₊² + ρ₋²) + 3(ρ₊⁴ + ρ₋⁴ + 4ρ₊²ρ₋²)]``,
    ``Δω₋ = (15/16)(C6/d⁴) ωz²/(ω₊−ω₋) [3ρz⁴ − 6ρz²(2ρ₊² + ρ₋²) + (3ρ₊⁴ + 6ρ₊²ρ₋² + ρ₋⁴)]``.
B2 (Δωz, Δω₊ from Ketter et al. 2014; Δω₋ derived here), with B2/B0 in 1/µm²
    ``Δω₊ = (B2/B0) ωc/(2(ω₊−ω₋)) [ω₊ρz² − ω₊ρ₊² − (ω₊+ω₋)ρ₋²]``,
    ``Δωz = (B2/B0) (ωc/2ωz) (ω₊ρ₊² + ω₋ρ₋²)``,
    ``Δω₋ = (B2/B0) ωc/(2(ω₊−ω₋)) [−ω₋ρz² + ω₋ρ₋² + (ω₊+ω₋)ρ₊²]``.

The derived ones come from averaging ``q V0 Ck (r/d)ᵏ Pₖ`` and, for the
bottle, ``−q v·A₁`` with ``A₁ = B2 ρ (z²/2 − ρ²/8) φ̂`` over the unperturbed
orbit, and differentiating with respect to the actions
``J₊ = ½ m (ω₊−ω₋) ρ₊²``, ``Jz = ½ m ωz ρz²`` and (the magnetron mode's
energy is negative) ``J₋ = −½ m (ω₊−ω₋) ρ₋²``; the same steps give the
formulas taken from Ketter et al. Every formula is checked against simulated
trajectories in ``tests/physics/test_shifts.py``; :doc:`validation` compares
them with simulations over a range of amplitudes.

:func:`invariance_check` evaluates the Brown–Gabrielse invariance theorem
ω₊² + ωz² + ω₋² = ωc², exact for any tilt and ellipticity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ._validate import instance, real
from .errors import ConfigError
from .linear import TrapFrequencies
from .setup.particles import Particle
from .setup.trap import PenningTrap
from .units import InHertz, angular_frequency_to_hz

__all__ = ["FrequencyShifts", "frequency_shifts", "invariance_check"]

#: 1 T/m² in T/µm²: the bottle enters the formulas as B2/B0 in 1/µm².
_PER_SQUARE_METRE = 1e-12

#: The effects, in the order they are computed and shown.
EFFECTS = ("C4", "C6", "B2")

_MODES = (("ω+", "omega_plus"), ("ωz", "omega_z"), ("ω−", "omega_minus"))


@dataclass(frozen=True)
class FrequencyShifts(InHertz):
    """The first-order frequency shifts of a particle's three modes in a real trap.

    Attributes
    ----------
    unperturbed : TrapFrequencies
        The frequencies of the trap without C4, C6 and B2 (those terms have
        no linear part): the exact eigenfrequencies of its linear motion, in
        rad/µs and Hz.
    shifts : Mapping[str, tuple of float]
        ``{"C4": (Δω₊, Δωz, Δω₋), ...}`` in rad/µs, one entry for each of
        ``"C4"``, ``"C6"``, ``"B2"`` whose coefficient is not zero (in that order).
    rho_plus, rho_minus, rho_z : float
        The cyclotron radius ρ₊, the magnetron radius ρ₋ and the axial
        amplitude ρz in µm for which the shifts hold.
    label : str
        The particle's name, for :meth:`table`.

    See Also
    --------
    frequency_shifts : computes them.
    """

    unperturbed: TrapFrequencies
    shifts: Mapping[str, tuple[float, float, float]] = field(hash=False)
    rho_plus: float
    rho_minus: float
    rho_z: float
    label: str = ""

    def total(self) -> tuple[float, float, float]:
        """The sum of all shifts ``(Δω₊, Δωz, Δω₋)`` in rad/µs."""
        sums = [0.0, 0.0, 0.0]
        for shift in self.shifts.values():
            for index in range(3):
                sums[index] += shift[index]
        return sums[0], sums[1], sums[2]

    @property
    def omega_plus(self) -> float:
        """Shifted modified cyclotron frequency ω₊ + ΣΔω₊ in rad/µs."""
        return self.unperturbed.omega_plus + self.total()[0]

    @property
    def omega_z(self) -> float:
        """Shifted axial frequency ωz + ΣΔωz in rad/µs."""
        return self.unperturbed.omega_z + self.total()[1]

    @property
    def omega_minus(self) -> float:
        """Shifted magnetron frequency ω₋ + ΣΔω₋ in rad/µs."""
        return self.unperturbed.omega_minus + self.total()[2]

    def relative(self) -> dict[str, tuple[float, float, float]]:
        """Each effect's shifts relative to the unperturbed frequencies, ``Δω/ω`` (dimensionless)."""
        omegas = [getattr(self.unperturbed, name) for _, name in _MODES]
        return {
            effect: (shift[0] / omegas[0], shift[1] / omegas[1], shift[2] / omegas[2])
            for effect, shift in self.shifts.items()
        }

    def table(self) -> str:
        """A text table: per mode the unperturbed frequency, each shift and the shifted frequency.

        Columns: ω (rad/µs), ν (Hz) and Δω/ω; a shift's row gives Δω and Δν.
        """
        who = f"{self.label}, " if self.label else ""
        lines = [
            f"First-order frequency shifts ({who}ρ+ = {self.rho_plus:g} µm, ρ− = {self.rho_minus:g} µm, "
            f"ρz = {self.rho_z:g} µm)",
            f"{'mode':<5} {'term':<12} {'ω (rad/µs)':>17} {'ν (Hz)':>17} {'Δω/ω':>11}",
        ]
        relative = self.relative()
        for index, (symbol, name) in enumerate(_MODES):
            omega = getattr(self.unperturbed, name)
            lines.append(f"{symbol:<5} {'unperturbed':<12} {omega:17.10e} {angular_frequency_to_hz(omega):17.6f}")
            for effect, shift in self.shifts.items():
                lines.append(
                    f"{'':<5} {effect:<12} {shift[index]:+17.6e} {angular_frequency_to_hz(shift[index]):+17.6e} "
                    f"{relative[effect][index]:+11.3e}"
                )
            shifted = getattr(self, name)
            change = (shifted - omega) / omega
            lines.append(
                f"{'':<5} {'shifted':<12} {shifted:17.10e} {angular_frequency_to_hz(shifted):17.6f} {change:+11.3e}"
            )
        return "\n".join(lines)


def frequency_shifts(
    trap: PenningTrap,
    particle: Particle,
    *,
    rho_plus: float = 0.0,
    rho_minus: float = 0.0,
    rho_z: float = 0.0,
) -> FrequencyShifts:
    """The first-order shifts of ω₊, ωz and ω₋ caused by the trap's C4, C6 and B2, for given mode amplitudes.

    Parameters
    ----------
    trap : PenningTrap
        The trap. Its ``C4``, ``C6`` (dimensionless) and ``B2`` (T/m²) give
        the shifts; ``B0`` (T), ``V0`` (V), ``d`` (µm), the tilt, the
        ellipticity and the linear part of user terms give the unperturbed
        frequencies (:meth:`PenningTrap.frequencies`).
    particle : Particle
        Only its charge and mass are used, not its initial state.
    rho_plus, rho_minus, rho_z : float
        Cyclotron radius ρ₊, magnetron radius ρ₋ and axial amplitude ρz in
        µm (finite, ≥ 0). Default 0.

    Returns
    -------
    FrequencyShifts
        The unperturbed frequencies, each effect's ``(Δω₊, Δωz, Δω₋)`` in
        rad/µs, and the shifted frequencies in rad/µs and Hz.

    Raises
    ------
    ConfigError
        If ``trap`` is not a PenningTrap, ``particle`` not a Particle, a
        radius negative or not finite, the orbit reaches ``|r| ≥ d`` (where
        the trap has no field), or the trap does not confine the particle.

    See Also
    --------
    invariance_check : the Brown–Gabrielse invariance theorem for the unperturbed frequencies.

    Notes
    -----
    The formulas (see :mod:`trapode.shifts` for all nine) are those of
    Ketter et al., Int. J. Mass Spectrom. 358, 1 (2014), in trapode's
    normalisation ``Φ = V0 Σ Ck (r/d)ᵏ Pₖ(cos ϑ)``, C2 = 1 (:doc:`traps`):
    first-order canonical perturbation theory, the perturbing energy averaged
    over the unperturbed motion and differentiated with respect to each mode's
    action. C6's Δω± and B2's Δω₋ were derived here the same way rather than
    taken from the paper; all nine are checked against simulated trajectories
    in the tests (:doc:`validation`).

    They are first order in C4, C6 and B2: shifts of different terms add, and
    second-order terms (C4², C4·B2, ...) are left out. The left-out terms are
    smaller than a shift by a factor of the order of the relative shifts Δω/ω
    themselves: in simulations of C4 alone the error of Δωz was about half of
    Δωz/ωz (0.2 % of the shift at Δωz/ωz = 4e-3, 1.6 % at 3e-2). So first order
    holds to 1 % while the relative shifts stay below about 1.5e-2, to 0.1 %
    below 1.5e-3 (the validation page of the documentation measures it).
    Large amplitudes make large shifts: with radii a sizeable fraction of d
    (ρ ≳ d/3) the relative shifts of even a small C4 are ~1e-3, the orbit
    nears ``|r| = d`` where the trap's field ends, and in a real trap the
    higher multipoles left out of the model (C8, C10, growing as (ρ/d)⁸,
    (ρ/d)¹⁰) are no longer negligible. A shift that nearly cancels
    (e.g. Δωz of C4 near ρz² = 2(ρ₊² + ρ₋²)) is known only to the size of the
    left-out terms.

    The shift formulas assume an axisymmetric trap (B along z, no
    ellipticity). A tilted or elliptic trap is accepted: its unperturbed
    frequencies are then the exact eigenfrequencies of its linear motion, but
    the shifts are those of the axisymmetric trap, good only for a small tilt
    and ellipticity. The anharmonic parts of user potentials and magnetic
    fields, the drive and the excitations are not included.

    Charges of either sign are handled (an electron or antiproton needs
    V0 < 0): the formulas use the magnitudes of the frequencies, with
    ``q V0 = m ωz² d²/2 > 0`` and ``ωc = |q B0|/m``; B2/B0 keeps its sign, so
    a bottle that strengthens ``|B|`` away from the centre raises ωz.

    Examples
    --------
    >>> import trapode
    >>> from trapode.shifts import frequency_shifts
    >>> trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0, C4=1e-3, B2=3e4)
    >>> ion = trapode.Particle(species="40Ca+")
    >>> theory = frequency_shifts(trap, ion, rho_plus=20, rho_minus=50, rho_z=30)
    >>> sorted(theory.shifts)
    ['B2', 'C4']
    >>> round(theory.shifts["C4"][1], 9)  # Δωz of C4 in rad/µs
    -1.0215e-05
    >>> round(theory.nu_z - theory.unperturbed.nu_z, 2)  # total axial shift in Hz
    8.21
    """
    instance("frequency_shifts trap", trap, PenningTrap, "a trapode.PenningTrap")
    instance("frequency_shifts particle", particle, Particle, "a trapode.Particle")
    radii = [
        real(f"frequency_shifts {name}", value, f"{what} in µm (finite, ≥ 0)", minimum=0.0)
        for name, value, what in (
            ("rho_plus", rho_plus, "a cyclotron radius"),
            ("rho_minus", rho_minus, "a magnetron radius"),
            ("rho_z", rho_z, "an axial amplitude"),
        )
    ]
    reach = math.hypot(radii[0] + radii[1], radii[2])
    if reach >= trap.d:
        raise ConfigError(
            f"frequency_shifts: an orbit with rho_plus = {radii[0]:g}, rho_minus = {radii[1]:g} and "
            f"rho_z = {radii[2]:g} µm reaches |r| = {reach:g} µm, which must be < d = {trap.d:g} µm "
            "(outside it the trap has no field)."
        )
    unperturbed = trap.frequencies(particle)
    formulas = {"C4": _octupole, "C6": _dodecapole, "B2": _bottle}
    shifts = {effect: formulas[effect](trap, unperturbed, *radii) for effect in EFFECTS if getattr(trap, effect) != 0}
    return FrequencyShifts(
        unperturbed=unperturbed,
        shifts=MappingProxyType(shifts),
        rho_plus=radii[0],
        rho_minus=radii[1],
        rho_z=radii[2],
        label=particle.label(),
    )


def _octupole(
    trap: PenningTrap, freqs: TrapFrequencies, rho_plus: float, rho_minus: float, rho_z: float
) -> tuple[float, float, float]:
    """C4's (Δω₊, Δωz, Δω₋) in rad/µs (Ketter et al. 2014)."""
    a, b, z = rho_plus**2, rho_minus**2, rho_z**2
    scale = 0.75 * trap.C4 / trap.d**2
    radial = scale * freqs.omega_z**2 / (freqs.omega_plus - freqs.omega_minus)
    return (
        radial * (a + 2 * b - 2 * z),
        scale * freqs.omega_z * (z - 2 * a - 2 * b),
        -radial * (2 * a + b - 2 * z),
    )


def _dodecapole(
    trap: PenningTrap, freqs: TrapFrequencies, rho_plus: float, rho_minus: float, rho_z: float
) -> tuple[float, float, float]:
    """C6's (Δω₊, Δωz, Δω₋) in rad/µs: Δωz from Ketter et al. 2014, Δω± derived (module docstring)."""
    a, b, z = rho_plus**2, rho_minus**2, rho_z**2
    scale = 15 / 16 * trap.C6 / trap.d**4
    radial = scale * freqs.omega_z**2 / (freqs.omega_plus - freqs.omega_minus)
    return (
        radial * (-3 * z * z + 6 * z * (a + 2 * b) - (a * a + 6 * a * b + 3 * b * b)),
        scale * freqs.omega_z * (z * z - 6 * z * (a + b) + 3 * (a * a + b * b + 4 * a * b)),
        radial * (3 * z * z - 6 * z * (2 * a + b) + (3 * a * a + 6 * a * b + b * b)),
    )


def _bottle(
    trap: PenningTrap, freqs: TrapFrequencies, rho_plus: float, rho_minus: float, rho_z: float
) -> tuple[float, float, float]:
    """B2's (Δω₊, Δωz, Δω₋) in rad/µs: Δωz, Δω₊ from Ketter et al. 2014, Δω₋ derived (module docstring)."""
    a, b, z = rho_plus**2, rho_minus**2, rho_z**2
    ratio = trap.B2 * _PER_SQUARE_METRE / trap.B0  # B2/B0 in 1/µm²
    omega_sum = freqs.omega_plus + freqs.omega_minus  # = ωc in the axisymmetric trap
    radial = ratio * freqs.omega_c / (2 * (freqs.omega_plus - freqs.omega_minus))
    return (
        radial * (freqs.omega_plus * z - freqs.omega_plus * a - omega_sum * b),
        ratio * freqs.omega_c / (2 * freqs.omega_z) * (freqs.omega_plus * a + freqs.omega_minus * b),
        radial * (-freqs.omega_minus * z + freqs.omega_minus * b + omega_sum * a),
    )


def invariance_check(trap: PenningTrap, particle: Particle) -> float:
    """The Brown–Gabrielse invariance theorem's residual ``(ω₊² + ωz² + ω₋² − ωc²) / ωc²``.

    The theorem holds exactly for any tilt of B and any ellipticity of the
    quadrupole (Brown & Gabrielse, Phys. Rev. A 25, 2423 (1982); Rev. Mod.
    Phys. 58, 233 (1986)), so the residual of trapode's eigenfrequencies is
    rounding error, ~1e-15. It is what lets ωc be measured in a misaligned
    trap as ``√(ω₊² + ωz² + ω₋²)``.

    Parameters
    ----------
    trap : PenningTrap
    particle : Particle
        Only its charge and mass are used.

    Returns
    -------
    float
        The residual relative to ωc² (dimensionless).

    Raises
    ------
    ConfigError
        If ``trap`` is not a PenningTrap, ``particle`` not a Particle, or the
        trap does not confine the particle.

    Examples
    --------
    >>> import trapode
    >>> from trapode.shifts import invariance_check
    >>> trap = trapode.PenningTrap(tilt=0.05, tilt_azimuth=0.7, ellipticity=0.02)
    >>> abs(invariance_check(trap, trapode.Particle(species="40Ca+"))) < 1e-13
    True
    """
    instance("invariance_check trap", trap, PenningTrap, "a trapode.PenningTrap")
    instance("invariance_check particle", particle, Particle, "a trapode.Particle")
    freqs = trap.frequencies(particle)
    return (freqs.omega_plus**2 + freqs.omega_z**2 + freqs.omega_minus**2 - freqs.omega_c**2) / freqs.omega_c**2
