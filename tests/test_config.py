"""Configuration objects: validation messages, frequencies, confinement."""

import math

import pytest

import trapode
from trapode import ConfigError, Drive, Particle, PenningTrap, SimulationConfig


def test_frequencies_of_ca_ion_match_hand_computed_values(trap, particle_1):
    frequencies = trap.frequencies(particle_1)
    omega_0 = 96.4852558 / 40.077
    omega_z = math.sqrt(2 * 0.025 * 9.64852558e7 / (40.077 * 500.0**2))
    assert frequencies.omega_0 == pytest.approx(omega_0, rel=1e-15)
    assert frequencies.omega_z == pytest.approx(omega_z, rel=1e-15)
    root = math.sqrt(omega_0**2 - 2 * omega_z**2)
    assert frequencies.omega_plus == pytest.approx((omega_0 + root) / 2, rel=1e-15)
    assert frequencies.omega_minus == pytest.approx((omega_0 - root) / 2, rel=1e-15)
    # SPEC.md quotes these to four decimals.
    assert (round(frequencies.omega_0, 4), round(frequencies.omega_z, 4)) == (2.4075, 0.6939)
    assert (round(frequencies.omega_plus, 4), round(frequencies.omega_minus, 4)) == (2.3030, 0.1045)


def test_internal_units_of_default_trap(trap):
    assert trap.B0_internal == pytest.approx(96.4852558)
    assert trap.V0_internal == pytest.approx(2.41213e6, rel=1e-5)
    assert trap.V0_internal / trap.d**2 == pytest.approx(9.65, rel=1e-3)


def test_values_are_normalised_to_floats_and_tuples():
    particle = Particle(q=1, m=40, r=[1, 2, 3], v=(0, 0, 0))
    assert particle.r == (1.0, 2.0, 3.0) and isinstance(particle.m, float)
    config = SimulationConfig(trap=PenningTrap(), particles=[particle], t_end=1, n_steps=10)
    assert config.particles == (particle,) and config.step_size == 0.1


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Particle(q=1, m=0, r=(0, 0, 0), v=(0, 0, 0)), r"Particle\.m must be a positive finite mass in u, got 0\.0"),
        (lambda: Particle(q=1, m=-2.5, r=(0, 0, 0), v=(0, 0, 0)), r"Particle\.m .* got -2\.5"),
        (lambda: Particle(q=float("nan"), m=1, r=(0, 0, 0), v=(0, 0, 0)), r"Particle\.q.*not finite"),
        (lambda: Particle(q=1, m=1, r=(0, 0), v=(0, 0, 0)), r"Particle\.r must be a sequence of 3 .* got 2 values"),
        (lambda: Particle(q=1, m=1, r=(0, 0, 0), v=(0, 0, 0, 1)), r"Particle\.v .* got 4 values"),
        (lambda: Particle(q=1, m=1, r=(0, float("inf"), 0), v=(0, 0, 0)), r"Particle\.r\[1\].*not finite"),
        (lambda: Particle(q=1, m=1, r="abc", v=(0, 0, 0)), r"Particle\.r must be a sequence of 3"),
        (lambda: Particle(q="1", m=1, r=(0, 0, 0), v=(0, 0, 0)), r"Particle\.q must be a finite charge in e, got '1' \(str\)"),
        (lambda: PenningTrap(d=0), r"PenningTrap\.d must be a positive finite length in µm, got 0\.0"),
        (lambda: PenningTrap(d=-500), r"PenningTrap\.d .* got -500\.0"),
        (lambda: PenningTrap(B0=float("nan")), r"PenningTrap\.B0.*not finite"),
        (lambda: PenningTrap(drive=0.1), r"PenningTrap\.drive must be a trapode\.Drive or None"),
        (lambda: Drive(amplitude=-0.1, omega=1.0), r"Drive\.amplitude must be a finite number ≥ 0"),
        (lambda: Drive(amplitude=0.1, omega=0.0), r"Drive\.omega must be a positive finite angular frequency"),
    ],
)
def test_bad_values_name_field_value_and_expectation(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"n_steps": 0}, r"SimulationConfig\.n_steps must be an integer ≥ 1, got 0"),
        ({"n_steps": 10.5}, r"n_steps must be an integer ≥ 1, got 10\.5"),
        ({"t_end": 0.0}, r"SimulationConfig\.t_end must be a positive finite duration in µs, got 0\.0"),
        ({"t_end": -5}, r"t_end .* got -5\.0"),
        ({"t_end": float("inf")}, r"t_end.*not finite"),
        ({"particles": []}, r"at least one trapode\.Particle"),
        ({"particles": [1.0]}, r"particles\[0\] must be a trapode\.Particle"),
        ({"interactions": "yes"}, r"interactions must be True or False, got 'yes'"),
        ({"rtol": 0}, r"rtol must be a positive finite tolerance"),
    ],
)
def test_bad_simulation_settings(trap, particle_1, changes, match):
    settings = dict(trap=trap, particles=[particle_1], t_end=50.0, n_steps=100)
    settings.update(changes)
    with pytest.raises(ConfigError, match=match):
        SimulationConfig(**settings)


def test_unknown_method_lists_valid_ones(trap, particle_1):
    config = SimulationConfig(trap=trap, particles=[particle_1], t_end=1.0, n_steps=10, method="rk5")
    with pytest.raises(ConfigError, match=r"must be one of 'dop853', 'euler', 'rk4'.*got 'rk5'"):
        trapode.simulate(config)


def test_coincident_particles_rejected_only_with_interactions(trap, particle_1):
    twin = Particle(q=1, m=40.077, r=particle_1.r, v=(1, 2, 3))
    with pytest.raises(ConfigError, match=r"particles \[0, 1\] all start at r = \(20\.0, 0\.0, 20\.0\) µm"):
        SimulationConfig(trap=trap, particles=[particle_1, twin], t_end=1.0, n_steps=10, interactions=True)
    SimulationConfig(trap=trap, particles=[particle_1, twin], t_end=1.0, n_steps=10, interactions=False)


def test_confinement_criteria(trap, particle_1):
    assert trap.confinement_problems(particle_1) == []
    anion = Particle(q=-1, m=40.077, r=(1, 0, 0), v=(0, 0, 0))
    assert "q V0" in trap.confinement_problems(anion)[0]
    # q/m = 4 V0 / (B0² d²) is the edge (eq. 22): just below it the radial motion is unbounded.
    threshold = 4 * trap.V0_internal / (trap.B0_internal**2 * trap.d**2)
    heavy = Particle(q=1, m=1 / threshold * 1.001, r=(1, 0, 0), v=(0, 0, 0))
    assert "radial" in trap.confinement_problems(heavy)[0]
    light = Particle(q=1, m=1 / threshold * 0.999, r=(1, 0, 0), v=(0, 0, 0))
    assert trap.confinement_problems(light) == []


def test_unconfined_particle_warns_with_its_index_and_criterion(trap, particle_1):
    heavy = Particle(q=1, m=1000.0, r=(10, 0, 0), v=(0, 0, 0))
    config = SimulationConfig(trap=trap, particles=[particle_1, heavy], t_end=1.0, n_steps=10)
    with pytest.warns(trapode.ConfinementWarning, match=r"particle 1 \(q = 1 e, m = 1000 u\).*below 4 V0 / \(B0² d²\)"):
        trapode.simulate(config)
