"""The code generator: constants hoisted out of the loops, parameters by name, no user text in the code."""

import re

import numpy as np
import pytest
import sympy as sp

import trapode
from trapode.compile import model_module
from trapode.compile.codegen import KernelPrinter, split
from trapode.physics.fields import t, x


def test_split_hoists_constants_and_time_terms():
    a, b, f, w = sp.symbols("a b f w", real=True)
    rest, time_terms, constants = split([a * b * x + f * sp.cos(w * t) * a * x], [a, b, f, w])
    (expression,) = rest
    assert expression.free_symbols - {x} <= {symbol for symbol, _ in time_terms} | {s for s, _ in constants}
    assert len(time_terms) == 1 and t in time_terms[0][1].free_symbols
    # Whatever the grouping, the pieces put back together are the original.
    back = expression.subs({s: e for s, e in time_terms}).subs({s: e for s, e in constants})
    assert sp.simplify(back - (a * b * x + f * sp.cos(w * t) * a * x)) == 0


def test_numbers_stay_out_of_hoisted_products():
    a, b = sp.symbols("a b", real=True)
    rest, _, constants = split([-2 * a * b * x, a * b * x], [a, b])
    assert len(constants) == 1  # −2ab x and ab x share one constant ab
    assert rest[0] == -2 * rest[1]


def test_kernel_printer_writes_products_and_roots():
    printer = KernelPrinter()
    r2 = sp.Symbol("r2", positive=True)
    assert printer.doprint(x**2) == "(x*x)"
    assert printer.doprint(r2 ** sp.Rational(-3, 2)) == "1.0/(r2*math.sqrt(r2))"
    assert printer.doprint(r2 ** sp.Rational(1, 2)) == "math.sqrt(r2)"
    assert "**" not in printer.doprint(x**4 + x**-3)


def test_the_ideal_models_inner_loop_has_no_parameter_arithmetic(trap):
    source = open(model_module(trap).__file__).read()
    acceleration = source[source.index("def acceleration(") : source.index("@njit", source.index("def acceleration("))]
    body = acceleration.split('"""')[2]
    # Only constants read from c, per-particle products and the escape rule: no division, no parameter name.
    import re as regex

    assert "/" not in body and not regex.search(r"\b(V_0|d|B_0|volt|tesla)\b", body)
    assert regex.findall(r"\bk_\d+\b", body)  # it does read per-run constants


def test_user_text_never_reaches_the_generated_code():
    secret = trapode.Potential("zzsecret * (x**2 - y**2) + 1e-3*sin(zzsecret) * z", zzsecret=1e-9)
    module = model_module(trapode.PenningTrap(potentials=[secret]))
    source = open(module.__file__).read()
    lines = [line for line in source.splitlines() if "zzsecret" in line]
    assert lines == [line for line in lines if line.startswith("PARAMETERS = ")]
    assert "potentials[0].zzsecret" in module.PARAMETERS


def test_another_value_uses_the_same_compiled_model(trap):
    import dataclasses

    assert model_module(dataclasses.replace(trap, C4=1e-3)) is model_module(dataclasses.replace(trap, C4=-5e-2))
    assert model_module(dataclasses.replace(trap, C4=1e-3)) is not model_module(trap)
    assert model_module(dataclasses.replace(trap, constants="report")) is model_module(trap)


def test_constants_follow_the_named_parameters(trap):
    from trapode.system import model_constants

    module = model_module(trap)
    values = trap.parameter_values()
    shuffled = dict(reversed(list(values.items())))  # order of the dictionary does not matter
    assert model_constants(module, values) == model_constants(module, shuffled)
    assert re.fullmatch(r"[0-9a-f]{24}", module.KEY)
    doubled = model_constants(module, {**values, "B0": 2 * values["B0"]})
    assert doubled != model_constants(module, values)


def test_linearization_is_the_hessian_and_the_field_at_the_centre():
    from tests.reference import CODATA

    trap = trapode.PenningTrap(V0=0.03, d=400.0, tilt=0.2, tilt_azimuth=0.7, ellipticity=0.05, C4=1e-2)
    module = model_module(trap)
    e0, gradient, magnetic = module.linearization([trap.parameter_values()[p] for p in module.PARAMETERS])
    volt, tesla = CODATA["volt"], CODATA["tesla"]
    np.testing.assert_allclose(e0, 0.0, atol=0)
    np.testing.assert_allclose(gradient, volt * 0.03 / 400.0**2 * np.diag([1.05, 0.95, -2.0]), rtol=1e-14)
    expected = tesla * np.array([np.sin(0.2) * np.cos(0.7), np.sin(0.2) * np.sin(0.7), np.cos(0.2)])
    np.testing.assert_allclose(magnetic, expected, rtol=1e-14)
    assert not module.IS_LINEAR
    with pytest.raises(trapode.ConfigError, match="linear"):
        trapode.analytic_solution(trap, trapode.report_particle_1(), [0.0])


def test_the_fields_kernel_gives_the_acceleration_through_the_lorentz_force():
    """What a Boris-type stepper reads (E and B) and what RK4 reads (a) are one force."""
    trap = trapode.PenningTrap(
        C4=1e-3,
        B2=3e4,
        tilt=0.02,
        ellipticity=0.01,
        drive=trapode.Drive(amplitude=0.2, omega=1.1),
        magnetic_fields=[trapode.MagneticField(("b * y", "b * x", "0"), b=1e-7)],
    )
    from trapode.system import ParticleSystem

    system = ParticleSystem.from_particles([trapode.Particle(species="40Ca+", r=(1, 2, 3), v=(4, 5, 6))], trap, False)
    module, c = system.model, system.constants
    rng = np.random.default_rng(7)
    for _ in range(5):
        r, v, time = rng.uniform(-200, 200, 3), rng.uniform(-50, 50, 3), rng.uniform(0, 10)
        s = module.time_terms(time, c)
        q_over_m = 1 / 39.96
        e_and_b = np.array(module.fields(*r, c, s))
        lorentz = q_over_m * (e_and_b[:3] + np.cross(v, e_and_b[3:]))
        np.testing.assert_allclose(module.acceleration(*r, *v, q_over_m, c, s), lorentz, rtol=1e-12, atol=1e-14)
    # Outside the trap both are zero.
    s = module.time_terms(0.0, c)
    assert module.fields(600.0, 0.0, 0.0, c, s) == (0.0,) * 6
    assert module.acceleration(600.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, c, s) == (0.0,) * 3
