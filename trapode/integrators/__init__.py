"""Time integrators: forward Euler and RK4 (compiled fixed-step steppers) and SciPy's DOP853 (reference).

Each method is one module; :mod:`trapode.integrators.base` holds the registry.
"""

from .base import (
    METHODS,
    FixedStepIntegrator,
    Integrator,
    Trajectory,
    available_methods,
    get_method,
    register_method,
)
from .scipy_ivp import SolveIvpIntegrator

__all__ = [
    "METHODS",
    "FixedStepIntegrator",
    "Integrator",
    "SolveIvpIntegrator",
    "Trajectory",
    "available_methods",
    "get_method",
    "register_method",
]

register_method(FixedStepIntegrator("euler", 1, "euler_advance"))
register_method(FixedStepIntegrator("rk4", 4, "rk4_advance", stages=4))
register_method(SolveIvpIntegrator("dop853", 8, "DOP853"))
