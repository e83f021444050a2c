"""A particle: charge, mass and initial state; the report's two ions. Clouds as arrays: :mod:`.particle_set`."""

from __future__ import annotations

from dataclasses import dataclass, field

from .._validate import real, short_repr, vector3
from ..errors import ConfigError
from ..species import species as look_up
from ..units import REPORT_CALCIUM_MASS

__all__ = ["Particle", "report_particle_1", "report_particle_2"]


@dataclass(frozen=True)
class Particle:
    """A point charge with its initial state.

    Give either a ``species`` name, from which charge and mass are looked up
    (:mod:`trapode.species`: ``"40Ca+"``, ``"9Be+"``, ``"antiproton"``,
    ``"electron"``, ...), or the charge ``q`` and mass ``m`` themselves.

    Parameters
    ----------
    q : float, optional
        Charge in elementary charges e.
    m : float, optional
        Mass in atomic mass units u (> 0).
    r : sequence of 3 floats
        Initial position in µm. Default: the trap centre.
    v : sequence of 3 floats
        Initial velocity in µm/µs. Default: at rest.
    species : str, optional
        The species' name; then ``q`` and ``m`` must not be given.

    Examples
    --------
    >>> from trapode import Particle
    >>> Particle(q=1, m=40.077, r=(20, 0, 20), v=(0, 25, 0)).r
    (20.0, 0.0, 20.0)
    >>> ion = Particle(species="40Ca+", r=(20, 0, 20))
    >>> ion.q, round(ion.m, 6)
    (1.0, 39.962042)
    """

    # None: from the species. After construction both are always floats.
    q: float = None  # type: ignore[assignment]
    m: float = None  # type: ignore[assignment]
    r: tuple = (0.0, 0.0, 0.0)
    v: tuple = (0.0, 0.0, 0.0)
    species: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if self.species is not None:
            if self.q is not None or self.m is not None:
                raise ConfigError(
                    f"Particle takes either species or q and m, got species={short_repr(self.species)} with "
                    f"q={short_repr(self.q)}, m={short_repr(self.m)}."
                )
            found = look_up(self.species)
            object.__setattr__(self, "q", found.charge)
            object.__setattr__(self, "m", found.mass)
        # q and m are typed float (as they are once built), but are None here when not given.
        elif self.q is None or self.m is None:  # type: ignore[redundant-expr]
            raise ConfigError("Particle needs a species (e.g. species='40Ca+') or both q (e) and m (u).")
        object.__setattr__(self, "q", real("Particle.q", self.q, "a finite charge in e"))
        object.__setattr__(
            self, "m", real("Particle.m", self.m, "a positive finite mass in u", minimum=0.0, strict=True)
        )
        object.__setattr__(self, "r", vector3("Particle.r", self.r, "µm"))
        object.__setattr__(self, "v", vector3("Particle.v", self.v, "µm/µs"))

    @property
    def kind(self) -> tuple:
        """What makes particles alike: ``(species or None, q, m)``; one line per kind in ``trapode info``."""
        return (self.species, self.q, self.m)

    def label(self) -> str:
        """The species' name, or its charge and mass."""
        return self.species if self.species else f"q = {self.q:g} e, m = {self.m:g} u"


def report_particle_1() -> Particle:
    """Particle 1 of the report: Ca⁺ (m = 40.077 u, as it takes it) at (20, 0, 20) µm with (0, 25, 0) µm/µs."""
    return Particle(q=1, m=REPORT_CALCIUM_MASS, r=(20, 0, 20), v=(0, 25, 0))


def report_particle_2() -> Particle:
    """Particle 2 of the report: Ca⁺ (m = 40.077 u) at r0 = (25, 25, 0) µm, v0 = (0, 40, 5) µm/µs."""
    return Particle(q=1, m=REPORT_CALCIUM_MASS, r=(25, 25, 0), v=(0, 40, 5))
