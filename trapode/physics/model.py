"""The symbolic model: from a trap's field terms to accelerations, fields and equations of motion.

Nothing here is typed in as a finished formula. From the sum of the field
terms (:mod:`trapode.physics.fields`) SymPy derives ``E = −∇Φ``, the Lorentz
acceleration ``(q/m) (E + v × B)`` in trapode's internal units, the linear
part of the static trap at its centre, and the Coulomb field as ``−∇`` of the
pair potential ``k_e q_i q_j / |r_i − r_j|``. :mod:`trapode.compile` turns
these expressions into a compiled module; the escape rule, :func:`inside`, is
written here once and used by every kernel and observer.

Examples
--------
>>> import trapode
>>> from trapode.physics.model import equations_of_motion
>>> for equation in equations_of_motion(trapode.PenningTrap()):
...     print(equation)
Eq(Derivative(x_1(t), (t, 2)), B_0*q_1*Derivative(y_1(t), t)/m_1 + V_0*q_1*x_1(t)/(d**2*m_1))
Eq(Derivative(y_1(t), (t, 2)), -B_0*q_1*Derivative(x_1(t), t)/m_1 + V_0*q_1*y_1(t)/(d**2*m_1))
Eq(Derivative(z_1(t), (t, 2)), -2*V_0*q_1*z_1(t)/(d**2*m_1))
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .fields import FieldTerms, t, trap_fields, x, y, z

__all__ = [
    "STATE_SYMBOLS",
    "UNIT_SYMBOLS",
    "SymbolicModel",
    "coulomb_field",
    "coulomb_force",
    "coulomb_pair_potential",
    "equations_of_motion",
]

vx, vy, vz = sp.symbols("v_x v_y v_z", real=True)
q_over_m = sp.Symbol("q_over_m", real=True)
#: The unit factors (trapode.units.Constants) as run-time parameters, by path.
UNIT_SYMBOLS = {
    "constants.volt": sp.Symbol("volt", positive=True),
    "constants.tesla": sp.Symbol("tesla", positive=True),
    "constants.coulomb": sp.Symbol("k_e", positive=True),
}
#: The damping rate γ (1/µs) of a buffer gas, a run-time parameter of damped models.
DAMPING_SYMBOL = sp.Symbol("gamma", nonnegative=True)
#: The per-particle arguments of a compiled acceleration, in order.
STATE_SYMBOLS = (x, y, z, vx, vy, vz, q_over_m)
position = sp.Matrix([x, y, z])
velocity = sp.Matrix([vx, vy, vz])


@dataclass
class SymbolicModel:
    """A trap's fields and what SymPy derives from them.

    Attributes
    ----------
    fields : FieldTerms
        The trap's potential (V) and magnetic field (T) as sums of terms.
    damped : bool
        Whether the particles feel a buffer gas's drag ``−m γ v`` (γ is the
        parameter ``"damping"``, 1/µs).
    """

    fields: FieldTerms
    damped: bool = False

    @classmethod
    def of(cls, trap, damped: bool = False) -> SymbolicModel:
        """The model of a :class:`~trapode.PenningTrap` (its values left as symbols), with drag if ``damped``."""
        return cls(trap_fields(trap), damped)

    @property
    def parameters(self) -> dict:
        """Path → symbol of every run-time parameter, the unit factors included."""
        damping = {"damping": DAMPING_SYMBOL} if self.damped else {}
        return {**self.fields.parameters, **damping, **UNIT_SYMBOLS}

    def electric_field(self) -> sp.Matrix:
        """``E = −∇Φ`` in V/µm."""
        return -sp.Matrix([sp.diff(self.fields.potential, coordinate) for coordinate in position])

    def internal_fields(self) -> tuple[sp.Matrix, sp.Matrix]:
        """E and B in internal units: per unit charge, ``q/m`` times E + v × B is an acceleration in µm/µs²."""
        volt, tesla = UNIT_SYMBOLS["constants.volt"], UNIT_SYMBOLS["constants.tesla"]
        return volt * self.electric_field(), tesla * self.fields.magnetic_field

    def acceleration(self, fields: tuple[sp.Matrix, sp.Matrix] | None = None) -> sp.Matrix:
        """``(q/m) E + v × ((q/m) B)`` (``− γ v`` if damped) in µm/µs² inside the trap, in :data:`STATE_SYMBOLS` and t.

        Written with q/m inside each term, so that the compiled code computes
        products such as ``(q/m) B_z`` once for the components that share them.
        ``fields`` gives E and B (internal units) in another, equal form;
        default :meth:`internal_fields`.
        """
        electric, magnetic = self.internal_fields() if fields is None else fields
        lorentz = q_over_m * electric + velocity.cross(q_over_m * magnetic)
        return lorentz - DAMPING_SYMBOL * velocity if self.damped else lorentz

    def inside(self) -> sp.Basic:
        """The escape rule: a particle is in the trap, and feels its fields, while ``|r| < d``."""
        d = self.fields.symbol("d")
        return x**2 + y**2 + z**2 < d**2

    def linear_parts(self) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
        """The static trap at its centre, in internal units per unit charge.

        Returns ``(E0, K, B0)``: the field ``E(r) ≈ E0 + K r`` (``K = −∇∇Φ``)
        and the uniform part of B, so that ``r̈ = (q/m)(E0 + K r + v × B0)``
        is the linear system whose eigenvalues are the trap's frequencies.
        """
        volt, tesla = UNIT_SYMBOLS["constants.volt"], UNIT_SYMBOLS["constants.tesla"]
        phi = self.fields.static_potential()
        at_centre = {x: 0, y: 0, z: 0}
        gradient = [sp.diff(phi, coordinate) for coordinate in position]
        field_at_centre = -volt * sp.Matrix(gradient).xreplace(at_centre)
        hessian = -volt * sp.Matrix(3, 3, lambda i, j: sp.diff(gradient[i], position[j])).xreplace(at_centre)
        magnetic = tesla * self.fields.static_magnetic_field().xreplace(at_centre)
        return field_at_centre, hessian, magnetic

    def is_linear(self) -> bool:
        """Whether the motion is exactly linear: a static potential of degree ≤ 2 and a uniform static B."""
        phi = self.fields.potential
        magnetic = self.fields.magnetic_field
        if t in phi.free_symbols or t in magnetic.free_symbols or self.fields.static or self.damped:
            return False
        coordinates = (x, y, z)
        if not phi.is_polynomial(*coordinates) or sp.Poly(phi, *coordinates).total_degree() > 2:
            return False
        return all(component.free_symbols.isdisjoint(coordinates) for component in magnetic)


def coulomb_pair_potential(r_i, r_j, q_i, q_j, k_e):
    """Coulomb potential energy ``k_e q_i q_j / |r_i − r_j|`` of a pair."""
    separation = sp.Matrix(r_i) - sp.Matrix(r_j)
    return k_e * q_i * q_j / sp.sqrt(separation.dot(separation))


def coulomb_force(r_i, r_j, q_i, q_j, k_e):
    """Force on particle i from particle j: ``−∇_{r_i}`` of the pair potential."""
    energy = coulomb_pair_potential(r_i, r_j, q_i, q_j, k_e)
    return -sp.Matrix([sp.diff(energy, coordinate) for coordinate in r_i])


#: Symbols of :func:`coulomb_field`: the separation r − r_j from the source and k_e.
COULOMB_SYMBOLS = (*sp.symbols("Delta_x Delta_y Delta_z", real=True), UNIT_SYMBOLS["constants.coulomb"])


def coulomb_field() -> sp.Matrix:
    """Electric field at separation (Δx, Δy, Δz) from a unit point charge, in internal units.

    Derived as the force of :func:`coulomb_force` on a test charge q_i from a
    source of unit charge, divided by q_i, written in the separation
    ``r_i − r_j``. Symbols: :data:`COULOMB_SYMBOLS`.
    """
    dx, dy, dz, k_e = COULOMB_SYMBOLS
    x_i, y_i, z_i, x_j, y_j, z_j = sp.symbols("x_i y_i z_i x_j y_j z_j", real=True)
    q_i = sp.Symbol("q_i", real=True)
    force = coulomb_force((x_i, y_i, z_i), (x_j, y_j, z_j), q_i, 1, k_e)
    return sp.simplify((force / q_i).subs({x_i: x_j + dx, y_i: y_j + dy, z_i: z_j + dz}))


def _particle_symbols(index: int):
    """Coordinate functions x_i(t), y_i(t), z_i(t) and the symbols q_i, m_i."""
    coordinates = [sp.Function(f"{name}_{index}", real=True)(t) for name in "xyz"]
    return coordinates, sp.Symbol(f"q_{index}", real=True), sp.Symbol(f"m_{index}", positive=True)


def equations_of_motion(trap=None, n_particles: int = 1, interactions: bool = False) -> list:
    """Newton's equations ``m_i r̈_i = q_i (E + v_i × B) + Σ_j F_ij`` for particles inside the trap.

    Written in SI form, the unit factors left out, with the trap's parameters
    as symbols (B_0, V_0, d, C_4, ..., user parameters as ``name_P0`` for the
    first user potential, ``name_M0`` for the first user magnetic field).

    Parameters
    ----------
    trap : PenningTrap, optional
        Whose terms to use; default the ideal trap.
    n_particles : int
        Number of particles, labelled 1..n.
    interactions : bool
        Include the Coulomb force between every pair.

    Returns
    -------
    list of sympy.Eq
        ``Eq(d²x_i/dt², ...)`` and likewise for y and z, for i = 1..n. Valid
        where ``|r_i| < d``; outside, the trap's fields are zero.
    """
    from .._validate import count, flag, instance
    from ..setup.trap import PenningTrap

    trap = PenningTrap() if trap is None else instance("trap", trap, PenningTrap, "a trapode.PenningTrap or None")
    # SymPy writes every equation out: hundreds of particles are readable; millions would never finish.
    n_particles = count("n_particles", n_particles, maximum=1000)
    interactions = flag("interactions", interactions)
    fields = trap_fields(trap)
    model = SymbolicModel(fields)
    electric, magnetic = model.electric_field(), fields.magnetic_field
    k_e = sp.Symbol("k_e", positive=True)
    particles = [_particle_symbols(index) for index in range(1, n_particles + 1)]
    equations = []
    for i, (r_i, q_i, m_i) in enumerate(particles):
        velocity_i = sp.Matrix([sp.diff(coordinate, t) for coordinate in r_i])
        at_particle = dict(zip(position, r_i, strict=True))
        force = q_i * (electric.xreplace(at_particle) + velocity_i.cross(magnetic.xreplace(at_particle)))
        acceleration = sp.expand(force / m_i)
        if interactions:
            for j, (r_j, q_j, _) in enumerate(particles):
                if j != i:
                    acceleration += coulomb_force(r_i, r_j, q_i, q_j, k_e) / m_i
        for coordinate, component in zip(r_i, acceleration, strict=True):
            equations.append(sp.Eq(sp.diff(coordinate, t, 2), component))
    return equations
