"""The closed form derived by SymPy solves the report's equations."""

import sympy as sp

from trapode.physics import closed_form


def test_analytic_expressions_solve_the_equations_and_initial_conditions():
    solution = closed_form.analytic_solution_expressions()
    t, w0, wz = closed_form.t, closed_form.omega_0, closed_form.omega_z
    f, z = solution["f"], solution["z"]
    assert sp.simplify(f.diff(t, 2) + sp.I * w0 * f.diff(t) - wz**2 / 2 * f) == 0  # eq. 19
    assert sp.simplify(z.diff(t, 2) + wz**2 * z) == 0  # eq. 12
    assert sp.simplify(f.subs(t, 0) - (closed_form.x0 + sp.I * closed_form.y0)) == 0
    assert sp.simplify(f.diff(t).subs(t, 0) - (closed_form.vx0 + sp.I * closed_form.vy0)) == 0
    assert sp.simplify(z.subs(t, 0) - closed_form.z0) == 0
    assert sp.simplify(z.diff(t).subs(t, 0) - closed_form.vz0) == 0
    # eq. 21
    assert sp.simplify(solution["omega_plus"] - (w0 + sp.sqrt(w0**2 - 2 * wz**2)) / 2) == 0
    assert sp.simplify(solution["omega_minus"] - (w0 - sp.sqrt(w0**2 - 2 * wz**2)) / 2) == 0
