"""Particle species by name: charge and mass from maintained tables, never typed in.

Two kinds of name are understood:

- elementary particles: ``"electron"``, ``"positron"``, ``"proton"``,
  ``"antiproton"``, ``"deuteron"`` and ``"alpha"``, with masses from CODATA
  (:mod:`scipy.constants`);
- atomic ions written as mass number, element symbol and charge:
  ``"40Ca+"``, ``"9Be+"``, ``"133Cs+"``, ``"40Ca2+"`` (or ``"40Ca++"``),
  ``"1H-"``, or ``"40Ca"`` for the neutral atom. The mass is the isotope's
  atomic mass (the AME/NIST values of :mod:`periodictable`) minus n electron
  masses for an n-fold positive ion (plus n for a negative one); electron
  binding energies (below 1e-8 u for singly charged light ions) are neglected.

Examples
--------
>>> from trapode.species import species
>>> ion = species("40Ca+")
>>> ion.charge, round(ion.mass, 9)
(1.0, 39.962042271)
>>> species("antiproton").charge
-1.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from scipy import constants as _si

from ._validate import close_matches, short_repr
from .errors import ConfigError

if TYPE_CHECKING:
    from periodictable.core import Element

__all__ = ["ELEMENTARY_PARTICLES", "Species", "species"]

_ELECTRON_MASS = _si.physical_constants["electron mass in u"][0]

#: Elementary particles by name: (charge in e, CODATA key of the mass in u).
ELEMENTARY_PARTICLES = {
    "electron": (-1.0, "electron mass in u"),
    "positron": (1.0, "electron mass in u"),
    "proton": (1.0, "proton mass in u"),
    "antiproton": (-1.0, "proton mass in u"),
    "deuteron": (1.0, "deuteron mass in u"),
    "alpha": (2.0, "alpha particle mass in u"),
}

_ION = re.compile(r"(?P<mass_number>\d{1,3})(?P<symbol>[A-Z][a-z]?)(?P<charge>[1-9]\d?[+-]|[+]+|[-]+)?")
#: Most electrons an atom is taken to bind as a negative ion.
MAX_ANION_CHARGE = 2


@dataclass(frozen=True)
class Species:
    """A kind of particle.

    Attributes
    ----------
    name : str
        The name it was looked up by.
    charge : float
        In elementary charges e.
    mass : float
        In atomic mass units u.
    """

    name: str
    charge: float
    mass: float


def _ionic_charge(text: str | None) -> int:
    if not text:
        return 0
    sign = 1 if text[-1] == "+" else -1
    if set(text) <= {"+", "-"}:
        return sign * len(text)
    return sign * int(text[:-1] or 1)


def _element_names() -> list[str]:
    import periodictable

    return [element.symbol for element in periodictable.elements if element.number > 0]


def _isotope_hint(element: Element) -> str:
    stable = [iso.isotope for iso in element if getattr(iso, "abundance", 0) > 0]
    known = stable or [iso.isotope for iso in element]
    return ", ".join(f"{number}{element.symbol}" for number in known[:8])


def species(name: str) -> Species:
    """Look up a species by name; see the module's documentation for the names.

    Raises
    ------
    ConfigError
        For a name that is neither an elementary particle nor an isotope ion,
        with the close matches (or the isotopes that exist).
    """
    if not isinstance(name, str):
        raise ConfigError(f"species must be a name such as '40Ca+' or 'antiproton', got {short_repr(name)}.")
    return _look_up(name)


@cache
def _look_up(name: str) -> Species:
    key = name.strip()
    if key.lower() in ELEMENTARY_PARTICLES:
        charge, mass_key = ELEMENTARY_PARTICLES[key.lower()]
        return Species(name=name, charge=charge, mass=_si.physical_constants[mass_key][0])
    match = _ION.fullmatch(key)
    if match is None:
        hint = close_matches(key.lower(), ELEMENTARY_PARTICLES) or close_matches(key, ["40Ca+", "9Be+", "133Cs+"])
        raise ConfigError(
            f"species {short_repr(name)} is not known: give an elementary particle "
            f"({', '.join(ELEMENTARY_PARTICLES)}) or an ion as mass number, symbol and charge, "
            f"such as '40Ca+', '9Be+' or '40Ca2+'.{hint}"
        )
    import periodictable

    symbol = match["symbol"]
    try:
        element = periodictable.elements.symbol(symbol)
    except ValueError:
        raise ConfigError(
            f"species {name!r}: {symbol!r} is not an element symbol.{close_matches(symbol, _element_names())}"
        ) from None
    mass_number = int(match["mass_number"])
    try:
        isotope = element[mass_number]
    except KeyError:
        raise ConfigError(
            f"species {name!r}: {element.name} has no isotope with mass number {mass_number} in the table; "
            f"known isotopes include {_isotope_hint(element)}."
        ) from None
    charge = _ionic_charge(match["charge"])
    if charge > element.number:
        raise ConfigError(f"species {name!r}: {element.name} has only {element.number} electrons to lose.")
    if charge < -MAX_ANION_CHARGE:
        raise ConfigError(
            f"species {name!r}: a negative ion with {-charge} extra electrons is not a species trapode knows "
            f"(at most {MAX_ANION_CHARGE}); give q and m yourself if you mean it."
        )
    return Species(name=name, charge=float(charge), mass=float(isotope.mass) - charge * _ELECTRON_MASS)
