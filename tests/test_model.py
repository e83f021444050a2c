"""The SymPy model against the report's equations, and the generated module against the model."""

import subprocess
import sys

import sympy as sp

from trapode import codegen, model


def _report_equations(n_particles, interactions):
    """Report eqs. 10–12 (one particle) and 23–25 (n particles), typed in from the report.

    Each is written as "left-hand side = 0", with ω0 = q B0 / m and ωz² = 2 q V0 / (m d²).
    """
    t = sp.Symbol("t", real=True)
    B0, V0, d, k_e = sp.Symbol("B_0", real=True), sp.Symbol("V_0", real=True), sp.Symbol("d", positive=True), sp.Symbol("k_e", positive=True)
    coordinates = [[sp.Function(f"{c}_{i}", real=True)(t) for c in "xyz"] for i in range(1, n_particles + 1)]
    charges = [sp.Symbol(f"q_{i}", real=True) for i in range(1, n_particles + 1)]
    masses = [sp.Symbol(f"m_{i}", positive=True) for i in range(1, n_particles + 1)]
    equations = []
    for i in range(n_particles):
        x, y, z = coordinates[i]
        q, m = charges[i], masses[i]
        w0 = q * B0 / m
        wz2 = 2 * q * V0 / (m * d**2)
        coulomb = [0, 0, 0]
        if interactions:
            for j in range(n_particles):
                if j == i:
                    continue
                distance = sp.sqrt(sum((a - b) ** 2 for a, b in zip(coordinates[i], coordinates[j])))
                for k in range(3):
                    coulomb[k] += k_e * q / m * charges[j] * (coordinates[i][k] - coordinates[j][k]) / distance**3
        equations += [
            x.diff(t, 2) - w0 * y.diff(t) - wz2 / 2 * x - coulomb[0],  # eq. 10 / 23
            y.diff(t, 2) + w0 * x.diff(t) - wz2 / 2 * y - coulomb[1],  # eq. 11 / 24
            z.diff(t, 2) + wz2 * z - coulomb[2],  # eq. 12 / 25
        ]
    return equations


def test_single_particle_equations_are_report_eqs_10_to_12():
    derived = model.equations_of_motion(n_particles=1)
    for equation, report in zip(derived, _report_equations(1, False), strict=True):
        assert sp.simplify(equation.lhs - equation.rhs - report) == 0


def test_interacting_equations_are_report_eqs_23_to_25():
    derived = model.equations_of_motion(n_particles=3, interactions=True)
    for equation, report in zip(derived, _report_equations(3, True), strict=True):
        assert sp.simplify(equation.lhs - equation.rhs - report) == 0


def test_drive_replaces_v0_by_modulated_voltage():
    t, f, omega = model.t, model.drive_amplitude, model.drive_omega
    driven = model.equations_of_motion(drive=True)[2]
    static = model.equations_of_motion(drive=False)[2]
    assert sp.simplify(driven.rhs - static.rhs.subs(model.V0, model.V0 * (1 + f * sp.cos(omega * t)))) == 0


def test_escape_rule_switches_external_field_off_outside_d():
    acceleration = model.external_acceleration()
    outside = {model.x: 600, model.y: 0, model.z: 0, model.d: 500}
    inside = {model.x: 100, model.y: 0, model.z: 0, model.d: 500}
    assert all(component.subs(outside) == 0 for component in acceleration)
    assert acceleration[0].subs(inside) != 0


def test_coulomb_field_is_inverse_square():
    field = model.coulomb_field()
    values = {model.dx: 3, model.dy: 0, model.dz: 4, model.q: 2, model.k_e: 7}
    # |E| = k q / r² = 7·2/25, along (3, 0, 4)/5.
    assert [component.subs(values) for component in field] == [sp.Rational(14, 25) * sp.Rational(3, 5), 0, sp.Rational(14, 25) * sp.Rational(4, 5)]


def test_analytic_expressions_solve_the_equations_and_initial_conditions():
    solution = model.analytic_solution_expressions()
    t, w0, wz = model.t, model.omega_0, model.omega_z
    f, z = solution["f"], solution["z"]
    assert sp.simplify(f.diff(t, 2) + sp.I * w0 * f.diff(t) - wz**2 / 2 * f) == 0  # eq. 19
    assert sp.simplify(z.diff(t, 2) + wz**2 * z) == 0  # eq. 12
    assert sp.simplify(f.subs(t, 0) - (model.x0 + sp.I * model.y0)) == 0
    assert sp.simplify(f.diff(t).subs(t, 0) - (model.vx0 + sp.I * model.vy0)) == 0
    assert sp.simplify(z.subs(t, 0) - model.z0) == 0 and sp.simplify(z.diff(t).subs(t, 0) - model.vz0) == 0
    # eq. 21
    assert sp.simplify(solution["omega_plus"] - (w0 + sp.sqrt(w0**2 - 2 * wz**2)) / 2) == 0
    assert sp.simplify(solution["omega_minus"] - (w0 - sp.sqrt(w0**2 - 2 * wz**2)) / 2) == 0


def test_committed_generated_module_matches_the_model():
    committed = codegen.GENERATED_PATH.read_text(encoding="utf-8")
    assert committed == codegen.generated_source(), "run `python -m trapode.codegen` and commit the result"


def test_simulating_does_not_import_sympy():
    code = (
        "import sys, trapode\n"
        "c = trapode.SimulationConfig(trap=trapode.PenningTrap(), particles=[trapode.report_particle_1()],"
        " t_end=1.0, n_steps=10)\n"
        "trapode.simulate(c)\n"
        "print('sympy' in sys.modules, 'scipy.integrate' in sys.modules)\n"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["False", "False"]


def test_cached_kernels_are_dropped_when_the_generated_module_changes(tmp_path):
    from trapode.kernels import drop_stale_cache

    generated = tmp_path / "_generated.py"
    cache = tmp_path / "__pycache__"
    generated.write_text("x = 1\n")
    cache.mkdir()
    (cache / "kernels.rk4_trajectory-1.py311.nbi").write_text("old")
    assert drop_stale_cache(generated, cache) is True  # no stamp yet: the cache's origin is unknown
    assert not list(cache.glob("*.nbi"))
    (cache / "kernels.rk4_trajectory-1.py311.nbi").write_text("new")
    assert drop_stale_cache(generated, cache) is False  # unchanged model: the cache is kept
    assert list(cache.glob("*.nbi"))
    generated.write_text("x = 2\n")
    assert drop_stale_cache(generated, cache) is True
    assert not list(cache.glob("*.nbi"))
