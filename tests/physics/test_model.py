"""The SymPy model against the report's equations and PHYSICS.md, typed in here."""

import subprocess
import sys

import pytest
import sympy as sp

import trapode
from trapode.physics import fields as symbolic
from trapode.physics.model import SymbolicModel, coulomb_field, equations_of_motion

x, y, z, t = symbolic.x, symbolic.y, symbolic.z, symbolic.t


def _report_equations(n_particles, interactions):
    """Report eqs. 10–12 (one particle) and 23–25 (n particles), as "left-hand side = 0".

    ω0 = q B0 / m and ωz² = 2 q V0 / (m d²).
    """
    B0, V0, d, k_e = (
        sp.Symbol("B_0", real=True),
        sp.Symbol("V_0", real=True),
        sp.Symbol("d", positive=True),
        sp.Symbol("k_e", positive=True),
    )
    coordinates = [[sp.Function(f"{c}_{i}", real=True)(t) for c in "xyz"] for i in range(1, n_particles + 1)]
    charges = [sp.Symbol(f"q_{i}", real=True) for i in range(1, n_particles + 1)]
    masses = [sp.Symbol(f"m_{i}", positive=True) for i in range(1, n_particles + 1)]
    equations = []
    for i in range(n_particles):
        xi, yi, zi = coordinates[i]
        q, m = charges[i], masses[i]
        w0 = q * B0 / m
        wz2 = 2 * q * V0 / (m * d**2)
        coulomb = [0, 0, 0]
        if interactions:
            for j in range(n_particles):
                if j == i:
                    continue
                distance = sp.sqrt(sum((a - b) ** 2 for a, b in zip(coordinates[i], coordinates[j], strict=True)))
                for k in range(3):
                    coulomb[k] += k_e * q / m * charges[j] * (coordinates[i][k] - coordinates[j][k]) / distance**3
        equations += [
            xi.diff(t, 2) - w0 * yi.diff(t) - wz2 / 2 * xi - coulomb[0],  # eq. 10 / 23
            yi.diff(t, 2) + w0 * xi.diff(t) - wz2 / 2 * yi - coulomb[1],  # eq. 11 / 24
            zi.diff(t, 2) + wz2 * zi - coulomb[2],  # eq. 12 / 25
        ]
    return equations


def test_single_particle_equations_are_report_eqs_10_to_12():
    for equation, report in zip(equations_of_motion(), _report_equations(1, False), strict=True):
        assert sp.simplify(equation.lhs - equation.rhs - report) == 0


def test_interacting_equations_are_report_eqs_23_to_25():
    derived = equations_of_motion(n_particles=3, interactions=True)
    for equation, report in zip(derived, _report_equations(3, True), strict=True):
        assert sp.simplify(equation.lhs - equation.rhs - report) == 0


def test_drive_replaces_v0_by_the_modulated_voltage(trap):
    f, omega, V0 = sp.Symbol("f", real=True), sp.Symbol("omega_V", real=True), sp.Symbol("V_0", real=True)
    driven = equations_of_motion(trapode.PenningTrap(drive=trapode.Drive(0.1, 1.0)))[2]
    static = equations_of_motion(trap)[2]
    assert sp.simplify(driven.rhs - static.rhs.subs(V0, V0 * (1 + f * sp.cos(omega * t)))) == 0


@pytest.mark.parametrize("order", [2, 4, 6])
def test_multipoles_are_rk_pk_of_cos_theta(order):
    """PHYSICS.md: (r/d)⁴P4 = (8z⁴ − 24z²ρ² + 3ρ⁴)/(8d⁴); in general rᵏ Pₖ(z/r), and every one is harmonic."""
    polynomial = symbolic.multipole_polynomial(order)
    rho2 = x**2 + y**2
    typed_in = {
        2: (2 * z**2 - rho2) / 2,
        4: (8 * z**4 - 24 * z**2 * rho2 + 3 * rho2**2) / 8,
        6: (16 * z**6 - 120 * z**4 * rho2 + 90 * z**2 * rho2**2 - 5 * rho2**3) / 16,
    }[order]
    assert sp.expand(polynomial - typed_in) == 0
    assert sp.expand(sum(sp.diff(polynomial, c, 2) for c in (x, y, z))) == 0


def test_every_builtin_term_is_a_vacuum_field():
    trap = trapode.PenningTrap(
        C4=1e-3, C6=2e-4, B2=3e4, tilt=0.1, tilt_azimuth=0.5, ellipticity=0.01, drive=trapode.Drive(0.1, 1.0)
    )
    fields = symbolic.trap_fields(trap)
    for phi, _ in fields.potentials:
        assert sp.simplify(sum(sp.diff(phi, c, 2) for c in (x, y, z))) == 0
    for b, _ in fields.magnetic_fields:
        assert sp.simplify(sum(sp.diff(b[k], c) for k, c in enumerate((x, y, z)))) == 0


def test_the_bottle_and_the_ellipticity_are_physics_md_formulas():
    fields = symbolic.trap_fields(trapode.PenningTrap(B2=3e4, ellipticity=0.01))
    B0, B2 = sp.Symbol("B_0", real=True), sp.Symbol("B_2", real=True)
    rho2 = x**2 + y**2
    # B = B0 ẑ + B2 [(z² − ρ²/2) ẑ − z ρ ρ̂], B2 in T/m² = 1e-12 T/µm².
    expected = sp.Matrix([-z * x, -z * y, z**2 - rho2 / 2]) * B2 / 10**12 + sp.Matrix([0, 0, B0])
    assert sp.simplify(fields.magnetic_field - expected) == sp.zeros(3, 1)
    V0, d, eps = sp.Symbol("V_0", real=True), sp.Symbol("d", positive=True), sp.Symbol("epsilon", real=True)
    assert sp.simplify(fields.potential - V0 / (2 * d**2) * (2 * z**2 - (1 + eps) * x**2 - (1 - eps) * y**2)) == 0


def test_escape_rule_is_written_once_in_the_model():
    model = SymbolicModel.of(trapode.PenningTrap())
    d = sp.Symbol("d", positive=True)
    assert model.inside() == (x**2 + y**2 + z**2 < d**2)


def test_linear_parts_and_linearity():
    tilted = SymbolicModel.of(trapode.PenningTrap(tilt=0.1, ellipticity=0.01))
    assert tilted.is_linear()
    assert not SymbolicModel.of(trapode.PenningTrap(C4=1e-3)).is_linear()
    assert not SymbolicModel.of(trapode.PenningTrap(B2=1.0)).is_linear()
    assert not SymbolicModel.of(trapode.PenningTrap(drive=trapode.Drive(0.1, 1.0))).is_linear()
    field_at_centre, gradient, _ = SymbolicModel.of(trapode.PenningTrap(C4=1e-3, B2=1.0)).linear_parts()
    assert field_at_centre == sp.zeros(3, 1)
    volt, V0, d = sp.Symbol("volt", positive=True), sp.Symbol("V_0", real=True), sp.Symbol("d", positive=True)
    assert sp.simplify(gradient - volt * V0 / d**2 * sp.diag(1, 1, -2)) == sp.zeros(3, 3)  # C4 adds nothing at r = 0


def test_coulomb_field_is_inverse_square():
    field = coulomb_field()
    dx, dy, dz, k_e = sp.symbols("Delta_x Delta_y Delta_z k_e", real=True)
    k_e = sp.Symbol("k_e", positive=True)
    values = {dx: 3, dy: 0, dz: 4, k_e: 7}
    # |E| = k / r² = 7/25 along (3, 0, 4)/5.
    assert [sp.nsimplify(c.subs(values)) for c in field] == [sp.Rational(21, 125), 0, sp.Rational(28, 125)]


def test_user_parameters_print_with_their_term():
    trap = trapode.PenningTrap(potentials=[trapode.Potential("C * (x**2 - y**2)", C=1.0)])
    equation = equations_of_motion(trap)[0]
    assert "C_P0" in str(equation.rhs)


def test_simulating_a_cached_model_does_not_import_sympy(tmp_path):
    code = (
        "import sys, trapode\n"
        "c = trapode.SimulationConfig(trap=trapode.PenningTrap(C4=1e-3), particles=[trapode.report_particle_1()],"
        " t_end=1.0, n_steps=10)\n"
        "trapode.simulate(c)\n"
        "print('sympy' in sys.modules, 'scipy.integrate' in sys.modules)\n"
    )
    import os

    environment = dict(os.environ, TRAPODE_CACHE_DIR=str(tmp_path))
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment)
    assert first.stdout.split() == ["True", "False"]  # the first process derives the model
    later = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment)
    assert later.stdout.split() == ["False", "False"]
