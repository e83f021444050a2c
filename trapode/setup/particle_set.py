"""Particles as arrays: a whole cloud in four arrays, and random clouds drawn in one call.

A :class:`ParticleSet` holds charge, mass, position and velocity of N
particles as NumPy arrays (and, optionally, each one's species name), so that
a million ions take 64 MB and are made in a fraction of a second. It is also a
read-only sequence of :class:`~trapode.Particle`: ``cloud[3]`` is a Particle,
``len(cloud)`` is N, and everything that takes a list of particles takes it.
:class:`~trapode.SimulationConfig` keeps its particles as one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np

from .._validate import count, real, short_repr
from ..errors import ConfigError
from ..species import species as look_up
from ..units import REPORT_CALCIUM_MASS
from .particles import Particle
from .trap import PenningTrap

__all__ = ["ParticleSet", "as_particle_set", "random_particles"]


def _column(name: str, value: Any, n: int, expected: str, *, positive: bool = False) -> np.ndarray:
    """A float array of shape (n,) from a number or a sequence of n numbers, each finite (and > 0)."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be {expected}: a number or {n} numbers, got {short_repr(value)}.") from None
    if array.ndim == 0:
        array = np.full(n, float(array))
    if array.shape != (n,):
        raise ConfigError(f"{name} must be {expected}: a number or {n} numbers (one per particle), got shape "
                          f"{array.shape}.")  # fmt: skip
    bad = ~np.isfinite(array) | (array <= 0 if positive else False)
    if bad.any():
        index = int(np.argmax(bad))
        raise ConfigError(f"{name}[{index}] must be {expected}, got {float(array[index])!r}.")
    return array


def _vectors(name: str, value: Any, n: int | None, unit: str) -> np.ndarray:
    """A float array of shape (n, 3) of finite numbers (n from the array itself if None)."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        expected = f"an (N, 3) array of finite numbers in {unit}"
        raise ConfigError(f"{name} must be {expected}, got {short_repr(value)}.") from None
    if array.ndim != 2 or array.shape[1] != 3 or (n is not None and array.shape[0] != n):
        wanted = f"({n}, 3)" if n is not None else "(N, 3) with N ≥ 1"
        raise ConfigError(f"{name} must be an array of shape {wanted} in {unit}, got shape {array.shape}.")
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        index = int(np.argmin(finite))
        raise ConfigError(f"{name}[{index}] must be 3 finite numbers in {unit}, got {array[index].tolist()}.")
    return array


class ParticleSet(Sequence[Particle]):
    """N particles as arrays: charge, mass, initial position and velocity (and species names).

    Give either ``species`` (one name for all, or one per particle), from
    which charge and mass are looked up, or ``q`` and ``m`` (a number for all
    or one per particle).

    Parameters
    ----------
    r : array_like, shape (N, 3)
        Initial positions in µm.
    v : array_like, shape (N, 3), optional
        Initial velocities in µm/µs. Default: at rest.
    q : float or array_like, shape (N,), optional
        Charges in e.
    m : float or array_like, shape (N,), optional
        Masses in u (> 0).
    species : str or sequence of str, optional
        Species names (:mod:`trapode.species`), instead of ``q`` and ``m``.

    Attributes
    ----------
    q, m : ndarray, shape (N,)
        Charges (e) and masses (u), read-only.
    r, v : ndarray, shape (N, 3)
        Positions (µm) and velocities (µm/µs), read-only.
    species : ndarray of str, shape (N,)
        Each particle's species name, ``""`` where it was given by q and m.

    Examples
    --------
    >>> import numpy as np, trapode
    >>> cloud = trapode.ParticleSet(r=[[10, 0, 0], [-10, 0, 0]], species="9Be+")
    >>> len(cloud), cloud.q.tolist(), cloud[1].r
    (2, [1.0, 1.0], (-10.0, 0.0, 0.0))
    """

    __slots__ = ("_digest", "m", "q", "r", "species", "v")

    _digest: bytes | None
    q: np.ndarray
    m: np.ndarray
    r: np.ndarray
    v: np.ndarray
    species: np.ndarray

    def __init__(
        self,
        r: Any,
        v: Any = None,
        *,
        q: Any = None,
        m: Any = None,
        species: str | Sequence[str] | None = None,
    ) -> None:
        positions = _vectors("ParticleSet.r", r, None, "µm")
        n = positions.shape[0]
        if n == 0:
            raise ConfigError("ParticleSet.r must hold at least one particle, got none.")
        velocities = np.zeros((n, 3)) if v is None else _vectors("ParticleSet.v", v, n, "µm/µs")
        if species is not None:
            if q is not None or m is not None:
                raise ConfigError(
                    f"ParticleSet takes either species or q and m, got species={short_repr(species)} with "
                    f"q={short_repr(q)}, m={short_repr(m)}."
                )
            names = np.full(n, species) if isinstance(species, str) else np.array(species, dtype=str)
            if names.shape != (n,):
                raise ConfigError(f"ParticleSet.species must be a name or {n} names, got shape {names.shape}.")
            distinct, index = np.unique(names, return_inverse=True)
            found = [look_up(str(name)) for name in distinct]
            charge = np.array([kind.charge for kind in found])[index]
            mass = np.array([kind.mass for kind in found])[index]
        else:
            if q is None or m is None:
                raise ConfigError("ParticleSet needs species (e.g. species='9Be+') or both q (e) and m (u).")
            charge = _column("ParticleSet.q", q, n, "a finite charge in e")
            mass = _column("ParticleSet.m", m, n, "a positive finite mass in u", positive=True)
            names = np.full(n, "")
        self._set(charge, mass, positions, velocities, names)

    def _set(self, q: np.ndarray, m: np.ndarray, r: np.ndarray, v: np.ndarray, species: np.ndarray) -> None:
        for name, array in (("q", q), ("m", m), ("r", r), ("v", v), ("species", species)):
            array = np.ascontiguousarray(array)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        object.__setattr__(self, "_digest", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"ParticleSet is read-only; make a new one instead of setting {name!r}.")

    @classmethod
    def _trusted(cls, q: np.ndarray, m: np.ndarray, r: np.ndarray, v: np.ndarray, species: np.ndarray) -> ParticleSet:
        """A set from arrays that are already checked (no copy of the checks)."""
        made = cls.__new__(cls)
        made._set(q, m, r, v, species)
        return made

    @classmethod
    def from_stored(cls, r: Any, v: Any, q: Any, m: Any, species: Any) -> ParticleSet:
        """The set written to a file: arrays r, v (N, 3), q, m (N,) and species labels (N,; "" for none), checked.

        The arrays are checked as the constructor checks them, and every label
        must name a known species (a ConfigError with the close matches if
        not); the stored q and m are kept as they are.
        """
        checked = cls(r, v, q=q, m=m)
        labels = np.array([name.decode() if isinstance(name, bytes) else name for name in species], dtype=str)
        if labels.shape != checked.q.shape:
            raise ConfigError(f"ParticleSet.species must hold {len(checked)} names, got shape {labels.shape}.")
        for name in set(labels.tolist()) - {""}:
            look_up(name)  # a ConfigError for a name that is not a species
        return cls._trusted(checked.q, checked.m, checked.r, checked.v, labels)

    @classmethod
    def from_particles(cls, particles: Sequence[Particle], name: str = "particles") -> ParticleSet:
        """The set of a sequence of :class:`~trapode.Particle` (each already checked)."""
        for index, particle in enumerate(particles):
            if not isinstance(particle, Particle):
                raise ConfigError(
                    f"{name}[{index}] must be trapode.Particle, got {short_repr(particle)} ({type(particle).__name__})."
                )
        if not len(particles):
            raise ConfigError(f"{name} must hold at least one trapode.Particle, got none.")
        return cls._trusted(
            np.array([p.q for p in particles], dtype=np.float64),
            np.array([p.m for p in particles], dtype=np.float64),
            np.array([p.r for p in particles], dtype=np.float64),
            np.array([p.v for p in particles], dtype=np.float64),
            np.array([p.species or "" for p in particles], dtype=str),
        )

    def __len__(self) -> int:
        return int(self.q.shape[0])

    @overload
    def __getitem__(self, index: int) -> Particle: ...

    @overload
    def __getitem__(self, index: slice) -> ParticleSet: ...

    def __getitem__(self, index: int | slice) -> Particle | ParticleSet:
        if isinstance(index, slice):
            picked = np.arange(len(self))[index]
            if picked.size == 0:
                raise ConfigError(f"ParticleSet[{index}] selects no particle.")
            return self.take(picked)
        n = len(self)
        i = int(index)
        if not -n <= i < n:
            raise IndexError(f"ParticleSet index {index} out of range for {n} particles")
        i %= n
        r, v = tuple(self.r[i].tolist()), tuple(self.v[i].tolist())
        name = str(self.species[i])
        if name:
            return Particle(species=name, r=r, v=v)
        return Particle(q=float(self.q[i]), m=float(self.m[i]), r=r, v=v)

    def __iter__(self) -> Iterator[Particle]:
        for i in range(len(self)):
            yield self[i]

    def take(self, indices: Any) -> ParticleSet:
        """The particles at ``indices`` (an integer array or a boolean mask), as a new set."""
        return ParticleSet._trusted(
            self.q[indices], self.m[indices], self.r[indices], self.v[indices], self.species[indices]
        )

    def with_state(self, r: Any, v: Any) -> ParticleSet:
        """The same particles with positions ``r`` (N, 3) µm and velocities ``v`` (N, 3) µm/µs."""
        n = len(self)
        return ParticleSet._trusted(
            self.q, self.m, _vectors("r", r, n, "µm"), _vectors("v", v, n, "µm/µs"), self.species
        )

    def kinds(self) -> list[np.ndarray]:
        """The indices of the particles of each kind (same species name, q and m), in order of first appearance."""
        table = np.rec.fromarrays([self.species, self.q, self.m])
        _, first, inverse = np.unique(table, return_index=True, return_inverse=True)
        order = np.argsort(first)
        return [np.flatnonzero(inverse.ravel() == kind) for kind in order]

    def _key(self) -> bytes:
        if self._digest is None:  # computed once: the arrays are read-only
            digest = hashlib.sha256()
            for array in (self.q, self.m, self.r, self.v):
                digest.update(array.tobytes())
            digest.update("\0".join(self.species.tolist()).encode())
            object.__setattr__(self, "_digest", digest.digest())
        return self._digest  # type: ignore[return-value]  # set just above

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple)):
            if not all(isinstance(item, Particle) for item in other) or not other:
                return False
            other = ParticleSet.from_particles(other)
        if not isinstance(other, ParticleSet):
            return NotImplemented
        return len(self) == len(other) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        names = sorted(set(self.species.tolist()) - {""})
        what = (
            ", ".join(names)
            if names
            else f"q = {self.q[0]:g} e, m = {self.m[0]:g} u" + (" and others" if len(self.kinds()) > 1 else "")
        )
        return f"ParticleSet({len(self)} particles: {what})"

    def __reduce__(self) -> tuple:
        return (ParticleSet._trusted, (self.q, self.m, self.r, self.v, self.species))


def as_particle_set(name: str, value: Any) -> ParticleSet:
    """A :class:`ParticleSet` from a set, a Particle or a list or tuple of them; else ConfigError naming ``name``."""
    if isinstance(value, ParticleSet):
        return value
    if isinstance(value, Particle):
        return ParticleSet.from_particles([value], name)
    if not isinstance(value, (list, tuple)):
        raise ConfigError(
            f"{name} must be a trapode.ParticleSet or a sequence of trapode.Particle, got {short_repr(value)}."
        )
    return ParticleSet.from_particles(value, name)


def random_particles(
    n: int,
    trap: PenningTrap,
    seed: int | np.random.Generator | None = None,
    *,
    q: float = 1.0,
    m: float = REPORT_CALCIUM_MASS,
    species: str | None = None,
) -> ParticleSet:
    """Draw ``n`` identical ions with random initial states.

    Every Cartesian component of the position (µm) and of the velocity (µm/µs)
    is drawn independently from a normal distribution with mean 0 and
    standard deviation ``0.1 d``, as the report means (its ``randu`` is an
    erratum; see the errata on the documentation's physics page). Positions are drawn first, then velocities, as two
    ``(n, 3)`` blocks. A million ions take about 0.1 s and 64 MB.

    Parameters
    ----------
    n : int
        Number of ions (≥ 1).
    trap : PenningTrap
        Sets the scale d.
    seed : int, numpy.random.Generator or None
        Seed or generator; the same seed always gives the same ions.
    q, m : float
        Charge (e) and mass (u) of every ion. Default: the report's Ca⁺
        (1 e, 40.077 u). Checked always, used only without ``species``.
    species : str, optional
        A species name (``"40Ca+"``), instead of ``q`` and ``m``.

    Returns
    -------
    ParticleSet
        A sequence of :class:`~trapode.Particle` held as arrays.

    Examples
    --------
    >>> import trapode
    >>> ions = trapode.random_particles(100, trapode.PenningTrap(), seed=2022)
    >>> len(ions), ions == trapode.random_particles(100, trapode.PenningTrap(), seed=2022)
    (100, True)
    >>> ions.r.shape, ions[0].m
    ((100, 3), 40.077)
    """
    n = count("random_particles n", n)
    if not isinstance(trap, PenningTrap):
        raise ConfigError(f"random_particles trap must be a trapode.PenningTrap, got {short_repr(trap)}.")
    if seed is not None and not isinstance(seed, np.random.Generator):
        seed = count("random_particles seed", seed, minimum=0)
    from ..budget import check_memory

    check_memory(n * 8 * 9, f"random_particles n = {n}", "draw fewer particles")
    charge = real("random_particles q", q, "a finite charge in e")
    mass = real("random_particles m", m, "a positive finite mass in u", minimum=0.0, strict=True)
    rng = np.random.default_rng(seed)
    scale = 0.1 * trap.d
    positions = rng.normal(0.0, scale, size=(n, 3))
    velocities = rng.normal(0.0, scale, size=(n, 3))
    if species is not None:
        return ParticleSet(positions, velocities, species=species)
    return ParticleSet._trusted(np.full(n, charge), np.full(n, mass), positions, velocities, np.full(n, ""))
