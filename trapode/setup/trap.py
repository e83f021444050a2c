"""The trap: its electrodes, its magnetic field and their imperfections, as validated data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import units
from .._validate import choice, instance, real, sequence_of
from .excitations import Excitation
from .fields import BuiltinTerm, MagneticField, Potential

if TYPE_CHECKING:
    from ..linear import TrapFrequencies
    from .particles import Particle

__all__ = ["Drive", "PenningTrap"]


@dataclass(frozen=True)
class Drive:
    """The report's modulation of the trap voltage.

    Every electrode term (the quadrupole, the multipoles, the ellipticity)
    scales with the voltage, which becomes ``V0 (1 + amplitude cos(omega t))``
    (report eq. 27).

    Parameters
    ----------
    amplitude : float
        Relative amplitude f of the modulation (dimensionless, ≥ 0).
    omega : float
        Angular frequency ωV of the modulation in rad/µs (> 0).
    """

    amplitude: float
    omega: float

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "amplitude",
            real("Drive.amplitude", self.amplitude, "a finite number ≥ 0 (dimensionless)", minimum=0.0),
        )
        object.__setattr__(
            self,
            "omega",
            real("Drive.omega", self.omega, "a positive finite angular frequency in rad/µs", minimum=0.0, strict=True),
        )


@dataclass(frozen=True)
class PenningTrap:
    """A Penning trap: any quadratic trap with its common imperfections, and user terms.

    The electrostatic potential is (:doc:`traps`, with ϑ the polar angle from z
    and Pₖ the Legendre polynomials)

    ``Φ = V0/(2d²) [2z² − (1+ε) x² − (1−ε) y²] + V0 Σ_{k=4,6} Ck (r/d)ᵏ Pₖ(cos ϑ) + Σ user potentials``

    and the magnetic field is

    ``B = B0 (sin θ cos φ, sin θ sin φ, cos θ) + B2 [(z² − ρ²/2) ẑ − z ρ ρ̂] + Σ user fields``

    with θ = ``tilt`` and φ = ``tilt_azimuth``. Outside the sphere ``|r| ≥ d``
    every external field vanishes (the escape rule). A term whose coefficient
    is zero is left out of the compiled model; all values are run-time
    parameters, so another value of a term that is present compiles nothing.

    Parameters
    ----------
    B0 : float
        Magnetic flux density in tesla. Default 1.0 T.
    V0 : float
        Electrode voltage in volt. Default 0.025 V. Ions of charge q are
        confined axially when q V0 > 0 (an antiproton needs V0 < 0).
    d : float
        Characteristic dimension in µm (> 0). Default 500 µm.
    drive : Drive, optional
        The report's modulation of the voltage; ``None`` (default) for a static trap.
    C4, C6 : float
        Octupole and dodecapole coefficients (dimensionless). Default 0.
    B2 : float
        Magnetic bottle strength in T/m². Default 0.
    tilt : float
        Angle θ between B and the trap axis z in rad. Default 0.
    tilt_azimuth : float
        Azimuth φ of the tilt in rad, from the x axis. Default 0.
    ellipticity : float
        Ellipticity ε of the ring electrode (dimensionless). Default 0.
    potentials : sequence of Potential
        User terms of the potential (volts).
    magnetic_fields : sequence of MagneticField
        User terms of the magnetic field (tesla).
    excitations : sequence of Excitation
        Fields switched on to drive the motion: :class:`~trapode.DipoleExcitation`,
        :class:`~trapode.QuadrupoleExcitation`, :class:`~trapode.VoltageModulation`,
        any number at once. Their values are run-time parameters, by path
        (``"excitations[0].omega"``).
    constants : {"codata", "report"}
        The unit factors (:mod:`trapode.units`): CODATA (default) or the
        report's rounded digits, for digit-for-digit comparison with it.

    Examples
    --------
    >>> import trapode
    >>> trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    >>> ion = trapode.Particle(species="40Ca+")
    >>> round(trap.frequencies(ion).omega_z, 4)
    0.6949
    """

    B0: float = 1.0
    V0: float = 0.025
    d: float = 500.0
    drive: Drive | None = field(default=None, kw_only=True)
    C4: float = field(default=0.0, kw_only=True)
    C6: float = field(default=0.0, kw_only=True)
    B2: float = field(default=0.0, kw_only=True)
    tilt: float = field(default=0.0, kw_only=True)
    tilt_azimuth: float = field(default=0.0, kw_only=True)
    ellipticity: float = field(default=0.0, kw_only=True)
    potentials: tuple = field(default=(), kw_only=True)
    magnetic_fields: tuple = field(default=(), kw_only=True)
    excitations: tuple = field(default=(), kw_only=True)
    constants: str = field(default="codata", kw_only=True)

    def __post_init__(self) -> None:
        checks = {
            "B0": "a finite magnetic field in tesla",
            "V0": "a finite voltage in volt",
            "C4": "a finite coefficient (dimensionless)",
            "C6": "a finite coefficient (dimensionless)",
            "B2": "a finite bottle strength in T/m²",
            "tilt": "a finite angle in rad",
            "tilt_azimuth": "a finite angle in rad",
            "ellipticity": "a finite number (dimensionless)",
        }
        for name, expected in checks.items():
            object.__setattr__(self, name, real(f"PenningTrap.{name}", getattr(self, name), expected))
        object.__setattr__(
            self,
            "d",
            real(
                "PenningTrap.d",
                self.d,
                # d⁶ normalises the C6 term: it must be a normal float.
                "a length in µm between 1e-30 and 1e30",
                minimum=1e-30,
                maximum=1e30,
            ),
        )
        if self.drive is not None:
            instance("PenningTrap.drive", self.drive, Drive, "a trapode.Drive or None")
        object.__setattr__(
            self, "potentials", sequence_of("PenningTrap.potentials", self.potentials, Potential, "trapode.Potential")
        )
        object.__setattr__(
            self,
            "magnetic_fields",
            sequence_of("PenningTrap.magnetic_fields", self.magnetic_fields, MagneticField, "trapode.MagneticField"),
        )
        object.__setattr__(
            self,
            "excitations",
            sequence_of(
                "PenningTrap.excitations",
                self.excitations,
                Excitation,
                "trapode.DipoleExcitation, QuadrupoleExcitation or VoltageModulation",
            ),
        )
        choice("PenningTrap.constants", self.constants, units.constant_set_names())

    @property
    def units(self) -> units.Constants:
        """The unit factors of :attr:`constants` (:class:`trapode.units.Constants`)."""
        return units.constants(self.constants)

    @property
    def B0_internal(self) -> float:
        """Magnetic flux density in u / (µs e)."""
        return self.B0 * self.units.tesla

    @property
    def V0_internal(self) -> float:
        """Electrode voltage in u µm² / (µs² e)."""
        return self.V0 * self.units.volt

    def summary_rows(self) -> list[tuple[str, str]]:
        """The trap in a few (label, value) rows: the values it was given that are not zero, with units.

        The last row names the unit factors. Shown by ``trapode info`` and, as a table, in notebooks.
        """
        rows = [("B0", f"{self.B0:g} T"), ("V0", f"{self.V0:g} V"), ("d", f"{self.d:g} µm")]
        units_of = {"C4": "", "C6": "", "B2": " T/m²", "tilt": " rad", "tilt_azimuth": " rad", "ellipticity": ""}
        rows += [(name, f"{getattr(self, name):g}{unit}") for name, unit in units_of.items() if getattr(self, name)]
        if self.drive is not None:
            rows += [("drive f", f"{self.drive.amplitude:g}"), ("drive ωV", f"{self.drive.omega:g} rad/µs")]
        for label, terms in (
            ("user potentials", self.potentials),
            ("user magnetic fields", self.magnetic_fields),
            ("excitations", self.excitations),
        ):
            if terms:
                rows.append((label, str(len(terms))))
        rows.append(
            ("unit factors", "CODATA (scipy.constants)" if self.constants == "codata" else "the report's digits")
        )
        return rows

    def summary(self) -> str:
        """:meth:`summary_rows` on one line, ``"B0 = 1 T, V0 = 0.025 V, d = 500 µm; unit factors: …"``."""
        *rows, (_, constants) = self.summary_rows()
        return ", ".join(f"{label} = {value}" for label, value in rows) + f"; unit factors: {constants}"

    def _repr_html_(self) -> str:
        from .._display import html_table

        return html_table("PenningTrap", self.summary_rows())

    def terms(self) -> tuple:
        """The terms of this trap's fields: :class:`~trapode.setup.fields.BuiltinTerm` and user terms.

        This is the one place that decides which terms a trap's model has: a
        built-in imperfection is a term when its coefficient is not zero.
        """
        terms: list[Any] = [BuiltinTerm("quadrupole")]
        if self.ellipticity != 0:
            terms.append(BuiltinTerm("ellipticity"))
        terms += [BuiltinTerm("multipole", order) for order in (4, 6) if getattr(self, f"C{order}") != 0]
        if self.drive is not None:
            terms.append(BuiltinTerm("drive"))
        terms.append(BuiltinTerm("tilted_field" if self.tilt != 0 else "uniform_field"))
        if self.B2 != 0:
            terms.append(BuiltinTerm("bottle"))
        return (*terms, *self.potentials, *self.magnetic_fields, *self.excitations)

    def parameter_values(self) -> dict[str, float]:
        """Every run-time parameter of this trap by its path, in the user's units.

        Paths are attribute names (``"B0"``, ``"C4"``), ``"drive.amplitude"``,
        ``"potentials[0].C"``, ``"magnetic_fields[1].b"``, ``"excitations[0].omega"``, and the unit factors
        ``"constants.tesla"``, ``"constants.volt"``, ``"constants.coulomb"``.
        """
        values = {
            name: getattr(self, name)
            for name in ("B0", "V0", "d", "C4", "C6", "B2", "tilt", "tilt_azimuth", "ellipticity")
        }
        drive = self.drive if self.drive is not None else Drive(0.0, 1.0)
        values.update({"drive.amplitude": drive.amplitude, "drive.omega": drive.omega})
        for kind, terms in (("potentials", self.potentials), ("magnetic_fields", self.magnetic_fields)):
            for index, term in enumerate(terms):
                values.update({f"{kind}[{index}].{name}": value for name, value in term.parameters})
        for index, excitation in enumerate(self.excitations):
            values.update({f"excitations[{index}].{name}": value for name, value in excitation.parameters})
        factors = self.units
        values.update(
            {
                "constants.tesla": factors.tesla,
                "constants.volt": factors.volt,
                "constants.coulomb": factors.coulomb_constant,
            }
        )
        return values

    def frequencies(self, particle: Particle) -> TrapFrequencies:
        """The eigenfrequencies of ``particle``'s motion about the trap centre.

        The exact frequencies of the linearised static trap (the drive and
        time-dependent user terms left out): the eigenvalues ±iω of its 6×6
        linear system. For the ideal trap they are the closed forms
        ω± = [ωc ± √(ωc² − 2ωz²)]/2 and ωz = √(2qV0/(m d²)); with tilt or
        ellipticity they satisfy the invariance theorem ω₊² + ωz² + ω₋² = ωc².

        Parameters
        ----------
        particle : Particle

        Returns
        -------
        TrapFrequencies
            ``omega_plus > omega_minus > 0`` and ``omega_z``, in rad/µs and Hz,
            and the sense of rotation.

        Raises
        ------
        ConfigError
            If the trap does not confine the particle (see :meth:`confinement_problems`).
        """
        from ..linear import trap_frequencies
        from .particles import Particle

        instance("particle", particle, Particle, "a trapode.Particle")
        return trap_frequencies(self, particle)

    def confinement_problems(self, particle: Particle) -> list[str]:
        """Say why this trap cannot confine ``particle``, if it cannot; an empty list if it can.

        For a trap with B along z and no ellipticity the criteria are those of
        the report, for either sign of charge: axial confinement needs q V0 > 0
        and radial confinement ωc² ≥ 2ωz², i.e. ``|q|/m ≥ 4 |V0| / (B0² d²)``.
        Otherwise the linearised motion about the centre must have no growing mode.
        """
        from ..linear import confinement_problems

        return confinement_problems(self, particle)
