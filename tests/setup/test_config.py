"""SimulationConfig: validation messages, what a run keeps."""

import numpy as np
import pytest

import trapode
from trapode import ConfigError, Particle, PenningTrap, SimulationConfig


def test_values_are_normalised(particle_1):
    config = SimulationConfig(trap=PenningTrap(), particles=[particle_1], t_end=1, n_steps=10)
    assert config.particles == (particle_1,) and config.step_size == 0.1 and config.t_end == 1.0
    assert SimulationConfig(trap=PenningTrap(), particles=particle_1, t_end=1, n_steps=10).particles == (particle_1,)


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"n_steps": 0}, r"SimulationConfig\.n_steps must be an integer ≥ 1, got 0"),
        ({"n_steps": 10.5}, r"n_steps must be an integer ≥ 1, got 10\.5"),
        ({"n_steps": 400.0}, r"n_steps must be an integer ≥ 1, got 400\.0 \(float\)"),
        ({"t_end": 0.0}, r"SimulationConfig\.t_end must be a positive finite duration in µs, got 0\.0"),
        ({"t_end": -5}, r"t_end .* got -5"),
        ({"t_end": float("inf")}, r"t_end.*not finite"),
        ({"particles": []}, r"at least one trapode\.Particle"),
        ({"particles": [1.0]}, r"particles\[0\] must be trapode\.Particle"),
        ({"particles": "ions"}, r"particles must be a trapode\.ParticleSet or a sequence of trapode\.Particle"),
        ({"interactions": "yes"}, r"interactions must be True or False, got 'yes'"),
        ({"interactions": 1}, r"interactions must be True or False, got 1"),
        ({"rtol": 0}, r"rtol must be a positive finite tolerance"),
        ({"trap": None}, r"SimulationConfig\.trap must be a trapode\.PenningTrap, got None"),
        ({"save_every": 0}, r"save_every must be an integer ≥ 1, got 0"),
        ({"save_every": "fnal"}, r"save_every must be one of 'final'.*Did you mean 'final'"),
        ({"method": 4}, r"method must be the name of a method, got 4"),
    ],
)
def test_bad_simulation_settings(trap, particle_1, changes, match):
    settings = dict(trap=trap, particles=[particle_1], t_end=50.0, n_steps=100)
    settings.update(changes)
    with pytest.raises(ConfigError, match=match):
        SimulationConfig(**settings)


def test_save_stride(trap, particle_1):
    config = SimulationConfig(trap=trap, particles=[particle_1], t_end=1.0, n_steps=10, save_every=3)
    assert config.save_stride == 3
    assert SimulationConfig(trap=trap, particles=[particle_1], t_end=1.0, n_steps=10, save_every=50).save_stride == 10
    assert (
        SimulationConfig(trap=trap, particles=[particle_1], t_end=1.0, n_steps=10, save_every="final").save_stride == 10
    )


def test_unknown_method_lists_valid_ones(trap, particle_1):
    config = SimulationConfig(trap=trap, particles=[particle_1], t_end=1.0, n_steps=10, method="rk5")
    with pytest.raises(
        ConfigError,
        match=r"must be one of 'adaptive', 'boris', .*'rk4', 'splitting', 'splitting4', got 'rk5'.*Did you mean 'rk4'",
    ):
        trapode.simulate(config)


def test_coincident_particles_rejected_only_with_interactions(trap, particle_1):
    twin = Particle(q=1, m=40.077, r=particle_1.r, v=(1, 2, 3))
    with pytest.raises(ConfigError, match=r"particles \[0, 1\] both start at r = \(20\.0, 0\.0, 20\.0\) µm"):
        SimulationConfig(trap=trap, particles=[particle_1, twin], t_end=1.0, n_steps=10, interactions=True)
    SimulationConfig(trap=trap, particles=[particle_1, twin], t_end=1.0, n_steps=10, interactions=False)


def test_numpy_scalars_are_accepted(trap, particle_1):
    config = SimulationConfig(
        trap=trap, particles=[particle_1], t_end=np.float64(2.0), n_steps=np.int64(20), interactions=np.bool_(False)
    )
    assert (config.t_end, config.n_steps, config.interactions) == (2.0, 20, False)
    assert type(config.n_steps) is int
