"""The closed-form motion of one particle in the ideal static trap, derived by SymPy.

With ``f = x + i y`` the radial equations combine into
``f̈ + i ω0 ḟ − ½ ωz² f = 0`` (report eq. 19), whose characteristic roots are
ω± (eq. 21); the axial motion comes from ``dsolve`` (eq. 12). ω0 = qB0/m
carries the sign of the charge, so the same formula holds for negative ions.
:mod:`trapode.analytic` evaluates it through a compiled-and-cached module
(:func:`trapode.compile.closed_form_module`).
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from .fields import t

__all__ = ["ANALYTIC_SYMBOLS", "RADIAL_SYMBOLS", "analytic_solution_expressions"]

# Symbols of the closed-form single-particle solution.
omega_0 = sp.Symbol("omega_0", positive=True)
omega_z = sp.Symbol("omega_z", positive=True)
x0, y0, z0 = sp.symbols("x_0 y_0 z_0", real=True)
vx0, vy0, vz0 = sp.symbols("v_x0 v_y0 v_z0", real=True)

#: Arguments, in order, of the generated ``analytic_motion`` and ``analytic_velocity`` functions.
ANALYTIC_SYMBOLS = (t, x0, y0, z0, vx0, vy0, vz0, omega_0, omega_z)
#: Arguments, in order, of the generated ``radial_coefficients`` function.
RADIAL_SYMBOLS = (x0, y0, vx0, vy0, omega_0, omega_z)


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
        (
            sp.diff(sp.exp(-sp.I * omega * t), t, 2)
            + sp.I * omega_0 * sp.diff(sp.exp(-sp.I * omega * t), t)
            - omega_z**2 / 2 * sp.exp(-sp.I * omega * t)
        )
        / sp.exp(-sp.I * omega * t)
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
