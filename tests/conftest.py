import numpy as np
import pytest

import trapode

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def trap():
    """The report's trap: B0 = 1 T, V0 = 25 mV, d = 500 µm (CODATA constants)."""
    return trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)


@pytest.fixture
def particle_1():
    return trapode.report_particle_1()


@pytest.fixture
def particle_2():
    return trapode.report_particle_2()


@pytest.fixture
def examples_dir():
    return EXAMPLES


def single_config(trap, particle, n_steps=4000, method="rk4", t_end=50.0, **kwargs):
    return trapode.SimulationConfig(
        trap=trap, particles=[particle], t_end=t_end, n_steps=n_steps, method=method, **kwargs
    )


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
