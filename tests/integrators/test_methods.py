"""The method registry: new methods plug in without touching simulate()."""

from dataclasses import dataclass

import numpy as np
import pytest

import trapode
from trapode.integrators import METHODS, Trajectory
from trapode.observers import saved_steps

from ..conftest import single_config


@dataclass(frozen=True)
class ExplicitMidpoint:
    """A second-order method written in plain Python on the compiled flat right-hand side."""

    name: str = "midpoint"
    order: int = 2

    def integrate(self, system, t_end, n_steps, stride, rtol=None, atol=None, monitor=None):
        h = t_end / n_steps
        y = system.initial_state()
        states = [y]
        for i in range(n_steps):
            half = y + h / 2 * system.rhs(i * h, y)
            y = y + h * system.rhs(i * h + h / 2, half)
            states.append(y)
        states = np.array(states).reshape(n_steps + 1, 2, system.n_particles, 3)
        inside = np.array([system.trapped_flags(state[0].T) for state in states])  # the package's escape rule
        escape = np.where(~inside.all(axis=0), np.argmin(inside, axis=0), -1)
        steps = saved_steps(n_steps, stride)
        return Trajectory(states[steps, 0], states[steps, 1], steps, escape, inside[-1])


@pytest.fixture
def midpoint():
    method = trapode.register_method(ExplicitMidpoint())
    yield method
    del METHODS[method.name]


def test_registered_method_runs_through_simulate_at_its_order(midpoint, trap, particle_1):
    assert "midpoint" in trapode.available_methods()
    study = trapode.convergence_study(
        single_config(trap, particle_1, t_end=5.0), methods=["midpoint"], n_steps=[400, 800, 1600]
    )
    assert study.rates["midpoint"] == pytest.approx(2.0, abs=0.05)


def test_registering_twice_needs_replace(midpoint):
    with pytest.raises(trapode.ConfigError, match="already registered; pass replace=True"):
        trapode.register_method(ExplicitMidpoint())
    trapode.register_method(ExplicitMidpoint(), replace=True)


def test_registering_a_non_method_fails():
    with pytest.raises(trapode.ConfigError, match="needs an object with a non-empty str `name`"):
        trapode.register_method(object())


def test_builtin_methods_and_orders():
    builtin = ["adaptive", "boris", "boris-exact", "dop853", "euler", "rk4", "splitting", "splitting4"]
    assert [name for name in trapode.available_methods() if name in builtin] == builtin
    orders = [METHODS[name].order for name in builtin]
    assert orders == [8, 2, 2, 8, 1, 4, 2, 4]


def test_a_method_without_a_monitor_argument_is_refused_when_registered():
    """Ctrl-C and progress reach a method only through its monitor: one without is refused up front."""

    class Old:
        name, order = "old-style", 1

        def integrate(self, system, t_end, n_steps, stride, rtol, atol):
            raise AssertionError("never called")

    with pytest.raises(trapode.ConfigError, match="monitor"):
        trapode.register_method(Old())
    assert "old-style" not in trapode.available_methods()
