"""Exceptions and warnings raised by trapode."""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccuracyWarning",
    "ConfigError",
    "ConfinementWarning",
    "ExpressionError",
    "FieldWarning",
    "IntegrationError",
    "Interrupted",
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


class AccuracyWarning(UserWarning):
    """A run finished, but its numbers may be off: the step is too coarse for what it resolves.

    Raised when a run with interactions and fixed steps does not conserve its
    energy (close encounters not resolved), or when ``"adaptive"`` had to take
    steps at its smallest size without meeting its tolerances.
    """


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


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped a run or a sweep between two chunks of its work, keeping what was done.

    A subclass of :class:`KeyboardInterrupt`, so that code which stops on
    Ctrl-C still does; a second Ctrl-C while trapode is finishing its chunk
    stops at once, keeping nothing.

    Attributes
    ----------
    result : SimulationResult or SweepResult or None
        What was computed: for a run, the kept states up to the step reached
        (that state is the last row); for a sweep, every finished run (the
        others are marked not completed, and are in the checkpoint if one
        was given).
    step : int or None
        For a run, the step it reached.
    time : float or None
        For a run, the time of that step in µs.
    """

    def __init__(self, message: str, *, result: Any = None, step: int | None = None, time: float | None = None):
        super().__init__(message)
        self.result = result
        self.step = step
        self.time = time
