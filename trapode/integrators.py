"""Time integrators and the registry that names them.

Each integrator is a small immutable object with a ``name``, an ``order`` and
an ``integrate(system, t_end, n_steps, rtol, atol)`` method that returns the
trajectory sampled at ``t_i = i t_end / n_steps``. :func:`trapode.simulate`
looks methods up by name in :data:`METHODS`, so a new method plugs in with
:func:`register_method` and no change to the driver (as SciPy's
``solve_ivp`` does with its ``METHODS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import kernels
from .errors import ConfigError

__all__ = [
    "Trajectory",
    "time_grid",
    "FixedStepIntegrator",
    "SolveIvpIntegrator",
    "METHODS",
    "register_method",
    "get_method",
    "available_methods",
]


class Trajectory(NamedTuple):
    """What an integrator returns.

    ``r`` and ``v`` have shape ``(n_steps + 1, N, 3)``; only the first
    ``n_stored`` rows are valid. ``n_stored < n_steps + 1`` means the run
    stopped early, and ``message`` says why.
    """

    r: np.ndarray
    v: np.ndarray
    n_stored: int
    message: str = ""


def time_grid(t_end, n_steps):
    """The sample times ``t_i = i h`` with ``h = t_end / n_steps``, i = 0..n_steps, in µs.

    Each time is one product, never a running sum, as in the kernels; the last
    is clamped to ``t_end``.
    """
    t = np.arange(n_steps + 1) * (t_end / n_steps)
    t[-1] = min(t[-1], t_end)
    return t


def _empty_trajectory(n_steps, n_particles):
    """Output arrays in the kernels' (n_steps + 1, 3, N) layout and their (n_steps + 1, N, 3) views."""
    r, v = np.empty((2, n_steps + 1, 3, n_particles))
    return r, v, r.transpose(0, 2, 1), v.transpose(0, 2, 1)


@dataclass(frozen=True)
class FixedStepIntegrator:
    """A fixed-step method whose whole time loop runs in one compiled kernel.

    Parameters
    ----------
    name : str
        Name under which the method is registered.
    order : int
        Global order of accuracy.
    kernel : callable
        A compiled function with the signature of
        :func:`trapode.kernels.rk4_trajectory`.
    threaded_kernel : callable, optional
        The same with the Coulomb sum spread over threads, used for thousands
        of interacting particles; ``kernel`` if not given.
    """

    name: str
    order: int
    kernel: Callable
    threaded_kernel: Callable | None = None

    def integrate(self, system, t_end, n_steps, rtol=None, atol=None):
        """Integrate ``system`` over ``[0, t_end]`` in ``n_steps`` equal steps."""
        r_out, v_out, r, v = _empty_trajectory(n_steps, system.n_particles)
        kernel = self.threaded_kernel if system.threaded_coulomb and self.threaded_kernel else self.kernel
        n_stored = kernel(
            float(t_end), int(n_steps), system.positions, system.velocities,
            system.charge, system.mass, system.trap, system.interactions, r_out, v_out,
        )
        message = "" if n_stored == n_steps + 1 else "the state became non-finite"
        return Trajectory(r, v, int(n_stored), message)


@dataclass(frozen=True)
class SolveIvpIntegrator:
    """An adaptive reference method from :func:`scipy.integrate.solve_ivp`.

    The compiled right-hand side is integrated with ``method`` at tolerances
    ``rtol``/``atol`` and sampled (through the method's dense output) at the
    same times as the fixed-step methods.
    """

    name: str
    order: int
    scipy_method: str

    def integrate(self, system, t_end, n_steps, rtol=1e-12, atol=1e-12):
        """Integrate ``system`` adaptively and sample it at the fixed-step times."""
        # Imported here: scipy.integrate doubles the start-up time of every process.
        from scipy.integrate import solve_ivp

        # A state that overflows makes SciPy's step control warn before it gives up;
        # the failure is reported by simulate() with the step and the particle.
        with np.errstate(all="ignore"):
            solution = solve_ivp(
                system.rhs, (0.0, t_end), system.initial_state(), method=self.scipy_method,
                t_eval=time_grid(t_end, n_steps), rtol=rtol, atol=atol,
            )
        n_particles = system.n_particles
        n_stored = len(solution.t)
        state = np.reshape(solution.y, (2, n_particles, 3, n_stored)).transpose(3, 0, 1, 2)
        _, _, r, v = _empty_trajectory(n_steps, n_particles)
        r[:n_stored] = state[:, 0]
        v[:n_stored] = state[:, 1]
        finite = np.isfinite(state).reshape(n_stored, 6 * n_particles).all(axis=1)
        if not finite.all():
            # Keep the first non-finite row, as the fixed-step kernels do.
            return Trajectory(r, v, int(np.argmin(finite)) + 1, "the state became non-finite")
        return Trajectory(r, v, n_stored, "" if solution.success else solution.message)


#: The registered methods by name.
METHODS = {}


def register_method(integrator, *, replace=False):
    """Make ``integrator`` available to :func:`trapode.simulate` under ``integrator.name``.

    Parameters
    ----------
    integrator : object
        Anything with ``name``, ``order`` and
        ``integrate(system, t_end, n_steps, rtol, atol)`` returning a
        :class:`Trajectory`.
    replace : bool
        Allow replacing a method of the same name.
    """
    name = getattr(integrator, "name", None)
    if not isinstance(name, str) or not name or not callable(getattr(integrator, "integrate", None)):
        raise ConfigError(
            f"register_method needs an object with a non-empty str `name` and an `integrate` method, got {integrator!r}."
        )
    if name in METHODS and not replace:
        raise ConfigError(f"A method named {name!r} is already registered; pass replace=True to replace it.")
    METHODS[name] = integrator
    return integrator


def available_methods():
    """Names of the registered methods, sorted."""
    return sorted(METHODS)


def get_method(name):
    """The registered integrator called ``name``; ConfigError listing the valid names otherwise."""
    try:
        return METHODS[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"SimulationConfig.method must be one of {', '.join(map(repr, available_methods()))}, got {name!r}."
        ) from None


register_method(FixedStepIntegrator("euler", 1, kernels.euler_trajectory, kernels.euler_trajectory_threaded))
register_method(FixedStepIntegrator("rk4", 4, kernels.rk4_trajectory, kernels.rk4_trajectory_threaded))
register_method(SolveIvpIntegrator("dop853", 8, "DOP853"))
