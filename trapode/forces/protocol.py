"""The force protocol: what a time stepper may ask of a model, and nothing else.

Every generated model module (:mod:`trapode.compile.codegen`) defines these
functions for its trap, compiled and inlined into the steppers; the
interactions module defines the Coulomb sums. Stepper templates
(:mod:`trapode.compile.templates`) import the stubs below so that they read as
ordinary Python and pass the linters; in a generated module the real
functions take their place. A stepper sees accelerations (or E and B), never
the trap.

Arguments shared by all of them:

``c``
    The run's derived constants, a tuple of floats made once per run from the
    trap's named parameters by the model's ``constants(p)``.
``s``
    The time-dependent terms at the time of evaluation, the tuple returned by
    :func:`time_terms` (evaluated once per stage, not once per particle).
``q_over_m``
    The particle's charge-to-mass ratio in e/u.
"""

from __future__ import annotations

__all__ = [
    "acceleration",
    "as_constants",
    "coulomb_accelerations",
    "coulomb_accelerations_threaded",
    "coulomb_field",
    "coulomb_field_floored",
    "coulomb_potential",
    "damping_rate",
    "fields",
    "inside",
    "potential",
    "time_terms",
]


def _stub(name: str):
    raise NotImplementedError(f"{name} is defined by each generated model module; it is not called here.")


def time_terms(t, c):
    """The time-dependent parts of the fields at time ``t`` (µs): a tuple of floats."""
    _stub("time_terms")


def inside(x, y, z, c):
    """The escape rule: True while the particle at (x, y, z) µm is in the trap (``|r| < d``)."""
    _stub("inside")


def acceleration(x, y, z, v_x, v_y, v_z, q_over_m, c, s):
    """The acceleration (µm/µs²) from the trap's fields, ``(q/m)(E + v × B)``; zero outside the trap."""
    _stub("acceleration")


def damping_rate(c):
    """The damping rate γ (1/µs) of a buffer gas's drag ``−γ v``, 0.0 for a model without drag.

    The drag is part of :func:`acceleration`; methods that treat the velocity
    apart (Boris, the splitting's kicks) take it from here, since :func:`fields` has no drag.
    """
    _stub("damping_rate")


def fields(x, y, z, c, s):
    """``(E_x, E_y, E_z, B_x, B_y, B_z)`` in internal units per unit charge; zero outside the trap."""
    _stub("fields")


def potential(x, y, z, c, s):
    """The trap's potential per unit charge in internal units (``q`` times it is an energy in u µm²/µs²); 0 outside."""
    _stub("potential")


def coulomb_potential(delta_x, delta_y, delta_z, k_e):
    """The potential energy of two unit charges at separation Δ (µm), internal units (interactions module)."""
    _stub("coulomb_potential")


def as_constants(row):
    """A row of an array of derived constants as the tuple ``c`` (for kernels that run many parameter sets)."""
    _stub("as_constants")


def coulomb_field(delta_x, delta_y, delta_z, k_e):
    """The electric field of a unit charge at separation Δ (µm), in internal units (interactions module)."""
    _stub("coulomb_field")


def coulomb_field_floored(delta_x, delta_y, delta_z, k_e):
    """:func:`coulomb_field` with ``|Δ|²`` floored, so that Δ = 0 gives a zero field rather than NaN."""
    _stub("coulomb_field_floored")


def coulomb_accelerations(pos, charge, q_over_m, k_e, out):
    """Write the Coulomb acceleration of every particle into ``out`` (3, N), one thread."""
    _stub("coulomb_accelerations")


def coulomb_accelerations_threaded(pos, charge, q_over_m, k_e, out):
    """:func:`coulomb_accelerations` on all of numba's threads, for thousands of particles."""
    _stub("coulomb_accelerations_threaded")
