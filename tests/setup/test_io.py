"""Configuration files and saved results."""

import dataclasses

import numpy as np
import pytest

import trapode
from trapode import ConfigError


def write(tmp_path, text, name="config.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


VALID = """
t_end = 50.0
n_steps = 4000
method = "rk4"
interactions = true

[trap]
B0 = 1.0
V0 = 0.025
d = 500.0

[[particles]]
q = 1
m = 40.077
r = [20.0, 0.0, 20.0]
v = [0.0, 25.0, 0.0]
"""


def test_example_file_gives_the_report_setup(examples_dir, trap, particle_1, particle_2):
    config = trapode.load_config(examples_dir / "two_particles.toml")
    assert config == trapode.SimulationConfig(
        trap=trap, particles=[particle_1, particle_2], t_end=50.0, n_steps=4000, method="rk4", interactions=True
    )


def test_real_trap_example_file(examples_dir):
    config = trapode.load_config(examples_dir / "real_trap.toml")
    trap = config.trap
    assert (trap.C4, trap.B2, trap.tilt, trap.ellipticity) == (1e-3, 3e4, 0.01, 0.002)
    assert len(trap.potentials) == 1 and len(trap.magnetic_fields) == 1
    assert [p.species for p in config.particles] == ["9Be+", "40Ca+"] and config.save_every == 10


def test_drive_example_file(examples_dir):
    config = trapode.load_config(examples_dir / "driven_trap.toml")
    assert config.trap.drive == trapode.Drive(amplitude=0.1, omega=1.39)
    assert (config.t_end, config.n_steps, config.interactions) == (500.0, 5000, False)


@pytest.mark.parametrize(
    "old, new, match",
    [
        ("n_steps", "nsteps", r"unknown key 'nsteps' in the top level\. Did you mean 'n_steps'\?"),
        ("m = 40.077", "mass = 40.077", r"unknown key 'mass' in particles\[0\]\..*Valid keys: species, q, m, r, v"),
        (
            "d = 500.0",
            "d = 500.0\ndrive = { amplitude = 0.1, omgea = 1.0 }",
            r"unknown key 'omgea' in \[trap\.drive\]\. Did you mean 'omega'\?",
        ),
    ],
)
def test_misspelt_key_suggests_the_close_match(tmp_path, old, new, match):
    path = write(tmp_path, VALID.replace(old, new))
    with pytest.raises(ConfigError, match=match):
        trapode.load_config(path)


def test_toml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, VALID.replace("B0 = 1.0", "B0 = = 1.0"))
    line = VALID.replace("B0 = 1.0", "B0 = = 1.0").splitlines().index("B0 = = 1.0") + 1
    with pytest.raises(ConfigError, match=rf"invalid TOML: .*line {line}"):
        trapode.load_config(path)


@pytest.mark.parametrize(
    "old, new, match",
    [
        ("m = 40.077", "m = -1.0", r"particles\[0\]: Particle\.m must be a positive finite mass in u, got -1\.0"),
        ("r = [20.0, 0.0, 20.0]", "r = [20.0, 0.0]", r"particles\[0\]: Particle\.r .*\(2 values\)"),
        (
            "B0 = 1.0",
            'B0 = "1.0"',
            r"\[trap\]: PenningTrap\.B0 must be a finite magnetic field in tesla, got '1\.0' \(str\)",
        ),
        (
            'method = "rk4"',
            'method = "rk-4"',
            r"must be one of 'adaptive', 'boris', .*'rk4', 'splitting', 'splitting4', got 'rk-4'",
        ),
        ("n_steps = 4000", "", r"missing the required key 'n_steps'"),
        ("q = 1\n", "", r"particles\[0\]: Particle needs a species"),
        ("q = 1\n", 'species = "40Ca+"\n', r"particles\[0\]: Particle takes either species or q and m"),
        ("q = 1\nm = 40.077\n", 'species = "Ca"\n', r"particles\[0\]: species 'Ca' is not known"),
        ("r = [20.0, 0.0, 20.0]", "", r"particles\[0\] is missing the required key 'r'"),
        ("d = 500.0", 'd = 500.0\nC4 = "big"', r"\[trap\]: PenningTrap\.C4 must be a finite coefficient"),
        ("d = 500.0", 'd = 500.0\nconstants = "si"', r"PenningTrap\.constants must be one of 'codata', 'report'"),
        (
            "d = 500.0",
            'd = 500.0\n[[trap.potentials]]\nexpression = "x.__class__"',
            r"trap\.potentials\[0\]: expression 'x\.__class__': attribute access is not allowed",
        ),
        (
            "d = 500.0",
            'd = 500.0\n[[trap.potentials]]\nexpression = "C*x"\nparameters = { C = "1" }',
            r"trap\.potentials\[0\]: Potential parameter C must be a finite number",
        ),
        (
            "d = 500.0",
            'd = 500.0\n[[trap.magnetic_fields]]\ncomponents = ["b*x", "b*y", "0"]\nparameters = { b = 1.0 }',
            r"trap\.magnetic_fields\[0\]: MagneticField .* has divergence",
        ),
        ("d = 500.0", "d = 500.0\npotentials = 3", r"trap\.potentials must be an array of tables"),
    ],
)
def test_bad_values_in_a_file(tmp_path, old, new, match):
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(ConfigError, match=match):
        trapode.load_config(path)


FULL = """
t_end = 5.0
n_steps = 100
save_every = 10

[trap]
B0 = 1.5
V0 = -0.02
d = 400.0
C4 = 1e-3
C6 = -2e-4
B2 = 3e4
tilt = 0.01
tilt_azimuth = 0.3
ellipticity = 0.002
constants = "report"
drive = { amplitude = 0.1, omega = 1.39 }

[[trap.potentials]]
expression = "C * (x**2 - y**2) * cos(w * t)"
parameters = { C = 1e-6, w = 2.0 }

[[trap.magnetic_fields]]
components = ["b * y", "b * x", "0"]
parameters = { b = 1e-7 }

[[particles]]
species = "antiproton"
r = [10.0, 0.0, 5.0]
v = [0.0, 1.0, 0.0]
"""


def test_every_field_of_the_trap_loads_from_toml(tmp_path):
    config = trapode.load_config(write(tmp_path, FULL))
    trap = config.trap
    assert (trap.B0, trap.V0, trap.d, trap.C4, trap.C6, trap.B2) == (1.5, -0.02, 400.0, 1e-3, -2e-4, 3e4)
    assert (trap.tilt, trap.tilt_azimuth, trap.ellipticity, trap.constants) == (0.01, 0.3, 0.002, "report")
    assert trap.potentials == (trapode.Potential("C * (x**2 - y**2) * cos(w * t)", C=1e-6, w=2.0),)
    assert trap.magnetic_fields == (trapode.MagneticField(("b * y", "b * x", "0"), b=1e-7),)
    assert config.particles[0].species == "antiproton" and config.save_every == 10
    # And back: plain data and TOML give the same configuration.
    assert trapode.setup.config_from_dict(trapode.setup.config_to_dict(config)) == config


def test_sympy_terms_round_trip_exactly(tmp_path):
    import sympy as sp

    x, y, C = sp.symbols("x y C")
    trap = trapode.PenningTrap(potentials=[trapode.Potential(sp.Float(0.1 + 0.2) * C * (x**2 - y**2), C=1e-7)])
    config = trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1()], t_end=1.0, n_steps=10)
    assert trapode.setup.config_from_dict(trapode.setup.config_to_dict(config)) == config
    result = trapode.simulate(config)
    result.save(tmp_path / "run.npz")
    loaded = trapode.load_result(tmp_path / "run.npz")
    assert loaded == result
    assert loaded.config.trap.potentials[0].key == trap.potentials[0].key  # the same compiled model


def test_sympy_terms_round_trip_as_text():
    import sympy as sp

    x, y, C = sp.symbols("x y C")
    trap = trapode.PenningTrap(potentials=[trapode.Potential(C * (x**2 - y**2) / 3, C=2.0)])
    config = trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1()], t_end=1.0, n_steps=10)
    data = trapode.setup.config_to_dict(config)
    assert isinstance(data["trap"]["potentials"][0]["expression"], str)
    loaded = trapode.setup.config_from_dict(data).trap.potentials[0]
    from trapode.setup.fields import sympy_form

    symbols = {name: sp.Symbol(name, real=True) for name in ("x", "y", "z", "t", "C")}
    assert sp.simplify(sympy_form(loaded.expression, symbols) - sympy_form(trap.potentials[0].expression, symbols)) == 0


def test_text_is_never_evaluated(tmp_path):
    path = write(tmp_path, VALID.replace("t_end = 50.0", "t_end = \"__import__('os').getcwd()\""))
    with pytest.raises(ConfigError, match=r"t_end must be a positive finite duration in µs, got \"__import__"):
        trapode.load_config(path)


def test_result_round_trips_exactly(tmp_path, trap, particle_1, particle_2):
    config = trapode.SimulationConfig(
        trap=dataclasses.replace(trap, drive=trapode.Drive(0.1, 1.39)),
        particles=[particle_1, particle_2],
        t_end=5.0,
        n_steps=300,
        method="rk4",
        interactions=True,
        rtol=3e-11,
    )
    result = trapode.simulate(config)
    result.save(tmp_path / "run.npz")
    loaded = trapode.load_result(tmp_path / "run.npz")
    assert loaded == result
    assert loaded.config == config
    assert np.array_equal(loaded.r, result.r) and np.array_equal(loaded.v, result.v)
    np.testing.assert_array_equal(loaded.escape_time, result.escape_time)


def test_loading_a_foreign_file_fails_clearly(tmp_path):
    np.savez(tmp_path / "other.npz", t=np.zeros(3))
    with pytest.raises(ConfigError, match=r"not a trapode result file"):
        trapode.load_result(tmp_path / "other.npz")
