"""Fail safe: bad input of every kind at every public boundary gets a documented error naming the parameter.

Grouped like issue 8: (1) every public function and constructor validates its
arguments; (2) impossible work is refused up front; (5) runs that blow up say
so. Files, checkpoints, the command line, Ctrl-C and Dask have their own tests
in test_files_and_signals.py.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trapode
from trapode import ConfigError

# --- values of every kind ------------------------------------------------------------------------

HUGE = 10**400

#: Not a finite real number, whatever the parameter's range.
BAD_REAL = {
    "None": None,
    "str": "1.0",
    "bool": True,
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "huge int": HUGE,
    "complex": 1 + 2j,
    "0-d complex array": np.array(1 + 0j),
    "2-d array": np.array([[1.0]]),
    "list": [1.0],
    "dict": {"value": 1.0},
    "bytes": b"1",
}
#: Not a count (a positive integer).
BAD_COUNT = {
    "None": None,
    "str": "400",
    "bool": True,
    "float with a fraction": 400.9,
    "huge int": HUGE,
    "beyond 64 bits": 2**63,
    "zero": 0,
    "negative": -3,
    "nan": math.nan,
    "inf": math.inf,
    "complex": 400 + 0j,
    "2-d array": np.array([[400]]),
    "dict": {"n": 400},
}
#: Not True or False.
BAD_FLAG = {
    "None": None,
    "str": "no",
    "float": 0.5,
    "int 2": 2,
    "nan": math.nan,
    "array of two": np.array([True, False]),
    "dict": {},
}
#: Not a position or velocity (3 finite numbers).
BAD_VECTOR = {
    "None": None,
    "str": "abc",
    "two values": [1.0, 2.0],
    "four values": [1.0, 2.0, 3.0, 4.0],
    "dict": {5: "a", 6: "b", 7: "c"},
    "set": {1.0, 2.0, 3.0},
    "2-d array": np.zeros((3, 1)),
    "0-d array": np.array(1.0),
    "nan": [1.0, 2.0, math.nan],
    "inf": [1.0, math.inf, 3.0],
    "huge int": [HUGE, 0, 0],
    "complex": [1j, 0, 0],
    "strings": ["1", "2", "3"],
    "bools": [True, False, True],
}
#: Not an object of the expected class.
BAD_OBJECT = {"None": None, "str": "trap", "int": 1, "dict": {"B0": 1.0}, "list": [1.0]}


def cases(table):
    """pytest parameters ``(label, value)`` of a table of bad values."""
    return [pytest.param(value, id=label) for label, value in table.items()]


def refused(call, name):
    """``call()`` raises ConfigError whose message names ``name`` and stays short."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ConfigError) as caught:
            call()
    message = str(caught.value)
    assert name in message, message
    assert len(message) < 1000, message  # a huge value is never echoed whole
    return message


@pytest.fixture(scope="module")
def trap():
    return trapode.PenningTrap()


@pytest.fixture(scope="module")
def ion():
    return trapode.Particle(q=1.0, m=40.077, r=(20.0, 0.0, 20.0), v=(0.0, 25.0, 0.0))


def config_with(trap, ion, **changes):
    settings = dict(trap=trap, particles=(ion,), t_end=1.0, n_steps=10)
    settings.update(changes)
    return trapode.SimulationConfig(**settings)


# --- 1. every public function and constructor validates its arguments ----------------------------

TRAP_REALS = ["B0", "V0", "d", "C4", "C6", "B2", "tilt", "tilt_azimuth", "ellipticity"]


@pytest.mark.parametrize("value", cases(BAD_REAL))
@pytest.mark.parametrize("name", TRAP_REALS)
def test_trap_numbers(name, value):
    refused(lambda: trapode.PenningTrap(**{name: value}), name)


@pytest.mark.parametrize("value", [0.0, -1.0, 5e-324, 1e-31, 1e31])
def test_trap_size_must_be_positive_and_representable(value):
    # d⁶ normalises the C6 term, so d must keep d⁶ a normal float.
    refused(lambda: trapode.PenningTrap(d=value), "d")


def test_a_trap_without_magnetic_field_is_made_but_has_no_frequencies():
    trap = trapode.PenningTrap(B0=0.0)  # a valid setting (an electrostatic trap); it just cannot confine
    message = refused(lambda: trap.frequencies(trapode.Particle(q=1.0, m=40.0)), "ωc")
    assert "not bounded" in message


@pytest.mark.parametrize(
    "value", cases({k: v for k, v in BAD_OBJECT.items() if k != "None"} | {"dict": {"amplitude": 0.1, "omega": 1.0}})
)
def test_trap_drive(value):
    refused(lambda: trapode.PenningTrap(drive=value), "drive")


@pytest.mark.parametrize("value", cases({"str": "a*x", "None in list": [None], "dict": {"a": 1}, "int": 3}))
@pytest.mark.parametrize("name", ["potentials", "magnetic_fields"])
def test_trap_field_terms(name, value):
    refused(lambda: trapode.PenningTrap(**{name: value}), name)


@pytest.mark.parametrize("value", cases(BAD_REAL))
@pytest.mark.parametrize("name", ["amplitude", "omega"])
def test_drive(name, value):
    settings = {"amplitude": 0.1, "omega": 1.0, name: value}
    refused(lambda: trapode.Drive(**settings), name)


@pytest.mark.parametrize(("name", "value"), [("amplitude", -0.1), ("omega", 0.0), ("omega", -1.0)])
def test_drive_out_of_range(name, value):
    settings = {"amplitude": 0.1, "omega": 1.0, name: value}
    refused(lambda: trapode.Drive(**settings), name)


@pytest.mark.parametrize("value", cases({k: v for k, v in BAD_REAL.items() if k != "None"}))
@pytest.mark.parametrize("name", ["q", "m"])
def test_particle_charge_and_mass(name, value):
    settings = {"q": 1.0, "m": 40.0, name: value}
    refused(lambda: trapode.Particle(**settings), name)


@pytest.mark.parametrize("value", cases(BAD_VECTOR))
@pytest.mark.parametrize("name", ["r", "v"])
def test_particle_vectors(name, value):
    settings = {"q": 1.0, "m": 40.0, name: value}
    refused(lambda: trapode.Particle(**settings), name)


@pytest.mark.parametrize("value", cases({"unknown": "40Xx+", "int": 40, "empty": "", "None and no mass": None}))
def test_particle_species(value):
    refused(lambda: trapode.Particle(species=value), "species" if value is not None else "m")


def test_particle_mass_must_be_positive():
    refused(lambda: trapode.Particle(q=1.0, m=0.0), "m")
    refused(lambda: trapode.Particle(q=1.0, m=-1.0), "m")


@pytest.mark.parametrize("value", cases({"None": None, "int": 3, "list": ["x"], "dict": {}, "empty": ""}))
def test_potential_expression(value):
    with pytest.raises(ConfigError):  # ExpressionError is a ConfigError
        trapode.Potential(value)


@pytest.mark.parametrize("value", cases(BAD_REAL))
def test_potential_parameters(value):
    refused(lambda: trapode.Potential("a * x**2", a=value), "a")


@pytest.mark.parametrize("value", cases({"two": ("0", "0"), "str": "0", "None": None, "ints": (0, 0, 0)}))
def test_magnetic_field_components(value):
    with pytest.raises(ConfigError):
        trapode.MagneticField(value)


@pytest.mark.parametrize("value", cases(BAD_REAL))
@pytest.mark.parametrize("name", ["t_end", "rtol", "atol"])
def test_config_numbers(trap, ion, name, value):
    refused(lambda: config_with(trap, ion, **{name: value}), name)


@pytest.mark.parametrize("value", cases(BAD_COUNT))
def test_config_n_steps(trap, ion, value):
    refused(lambda: config_with(trap, ion, n_steps=value), "n_steps")


@pytest.mark.parametrize("value", cases({**BAD_COUNT, "unknown word": "some"}))
def test_config_save_every(trap, ion, value):
    refused(lambda: config_with(trap, ion, save_every=value), "save_every")


@pytest.mark.parametrize("value", cases(BAD_FLAG))
def test_config_interactions(trap, ion, value):
    refused(lambda: config_with(trap, ion, interactions=value), "interactions")


@pytest.mark.parametrize("value", cases({"None": None, "int": 4, "list": ["rk4"], "empty": ""}))
def test_config_method(trap, ion, value):
    refused(lambda: config_with(trap, ion, method=value), "method")


def test_an_unknown_method_is_refused_before_the_run(trap, ion):
    # Checked when the run starts, so that a method registered after the config was made is found.
    message = refused(lambda: trapode.simulate(config_with(trap, ion, method="rk5"), progress=False), "method")
    assert "'rk4'" in message  # the close match


@pytest.mark.parametrize("value", cases(BAD_OBJECT))
def test_config_trap(ion, value):
    refused(lambda: trapode.SimulationConfig(trap=value, particles=(ion,), t_end=1.0, n_steps=10), "trap")


@pytest.mark.parametrize("value", cases({"None": None, "empty": (), "str": "ion", "list of None": [None], "int": 1}))
def test_config_particles(trap, value):
    refused(lambda: trapode.SimulationConfig(trap=trap, particles=value, t_end=1.0, n_steps=10), "particles")


def test_config_refuses_coincident_particles(trap, ion):
    refused(lambda: config_with(trap, ion, particles=(ion, ion)), "particles")


@pytest.mark.parametrize("value", cases(BAD_OBJECT))
def test_simulate_config(value):
    refused(lambda: trapode.simulate(value), "config")


@pytest.mark.parametrize("value", cases(BAD_FLAG))
def test_simulate_progress(trap, ion, value):
    refused(lambda: trapode.simulate(config_with(trap, ion), progress=value), "progress")


@pytest.mark.parametrize("value", cases(BAD_OBJECT))
def test_right_hand_side_config(value):
    refused(lambda: trapode.right_hand_side(value), "config")


@pytest.mark.parametrize("value", cases(BAD_OBJECT))
def test_analytic_solution_trap_and_particle(trap, ion, value):
    refused(lambda: trapode.analytic_solution(value, ion, [0.0, 1.0]), "trap")
    refused(lambda: trapode.analytic_solution(trap, value, [0.0, 1.0]), "particle")


@pytest.mark.parametrize(
    "value",
    cases({"None": None, "str": "1", "nan": [0.0, math.nan], "2-d": np.zeros((2, 2)), "complex": [1j], "dict": {}}),
)
def test_analytic_solution_times(trap, ion, value):
    refused(lambda: trapode.analytic_solution(trap, ion, value), "t")


@pytest.mark.parametrize("value", cases(BAD_FLAG))
def test_analytic_solution_velocity(trap, ion, value):
    refused(lambda: trapode.analytic_solution(trap, ion, [0.0], velocity=value), "velocity")


@pytest.mark.parametrize("value", cases(BAD_OBJECT))
def test_frequency_functions_need_a_trap_and_a_particle(trap, ion, value):
    for function in (trapode.radial_amplitudes, trapode.predicted_resonances):
        refused(lambda function=function: function(value, ion), "trap")
        refused(lambda function=function: function(trap, value), "particle")
    refused(lambda: trap.frequencies(value), "particle")


@pytest.mark.parametrize("value", cases(BAD_COUNT))
def test_predicted_resonances_order(trap, ion, value):
    refused(lambda: trapode.predicted_resonances(trap, ion, max_order=value), "max_order")


@pytest.mark.parametrize("value", cases(BAD_COUNT))
def test_random_particles_n(trap, value):
    refused(lambda: trapode.random_particles(value, trap, seed=1), "n")


@pytest.mark.parametrize("value", cases({"str": "abc", "float": 1.5, "negative": -1, "list": [1.5], "dict": {}}))
def test_random_particles_seed(trap, value):
    refused(lambda: trapode.random_particles(3, trap, seed=value), "seed")


@pytest.mark.parametrize("value", cases(BAD_OBJECT))
def test_random_particles_trap(value):
    refused(lambda: trapode.random_particles(3, value, seed=1), "trap")


@pytest.mark.parametrize("value", cases(BAD_COUNT))
def test_equations_of_motion_particles(trap, value):
    refused(lambda: trapode.equations_of_motion(trap, n_particles=value), "n_particles")


@pytest.mark.parametrize("value", cases(BAD_FLAG))
def test_equations_of_motion_interactions(trap, value):
    refused(lambda: trapode.equations_of_motion(trap, n_particles=2, interactions=value), "interactions")


@pytest.mark.parametrize("value", cases({**BAD_COUNT, "empty": [], "list with a fraction": [400.9, 800]}))
def test_convergence_study_n_steps(trap, ion, value):
    refused(lambda: trapode.convergence_study(config_with(trap, ion), n_steps=value), "n_steps")


@pytest.mark.parametrize("value", cases({"unknown": ["rk5"], "str": 4, "empty": [], "None": None}))
def test_convergence_study_methods(trap, ion, value):
    refused(lambda: trapode.convergence_study(config_with(trap, ion), methods=value), "method")


@pytest.mark.parametrize("value", cases({"unknown": "exact", "None": None, "int": 1}))
def test_convergence_study_reference(trap, ion, value):
    refused(lambda: trapode.convergence_study(config_with(trap, ion), reference=value), "reference")


@pytest.mark.parametrize(
    "value", cases({"None": None, "str": "1", "nan": [1.0, math.nan], "2-d": np.ones((2, 2)), "one": [1.0]})
)
def test_error_measures(value):
    refused(lambda: trapode.max_error(value, [1.0, 2.0]), "numeric")
    refused(lambda: trapode.relative_error([1.0, 2.0], value), "exact")
    refused(lambda: trapode.convergence_rate(value, [1.0, 2.0]), "step_sizes")


SWEEP_GRID = dict(amplitudes=[0.1], omegas=[1.0], t_end=1.0, n_steps=10, progress=False)


@pytest.mark.parametrize(
    "value", cases({"None": None, "str": "0.1", "nan": [math.nan], "2-d": [[0.1]], "empty": [], "negative": [-0.1]})
)
@pytest.mark.parametrize("name", ["amplitudes", "omegas"])
def test_sweep_grids(trap, ion, name, value):
    refused(lambda: trapode.sweep(trap, [ion], **{**SWEEP_GRID, name: value}), name)


@pytest.mark.parametrize("value", cases(BAD_FLAG))
@pytest.mark.parametrize("name", ["interactions", "progress"])
def test_sweep_flags(trap, ion, name, value):
    refused(lambda: trapode.sweep(trap, [ion], **{**SWEEP_GRID, name: value}), name)


@pytest.mark.parametrize("value", cases(BAD_COUNT))
@pytest.mark.parametrize("name", ["n_steps", "batch_size"])
def test_sweep_counts(trap, ion, name, value):
    if name == "batch_size" and value is None:
        return  # None is batch_size's default: the number of threads
    refused(lambda: trapode.sweep(trap, [ion], **{**SWEEP_GRID, name: value}), name)


@pytest.mark.parametrize("value", cases({**BAD_REAL, "zero": 0.0, "negative": -1.0}))
@pytest.mark.parametrize("name", ["t_end", "timeout"])
def test_sweep_durations(trap, ion, name, value):
    refused(lambda: trapode.sweep(trap, [ion], **{**SWEEP_GRID, name: value}), name)


@pytest.mark.parametrize("value", cases({"negative": -1, "float": 1.5, "str": "1", "None": None}))
def test_sweep_retries(trap, ion, value):
    refused(lambda: trapode.sweep(trap, [ion], **SWEEP_GRID, retries=value), "retries")


@pytest.mark.parametrize("value", cases({"str": "pool", "int": 4, "dict": {}}))
def test_sweep_executor(trap, ion, value):
    refused(lambda: trapode.sweep(trap, [ion], **SWEEP_GRID, executor=value), "executor")


@pytest.mark.parametrize("value", cases(BAD_OBJECT))
def test_sweep_trap_and_ions(trap, ion, value):
    refused(lambda: trapode.sweep(value, [ion], **SWEEP_GRID), "trap")
    refused(lambda: trapode.sweep(trap, value, **SWEEP_GRID), "ions")


@pytest.mark.parametrize("value", cases({**BAD_REAL, "above one": 1.5, "negative": -0.1}))
def test_find_resonances_threshold(trap, ion, value):
    refused(lambda: trapode.find_resonances(trap, [ion], **SWEEP_GRID, threshold=value), "threshold")


@pytest.mark.parametrize("value", cases({**BAD_REAL, "zero": 0.0, "negative": -0.1}))
def test_find_resonances_tolerance(trap, ion, value):
    refused(lambda: trapode.find_resonances(trap, [ion], **SWEEP_GRID, tolerance=value), "tolerance")


@pytest.mark.parametrize("value", cases(BAD_FLAG))
def test_find_resonances_refine(trap, ion, value):
    refused(lambda: trapode.find_resonances(trap, [ion], **SWEEP_GRID, refine=value), "refine")


@pytest.mark.parametrize("value", cases({"None": None, "int": 1, "dict": {}, "list": [1.0]}))
def test_file_paths(value):
    refused(lambda: trapode.load_config(value), "path")
    refused(lambda: trapode.load_result(value), "path")


# --- hypothesis: the numeric edges of every real parameter --------------------------------------

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(TRAP_REALS), value=NUMBERS)
def test_any_number_makes_a_trap_or_a_config_error(name, value):
    """A trap is either made with a finite float, or refused naming the field; nothing else escapes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trap = trapode.PenningTrap(**{name: value})
    except ConfigError as error:
        assert name in str(error)
        return
    stored = getattr(trap, name)
    assert type(stored) is float and math.isfinite(stored)
    assert stored == float(value)


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(["B0", "V0", "d"]),
    value=st.floats(allow_nan=False, allow_infinity=False).filter(lambda number: number != 0.0),
)
def test_any_trap_has_finite_frequencies_or_a_config_error(name, value):
    """Extreme fields never give overflowed or underflowed frequencies, nor an OverflowError."""
    ion = trapode.Particle(q=1.0, m=40.077)
    try:
        frequencies = trapode.PenningTrap(**{name: value}).frequencies(ion)
    except ConfigError:
        return
    numbers = [frequencies.omega_plus, frequencies.omega_z, frequencies.omega_minus, frequencies.omega_c]
    assert all(math.isfinite(number) and number > 0 for number in numbers)
    assert frequencies.omega_plus > frequencies.omega_minus


@settings(max_examples=150, deadline=None)
@given(value=NUMBERS)
def test_any_number_makes_a_count_or_a_config_error(value):
    from trapode._validate import count

    try:
        result = count("n_steps", value)
    except ConfigError as error:
        assert "n_steps" in str(error)
        return
    assert type(result) is int and result >= 1 and result == value


# --- 2. impossible work is refused up front, with an estimate ------------------------------------


def test_a_trajectory_too_big_for_memory_is_refused_before_any_work(trap, ion):
    config = config_with(trap, ion, t_end=1e6, n_steps=10**12)
    message = refused(lambda: trapode.simulate(config, progress=False), "save_every")
    assert "B" in message  # says how much memory it would need (in bytes, KiB, ... TiB)


def test_final_state_output_of_the_same_run_is_refused_for_its_duration(trap, ion):
    config = config_with(trap, ion, t_end=1e6, n_steps=10**15, save_every="final")
    message = refused(lambda: trapode.simulate(config, progress=False), "n_steps")
    assert "year" in message or "day" in message


def test_an_adaptive_run_that_cannot_finish_is_refused(trap, ion):
    config = config_with(trap, ion, t_end=1e300, method="dop853", save_every="final")
    refused(lambda: trapode.simulate(config, progress=False), "t_end")


def test_a_sweep_whose_runs_cannot_finish_is_refused(trap, ion):
    refused(lambda: trapode.sweep(trap, [ion], **{**SWEEP_GRID, "n_steps": 10**15}), "n_steps")


# --- 5. runs that blow up say so -----------------------------------------------------------------


def test_coincident_ions_are_refused_in_sweeps_with_interactions(trap, ion):
    message = refused(lambda: trapode.sweep(trap, [ion, ion], **SWEEP_GRID, interactions=True), "ions")
    assert "distinct positions" in message


def test_coincident_ions_without_interactions_are_fine(trap, ion):
    result = trapode.sweep(trap, [ion, ion], **SWEEP_GRID)
    assert result.fraction_trapped.tolist() == [[1.0]]


def test_a_sweep_run_that_blows_up_is_reported_not_counted_as_a_loss(trap):
    # ωc h ≈ 1e301 for this (unphysical) mass: one RK4 step overflows to inf, then inf - inf = NaN.
    light = trapode.Particle(q=1.0, m=1e-300, r=(10.0, 0.0, 0.0), v=(1.0, 0.0, 0.0))
    with pytest.raises(trapode.SweepError, match="2 became non-finite") as caught:
        trapode.sweep(trap, [light], amplitudes=[0.0], omegas=[1.0, 2.0], t_end=1.0, n_steps=10, progress=False)
    result = caught.value.result
    assert not result.completed.any()
    assert np.isnan(result.fraction_trapped).all()  # unknown, not "all escaped"
    assert all(isinstance(error, FloatingPointError) for _, _, error in caught.value.failures)


def test_neutral_particles_pass_through_each_other(trap):
    """q = 0 feels no Coulomb force, even where two of them meet: straight lines, no 0 × ∞."""
    a = trapode.Particle(q=0.0, m=1.0, r=(-10.0, 0.0, 0.0), v=(5.0, 0.0, 0.0))
    b = trapode.Particle(q=0.0, m=1.0, r=(10.0, 0.0, 0.0), v=(-5.0, 0.0, 0.0))
    config = trapode.SimulationConfig(trap=trap, particles=(a, b), t_end=4.0, n_steps=400, interactions=True)
    with pytest.warns(trapode.ConfinementWarning):  # a neutral particle is not confined: said, not refused
        result = trapode.simulate(config, progress=False)
    t = result.t
    np.testing.assert_allclose(result.r[:, 0, 0], -10.0 + 5.0 * t, atol=1e-9)  # they meet at t = 2 µs
    np.testing.assert_allclose(result.r[:, 1, 0], 10.0 - 5.0 * t, atol=1e-9)
    assert np.all(result.r[:, :, 1:] == 0.0)


def test_dop853_with_a_non_finite_initial_derivative_stops_at_once(trap):
    fast = trapode.Particle(q=1.0, m=40.077, r=(10.0, 0.0, 0.0), v=(1e308, 1e308, 0.0))
    config = trapode.SimulationConfig(trap=trap, particles=(fast,), t_end=1.0, n_steps=10, method="dop853")
    with pytest.raises(trapode.IntegrationError, match="non-finite"):
        trapode.simulate(config, progress=False)


# --- found by a hostile probe: each once escaped, hung or gave a silent wrong answer ---------------


@pytest.mark.parametrize("text", ["exp(exp(exp({c})))", "sinh(sinh(sinh({c})))", "1/({c} - {c})"])
def test_user_terms_that_overflow_are_refused_at_once(text):
    with pytest.raises(ConfigError, match="not a finite real number"):
        trapode.Potential(text.format(c="x"))
    with pytest.raises(ConfigError, match="not a finite real number"):
        trapode.MagneticField((text.format(c="z"), "0", "0"))


@pytest.mark.parametrize("gap", [0.0, 1e-300, 1e-101])
def test_interacting_ions_too_close_for_floats_are_refused(trap, gap):
    """Closer than 1e-100 µm the Coulomb force is beyond floats: refused, not silently weakened."""
    a = trapode.Particle(q=1.0, m=40.0, r=(0.0, 0.0, 0.0))
    b = trapode.Particle(q=1.0, m=40.0, r=(gap, 0.0, 0.0))
    message = refused(lambda: trapode.SimulationConfig(trap=trap, particles=(a, b), t_end=1.0, n_steps=10), "[0, 1]")
    assert "distinct positions" in message
    refused(lambda: trapode.sweep(trap, [a, b], **SWEEP_GRID, interactions=True), "ions")
    trapode.SimulationConfig(trap=trap, particles=(a, b), t_end=1.0, n_steps=10, interactions=False)


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"n_steps": [100, 100]}, "n_steps"),
        ({"n_steps": [100, 200], "reference": "euler"}, "reference"),
    ],
)
def test_convergence_studies_that_cannot_give_a_rate_are_refused_before_any_run(trap, ion, changes, name):
    refused(lambda: trapode.convergence_study(config_with(trap, ion), methods=["euler"], **changes), name)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda trap, ion: trapode.predicted_resonances(trap, ion, max_order=10**8), "max_order"),
        (lambda trap, ion: trapode.equations_of_motion(trap, n_particles=10**6), "n_particles"),
        (lambda trap, ion: trapode.random_particles(10**12, trap), "n"),
        (lambda trap, ion: trapode.random_particles(3, trap, species="9Be+", m=math.nan), "m"),
        (lambda trap, ion: trapode.analytic_solution(trap, ion, np.broadcast_to(0.0, (10**11,))), "times"),
        (lambda trap, ion: trapode.analytic_solution(trap, trapode.Particle(q=1e300, m=1e-300), [1.0]), "range"),
    ],
    ids=["max_order", "n_particles", "random n", "random m", "analytic memory", "analytic overflow"],
)
def test_work_that_would_hang_or_exhaust_memory_is_refused(trap, ion, call, name):
    refused(lambda: call(trap, ion), name)


@pytest.mark.parametrize("value", cases({"int": 5, "bool": True, "list": ["a"], "empty": "", "NUL": "a\0b"}))
def test_file_path_values(trap, ion, value):
    refused(lambda: trapode.sweep(trap, [ion], **SWEEP_GRID, checkpoint=value), "checkpoint")
    refused(lambda: trapode.load_config(value), "path")
    refused(lambda: trapode.load_result(value), "path")


def test_a_sweep_result_plot_checks_its_arguments(trap, ion):
    result = trapode.sweep(trap, [ion], **SWEEP_GRID)
    refused(lambda: result.plot(ax="x"), "ax")
    refused(lambda: result.plot(resonances=5), "resonances")
    refused(lambda: result.plot(resonances=["x"]), "resonances")
    refused(
        lambda: trapode.SweepResult(
            trap,
            (ion,),
            np.array([0.1]),
            np.array([1.0]),
            5.0,
            200,
            False,
            np.zeros((2, 2, 2), bool),
            np.zeros((1, 1), bool),
        ),
        "trapped",
    )


def test_right_hand_side_checks_the_state_it_gets(trap, ion):
    fun, y0 = trapode.right_hand_side(config_with(trap, ion))
    assert fun(0.0, y0).shape == y0.shape
    for bad in (np.zeros(5), None, y0.astype(complex)):
        refused(lambda bad=bad: fun(0.0, bad), "y")
