"""Integrators, what they return, and the registry that names them.

An integrator is a small immutable object with a ``name``, an ``order``,
``integrate(system, t_end, n_steps, stride, rtol, atol, monitor)`` returning a
:class:`Trajectory` (the :class:`~trapode.monitor.Monitor` counts its progress
and asks it to stop on Ctrl-C) and, optionally, ``cost(system, t_end,
n_steps, stride)``: the bytes it will allocate and a lower bound of its
seconds, which :func:`trapode.simulate` checks before it starts. :func:`trapode.simulate` looks methods up by name in
:data:`METHODS`, so a new method plugs in with :func:`register_method` and no
change to the driver (as SciPy's ``solve_ivp`` does with its ``METHODS``).

The fixed-step methods are :class:`FixedStepIntegrator` objects that name a
stepper template (``"rk4_advance"``): the stepper is compiled into every
model's module (:mod:`trapode.compile`) and called here, chunk by chunk, on
the arrays of a :class:`~trapode.system.ParticleSystem`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np

from .._validate import close_matches, short_repr
from ..budget import seconds_at_least
from ..errors import ConfigError
from ..monitor import QUIET, Progress
from ..observers import row_of_step, rows_written, saved_steps

__all__ = [
    "METHODS",
    "FixedStepIntegrator",
    "Integrator",
    "Trajectory",
    "available_methods",
    "get_method",
    "register_method",
]


class Trajectory(NamedTuple):
    """What an integrator returns.

    Attributes
    ----------
    r, v : ndarray, shape (rows, N, 3)
        The kept states, in µm and µm/µs.
    steps : ndarray of int, shape (rows,)
        The step of each kept state (its time is ``step · t_end / n_steps``).
    escape_step : ndarray of int, shape (N,)
        The first step at which each particle was outside the trap; -1 if never.
    trapped : ndarray of bool, shape (N,)
        Whether each particle is inside the trap in the last state.
    stopped_at : int
        -1 for a complete run; otherwise the step at which it stopped: its
        state is the last row if it was found non-finite or the run was
        interrupted, else (an adaptive method gave up) the step that could
        not be computed.
    last_finite : int
        For a run stopped by a non-finite state: the last step whose state
        was checked and found finite. States are checked when kept and at the
        end of every chunk, so the state first went wrong after this step and
        at or before ``stopped_at`` (the same step when every state is kept).
    message : str
        Why the run stopped, or an empty string.
    interrupted : bool
        Whether Ctrl-C stopped it (at ``stopped_at``, whose finite state is the last row).
    """

    r: np.ndarray
    v: np.ndarray
    steps: np.ndarray
    escape_step: np.ndarray
    trapped: np.ndarray
    stopped_at: int = -1
    last_finite: int = -1
    message: str = ""
    interrupted: bool = False


def last_checked_before(step: int, first_of_chunk: int, stride: int) -> int:
    """The last step before ``step`` whose state a fixed-step run checked: a kept one or its chunk's start."""
    return max(first_of_chunk, (step - 1) // stride * stride) if step > 0 else -1


class Integrator(Protocol):
    """What :func:`register_method` needs."""

    @property
    def name(self) -> str: ...

    @property
    def order(self) -> int: ...

    def cost(self, system, t_end: float, n_steps: int, stride: int) -> tuple[float, float]: ...

    def integrate(
        self, system, t_end: float, n_steps: int, stride: int, rtol: float, atol: float, monitor: Progress = ...
    ) -> Trajectory: ...


def empty_output(n_steps: int, stride: int, n_particles: int) -> tuple[np.ndarray, np.ndarray]:
    """Output arrays for a run's kept states, in the kernels' (rows, 3, N) layout."""
    rows = rows_written(n_steps, stride)
    r_out, v_out = np.empty((2, rows, 3, n_particles))
    return r_out, v_out


def finish(
    system, r_out, v_out, n_steps, stride, escape, final_pos, stopped_at, message="", last_finite=-1
) -> Trajectory:
    """A :class:`Trajectory` from a run's output arrays: the rows written, in the (rows, N, 3) view."""
    steps = saved_steps(n_steps, stride)
    if stopped_at >= 0:
        steps = steps[: rows_written(stopped_at, stride)].copy()
        steps[-1] = stopped_at
    rows = steps.size
    return Trajectory(
        r=r_out[:rows].transpose(0, 2, 1),
        v=v_out[:rows].transpose(0, 2, 1),
        steps=steps,
        escape_step=escape,
        trapped=system.trapped_flags(final_pos),
        stopped_at=stopped_at,
        last_finite=last_finite,
        message=message,
    )


def interrupted(system, r_out, v_out, n_steps, stride, escape, pos, vel, step) -> Trajectory:
    """The trajectory of a run stopped by Ctrl-C after ``step`` steps: its state there is the last row."""
    if r_out.shape[0]:
        row = row_of_step(step, stride)
        r_out[row], v_out[row] = pos, vel
    return finish(system, r_out, v_out, n_steps, stride, escape, pos, step, "interrupted")._replace(interrupted=True)


def species_of(q_over_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct q/m (e/u) of the particles, and each particle's index among them (int64)."""
    distinct, index = np.unique(q_over_m, return_inverse=True)
    return distinct, index.astype(np.int64)


@dataclass(frozen=True)
class FixedStepIntegrator:
    """A fixed-step method whose time loop runs in a compiled stepper.

    Parameters
    ----------
    name : str
        Name under which the method is registered.
    order : int
        Global order of accuracy.
    stepper : str
        Name of the stepper template in every model module, with the
        signature of :func:`trapode.integrators.euler.euler_advance`.
    stages : int
        Force evaluations per step.
    driven_step : callable, optional
        Builds, from a model, the step that runs with its Coulomb sum given
        from Python (the FMM), or None if the method cannot take one
        (:mod:`trapode.integrators.driven`).
    """

    name: str
    order: int
    stepper: str
    stages: int = 1
    #: model → the step with its Coulomb sum given from Python (the FMM), e.g.
    #: :func:`trapode.integrators.driven.driven_boris`; None where the method cannot take one.
    driven_step: Callable[[Any], Callable[..., None]] | None = None

    def flow(
        self,
        model,
        values: dict[str, float],
        species_q_over_m: np.ndarray,
        h: float,
        rtol: float = 1e-12,
        atol: float = 1e-12,
    ) -> np.ndarray:
        """Per-species data the stepper needs besides the forces, shape (species, L): none here (L = 0).

        The splitting methods give the exact flows of the trap's linear part
        (:class:`~trapode.integrators.splitting.SplittingIntegrator`), the
        adaptive one its tolerances and tableau. ``values`` are the run's
        parameter values by path, ``species_q_over_m`` the distinct q/m (e/u)
        of its particles, ``h`` the step (µs).
        """
        return np.zeros((species_q_over_m.size, 0))

    def stepper_data(
        self,
        system,
        h: float,
        values: dict[str, float] | None = None,
        rtol: float = 1e-12,
        atol: float = 1e-12,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The stepper's last two arguments for ``system``: :meth:`flow` and each particle's species index."""
        species_q_over_m, species = species_of(system.q_over_m)
        values = system.parameter_values() if values is None else values
        flow = self.flow(system.model, values, species_q_over_m, h, rtol=rtol, atol=atol)
        return np.ascontiguousarray(flow, dtype=np.float64), species

    def check(self, flow: np.ndarray) -> None:
        """After a run: warn about what the stepper wrote into ``flow`` (the adaptive method's forced steps)."""

    def cost(self, system, t_end: float, n_steps: int, stride: int) -> tuple[float, float]:
        """Bytes of the kept states and a lower bound of the seconds the run takes."""
        kept = rows_written(n_steps, stride) * 6 * system.n_particles * 8
        return kept, seconds_at_least(n_steps, system.n_particles, system.interactions, self.stages)

    def integrate(
        self,
        system,
        t_end: float,
        n_steps: int,
        stride: int,
        rtol: float = 1e-12,
        atol: float = 1e-12,
        monitor: Progress = QUIET,
    ) -> Trajectory:
        """Integrate ``system`` over ``[0, t_end]`` in ``n_steps`` equal steps, keeping every ``stride``-th state.

        The steps run in chunks of about a tenth of a second each
        (:meth:`~trapode.system.ParticleSystem.chunk_steps`); after each, the
        ``monitor`` counts them, and the run stops there if it asks to
        (Ctrl-C), with that state as the last row.
        """
        advance = getattr(system.model, self.stepper)
        h = t_end / n_steps
        r_out, v_out = empty_output(n_steps, stride, system.n_particles)
        escape = np.full(system.n_particles, -1, dtype=np.int64)
        pos, vel = system.positions.copy(), system.velocities.copy()
        chunk = system.chunk_steps()
        flow, species = self.stepper_data(system, h, rtol=rtol, atol=atol)
        first, stopped_at, first_of_chunk = 0, -1, 0
        while first < n_steps and stopped_at < 0:
            first_of_chunk, last = first, min(first + chunk, n_steps)
            stopped_at = int(
                advance(
                    first,
                    last,
                    h,
                    n_steps,
                    stride,
                    pos,
                    vel,
                    system.charge,
                    system.q_over_m,
                    system.constants,
                    system.coulomb,
                    system.coulomb_constant,
                    r_out,
                    v_out,
                    escape,
                    flow,
                    species,
                )
            )
            monitor.update(last - first)
            first = last
            if stopped_at < 0 and first < n_steps and monitor.stop_requested:
                return interrupted(system, r_out, v_out, n_steps, stride, escape, pos, vel, first)
        self.check(flow)
        if stopped_at < 0:
            return finish(system, r_out, v_out, n_steps, stride, escape, pos, -1)
        return finish(
            system,
            r_out,
            v_out,
            n_steps,
            stride,
            escape,
            pos,
            stopped_at,
            "the state became non-finite",
            last_checked_before(stopped_at, first_of_chunk, stride),
        )


#: The registered methods by name.
METHODS: dict[str, Integrator] = {}


def register_method(integrator: Integrator, *, replace: bool = False) -> Integrator:
    """Make ``integrator`` available to :func:`trapode.simulate` under ``integrator.name``.

    Parameters
    ----------
    integrator : object
        Anything with ``name``, ``order`` and
        ``integrate(system, t_end, n_steps, stride, rtol, atol, monitor)``
        returning a :class:`Trajectory` (see :class:`Integrator`).
    replace : bool
        Allow replacing a method of the same name.
    """
    name = getattr(integrator, "name", None)
    if not isinstance(name, str) or not name or not callable(getattr(integrator, "integrate", None)):
        raise ConfigError(
            "register_method needs an object with a non-empty str `name` and an `integrate` method, "
            f"got {short_repr(integrator)}."
        )
    try:
        accepts_monitor = "monitor" in inspect.signature(integrator.integrate).parameters
    except (TypeError, ValueError):  # a builtin without a signature: let the call say
        accepts_monitor = True
    if not accepts_monitor:
        raise ConfigError(
            f"register_method: {name!r}.integrate must take a `monitor` argument (count steps with "
            "monitor.update, stop when monitor.stop_requested: Ctrl-C); see the numerical methods page."
        )
    if name in METHODS and not replace:
        raise ConfigError(f"A method named {name!r} is already registered; pass replace=True to replace it.")
    METHODS[name] = integrator
    return integrator


def available_methods() -> list[str]:
    """Names of the registered methods, sorted."""
    return sorted(METHODS)


def get_method(name: object, where: str = "SimulationConfig.method") -> Integrator:
    """The registered integrator called ``name``; ConfigError naming ``where`` and listing the valid names otherwise."""
    if isinstance(name, str) and name in METHODS:
        return METHODS[name]
    raise ConfigError(
        f"{where} must be one of {', '.join(map(repr, available_methods()))}, "
        f"got {short_repr(name)}.{close_matches(name, METHODS) if isinstance(name, str) else ''}"
    )
