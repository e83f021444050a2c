"""Exceptions and warnings raised by trapode."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigError",
    "ConfinementWarning",
    "ExpressionError",
    "FieldWarning",
    "IntegrationError",
    "NonFiniteStateError",
]


class ConfigError(ValueError):
    """A configuration value is invalid.

    The message names the field, the value received and what was expected.
    """


class ExpressionError(ConfigError):
    """A field expression given as text is not allowed or cannot be read.

    The message quotes the expression and points at the offending part.

    Attributes
    ----------
    expression : str
        The text as given (messages show it shortened if it is long).
    offset : int or None
        Column of the offending part, where one can be named.
    """

    def __init__(self, message: str, expression: str = "", offset: int | None = None):
        super().__init__(message)
        self.expression = expression
        self.offset = offset


class ConfinementWarning(UserWarning):
    """The trap cannot confine a particle: its linear motion about the centre grows."""


class FieldWarning(UserWarning):
    """A user potential does not satisfy Laplace's equation, so it is not a vacuum field."""


class IntegrationError(RuntimeError):
    """A run stopped before ``t_end``.

    Attributes
    ----------
    step : int
        Index of the step at which the run stopped: the first step whose state
        was found non-finite (states are checked when kept and at the end of
        every chunk of steps, so with ``save_every=1`` it is the first
        non-finite step), or the first step an adaptive method could not compute.
    time : float
        Time of that step in µs.
    particle : int or None
        Index of the particle at fault, where one can be named.
    result : SimulationResult
        Everything computed before the failure: the kept states before step
        ``step``, all of them finite.
    """

    def __init__(self, message: str, *, step: int, time: float, particle: int | None, result: Any):
        super().__init__(message)
        self.step = step
        self.time = time
        self.particle = particle
        self.result = result


class NonFiniteStateError(IntegrationError, FloatingPointError):
    """The position or velocity of a particle became NaN or infinite."""
