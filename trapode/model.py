"""The symbolic model: equations of motion and closed-form solution, derived by SymPy.

Nothing here is typed in as a finished formula. The equations of motion follow
from the trap potential (report eq. 5, with the drive of eq. 27), ``E = −∇V``,
the Lorentz force ``q (E + v × B)`` and the Coulomb pair potential
``k_e q_i q_j / |r_i − r_j|``; the closed-form single-particle motion follows
from the characteristic roots of ``f̈ + i ω0 ḟ − ½ ωz² f = 0`` and from
``dsolve`` for z.

:mod:`trapode.codegen` turns these expressions into the compiled kernels with
``lambdify``; this module is imported only when the symbolic form is wanted,
so that simulations never pay for importing SymPy.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

__all__ = [
    "ANALYTIC_SYMBOLS",
    "EXTERNAL_SYMBOLS",
    "COULOMB_SYMBOLS",
    "VOLTAGE_SYMBOLS",
    "electrode_voltage",
    "trap_potential",
    "electric_field",
    "magnetic_field",
    "lorentz_force",
    "external_acceleration",
    "coulomb_pair_potential",
    "coulomb_field",
    "equations_of_motion",
    "analytic_solution_expressions",
]

t = sp.Symbol("t", real=True)
x, y, z = sp.symbols("x y z", real=True)
vx, vy, vz = sp.symbols("v_x v_y v_z", real=True)
q = sp.Symbol("q", real=True)
m = sp.Symbol("m", positive=True)
charge_to_mass = sp.Symbol("charge_to_mass", real=True)
B0 = sp.Symbol("B_0", real=True)
V0 = sp.Symbol("V_0", real=True)
voltage = sp.Symbol("V", real=True)
d = sp.Symbol("d", positive=True)
drive_amplitude = sp.Symbol("f", real=True)
drive_omega = sp.Symbol("omega_V", real=True)
dx, dy, dz = sp.symbols("Delta_x Delta_y Delta_z", real=True)
k_e = sp.Symbol("k_e", positive=True)

#: Arguments, in order, of the generated ``external_acceleration`` kernel.
EXTERNAL_SYMBOLS = (x, y, z, vx, vy, vz, charge_to_mass, B0, voltage, d)
#: Arguments, in order, of the generated ``electrode_voltage`` function.
VOLTAGE_SYMBOLS = (t, V0, drive_amplitude, drive_omega)
#: Arguments, in order, of the generated ``coulomb_field`` kernel: the separation
#: r − r_j from the source charge, the source charge q_j and the Coulomb constant.
COULOMB_SYMBOLS = (dx, dy, dz, q, k_e)

position = sp.Matrix([x, y, z])
velocity = sp.Matrix([vx, vy, vz])


def electrode_voltage():
    """Voltage on the electrodes at time t: ``V0 (1 + f cos(ωV t))`` (report eq. 27).

    A static trap has f = 0.
    """
    return V0 * (1 + drive_amplitude * sp.cos(drive_omega * t))


def trap_potential():
    """Electric potential of the ideal trap, report eq. 5.

    ``V/(2 d²) (2 z² − x² − y²)`` with V the instantaneous electrode voltage
    (the symbol ``V``; substitute :func:`electrode_voltage` for the drive).
    """
    return voltage / (2 * d**2) * (2 * z**2 - x**2 - y**2)


def electric_field():
    """``E = −∇V`` of :func:`trap_potential` (report eq. 1)."""
    potential = trap_potential()
    return -sp.Matrix([sp.diff(potential, coordinate) for coordinate in position])


def magnetic_field():
    """The uniform field ``B = (0, 0, B0)`` (report eq. 6)."""
    return sp.Matrix([0, 0, B0])


def lorentz_force():
    """``F = q E + q v × B`` on a particle of charge q (report eq. 3)."""
    return q * electric_field() + q * velocity.cross(magnetic_field())


def external_acceleration():
    """Acceleration from the trap's fields, with the escape rule.

    ``F / m`` inside the trap (``|r|² ≤ d²``) and zero outside it, as a column of
    three ``Piecewise`` expressions in :data:`EXTERNAL_SYMBOLS`. Only the
    ratio q/m enters, written as the symbol ``charge_to_mass``.
    """
    inside = x**2 + y**2 + z**2 <= d**2
    acceleration = sp.simplify(lorentz_force().subs(q, charge_to_mass * m) / m)
    return acceleration.applyfunc(lambda component: sp.Piecewise((component, inside), (0, True)))


def coulomb_pair_potential(r_i, r_j, q_i, q_j):
    """Coulomb potential energy ``k_e q_i q_j / |r_i − r_j|`` of a pair."""
    separation = sp.Matrix(r_i) - sp.Matrix(r_j)
    return k_e * q_i * q_j / sp.sqrt(separation.dot(separation))


def coulomb_force(r_i, r_j, q_i, q_j):
    """Force on particle i from particle j: ``−∇_{r_i}`` of the pair potential."""
    energy = coulomb_pair_potential(r_i, r_j, q_i, q_j)
    return -sp.Matrix([sp.diff(energy, coordinate) for coordinate in r_i])


def coulomb_field():
    """Electric field at separation (Δx, Δy, Δz) from a point charge q.

    Derived as the force of :func:`coulomb_force` on a test charge q_i divided
    by q_i, written in the separation ``r_i − r_j``. Symbols:
    :data:`COULOMB_SYMBOLS`.
    """
    x_i, y_i, z_i, x_j, y_j, z_j = sp.symbols("x_i y_i z_i x_j y_j z_j", real=True)
    q_i = sp.Symbol("q_i", real=True)
    force = coulomb_force((x_i, y_i, z_i), (x_j, y_j, z_j), q_i, q)
    field = (force / q_i).subs({x_i: x_j + dx, y_i: y_j + dy, z_i: z_j + dz})
    return sp.simplify(field)


def _particle_symbols(index):
    """Coordinate functions x_i(t), y_i(t), z_i(t) and the symbols q_i, m_i."""
    coordinates = [sp.Function(f"{name}_{index}", real=True)(t) for name in "xyz"]
    return coordinates, sp.Symbol(f"q_{index}", real=True), sp.Symbol(f"m_{index}", positive=True)


def equations_of_motion(n_particles=1, interactions=False, drive=False):
    """Newton's equations ``m_i r̈_i = Σ F`` for ``n_particles`` inside the trap.

    Parameters
    ----------
    n_particles : int
        Number of particles, labelled 1..n.
    interactions : bool
        Include the Coulomb force between every pair.
    drive : bool
        Keep the modulation ``V0 (1 + f cos(ωV t))``; otherwise f = 0.

    Returns
    -------
    list of sympy.Eq
        ``Eq(d²x_i/dt², ...)`` and likewise for y and z, for i = 1..n, with
        k_e kept as a symbol. Valid where ``|r_i| < d``; outside, the trap fields
        are zero (see :func:`external_acceleration`).

    Examples
    --------
    >>> from trapode.model import equations_of_motion
    >>> for equation in equations_of_motion():
    ...     print(equation)
    Eq(Derivative(x_1(t), (t, 2)), B_0*q_1*Derivative(y_1(t), t)/m_1 + V_0*q_1*x_1(t)/(d**2*m_1))
    Eq(Derivative(y_1(t), (t, 2)), -B_0*q_1*Derivative(x_1(t), t)/m_1 + V_0*q_1*y_1(t)/(d**2*m_1))
    Eq(Derivative(z_1(t), (t, 2)), -2*V_0*q_1*z_1(t)/(d**2*m_1))
    """
    particles = [_particle_symbols(index) for index in range(1, n_particles + 1)]
    equations = []
    for i, (r_i, q_i, m_i) in enumerate(particles):
        velocity_i = [sp.diff(coordinate, t) for coordinate in r_i]
        force = lorentz_force().subs(dict(zip((*position, *velocity, q), (*r_i, *velocity_i, q_i))))
        force = force.subs(voltage, electrode_voltage() if drive else V0)
        acceleration = sp.expand(force / m_i)
        if interactions:
            for j, (r_j, q_j, _) in enumerate(particles):
                if j != i:
                    acceleration += coulomb_force(r_i, r_j, q_i, q_j) / m_i
        for coordinate, component in zip(r_i, acceleration):
            equations.append(sp.Eq(sp.diff(coordinate, t, 2), component))
    return equations


# Symbols of the closed-form single-particle solution.
omega_0 = sp.Symbol("omega_0", positive=True)
omega_z = sp.Symbol("omega_z", positive=True)
x0, y0, z0 = sp.symbols("x_0 y_0 z_0", real=True)
vx0, vy0, vz0 = sp.symbols("v_x0 v_y0 v_z0", real=True)

#: Arguments, in order, of the generated ``analytic_motion`` function.
ANALYTIC_SYMBOLS = (t, x0, y0, z0, vx0, vy0, vz0, omega_0, omega_z)


@cache
def analytic_solution_expressions():
    """Closed-form motion of one particle in the static trap, for any initial state.

    With ``f = x + i y`` the radial equations combine into
    ``f̈ + i ω0 ḟ − ½ ωz² f = 0`` (report eq. 19). Trying ``f = e^{−i ω t}``
    gives the characteristic equation ``−ω² + ω0 ω − ½ ωz² = 0``, whose roots
    are ω± (eq. 21); the coefficients C± of ``f = C+ e^{−i ω+ t} + C− e^{−i ω− t}``
    follow from f(0) and ḟ(0), and ``A± = |C±|``, ``φ± = −arg C±`` (eq. 20). The axial
    motion comes from ``dsolve`` on ``z̈ + ωz² z = 0`` (eq. 12).

    Returns
    -------
    dict
        ``"f"``: f(t) = x + i y; ``"z"``: z(t); ``"omega_plus"``, ``"omega_minus"``:
        the roots; ``"C_plus"``, ``"C_minus"``: the complex coefficients. All
        in :data:`ANALYTIC_SYMBOLS`.
    """
    omega = sp.Symbol("omega")
    characteristic = sp.expand(
        (sp.diff(sp.exp(-sp.I * omega * t), t, 2) + sp.I * omega_0 * sp.diff(sp.exp(-sp.I * omega * t), t)
         - omega_z**2 / 2 * sp.exp(-sp.I * omega * t)) / sp.exp(-sp.I * omega * t)
    )
    root_minus, root_plus = sorted(
        sp.solve(characteristic, omega), key=lambda root: root.subs({omega_0: 2, omega_z: 1}).evalf()
    )
    c_plus, c_minus = sp.symbols("C_plus C_minus")
    f0 = x0 + sp.I * y0
    f_dot0 = vx0 + sp.I * vy0
    f = c_plus * sp.exp(-sp.I * root_plus * t) + c_minus * sp.exp(-sp.I * root_minus * t)
    coefficients = sp.solve([f.subs(t, 0) - f0, sp.diff(f, t).subs(t, 0) - f_dot0], [c_plus, c_minus], dict=True)[0]

    z_function = sp.Function("z")
    axial = sp.dsolve(
        sp.diff(z_function(t), t, 2) + omega_z**2 * z_function(t),
        z_function(t),
        ics={z_function(0): z0, sp.diff(z_function(t), t).subs(t, 0): vz0},
    ).rhs
    return {
        "f": f.subs(coefficients),
        "z": axial,
        "omega_plus": root_plus,
        "omega_minus": root_minus,
        "C_plus": sp.simplify(coefficients[c_plus]),
        "C_minus": sp.simplify(coefficients[c_minus]),
    }
