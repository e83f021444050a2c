"""Time integrators: forward Euler, RK4, Boris, phase-exact Boris and exact-flow splitting (compiled fixed-step
steppers) and SciPy's DOP853 (reference).

Each method is one module; :mod:`trapode.integrators.base` holds the registry.
"""

from functools import partial

from .adaptive import AdaptiveIntegrator
from .base import (
    METHODS,
    FixedStepIntegrator,
    Integrator,
    Trajectory,
    available_methods,
    get_method,
    register_method,
)
from .driven import driven_boris, driven_splitting
from .scipy_ivp import SolveIvpIntegrator
from .splitting import STRANG, YOSHIDA, SplittingIntegrator

__all__ = [
    "METHODS",
    "AdaptiveIntegrator",
    "FixedStepIntegrator",
    "Integrator",
    "SolveIvpIntegrator",
    "SplittingIntegrator",
    "Trajectory",
    "available_methods",
    "get_method",
    "register_method",
]

register_method(FixedStepIntegrator("euler", 1, "euler_advance"))
register_method(FixedStepIntegrator("rk4", 4, "rk4_advance", stages=4))
register_method(FixedStepIntegrator("boris", 2, "boris_advance", driven_step=driven_boris))
register_method(
    FixedStepIntegrator("boris-exact", 2, "boris_exact_advance", driven_step=partial(driven_boris, exact=True))
)
register_method(
    SplittingIntegrator("splitting", 2, "splitting_advance", stages=2, driven_step=driven_splitting, weights=STRANG)
)
register_method(
    SplittingIntegrator("splitting4", 4, "splitting_advance", stages=4, driven_step=driven_splitting, weights=YOSHIDA)
)
register_method(AdaptiveIntegrator("adaptive", 8, "adaptive_advance", stages=12))
register_method(SolveIvpIntegrator("dop853", 8, "DOP853"))
