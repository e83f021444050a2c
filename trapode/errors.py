"""Exceptions and warnings raised by trapode."""

__all__ = ["ConfigError", "ConfinementWarning", "IntegrationError", "NonFiniteStateError"]


class ConfigError(ValueError):
    """A configuration value is invalid.

    The message names the field, the value received and what was expected.
    """


class ConfinementWarning(UserWarning):
    """The trap cannot confine a particle (q V0 ≤ 0, or q/m < 4 V0 / (B0² d²))."""


class IntegrationError(RuntimeError):
    """A run stopped before ``t_end``.

    Attributes
    ----------
    step : int
        Index of the first time step that could not be computed.
    time : float
        Time of that step in µs.
    particle : int or None
        Index of the particle at fault, where one can be named.
    result : SimulationResult
        Everything computed before the failure: the trajectory up to and
        including step ``step - 1``.
    """

    def __init__(self, message, *, step, time, particle, result):
        super().__init__(message)
        self.step = step
        self.time = time
        self.particle = particle
        self.result = result


class NonFiniteStateError(IntegrationError, FloatingPointError):
    """The position or velocity of a particle became NaN or infinite."""
