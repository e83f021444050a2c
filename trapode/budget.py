"""What a piece of work will cost, checked before it starts.

A run that cannot fit in memory, or could not finish in a month, is refused
with a :class:`~trapode.ConfigError` that says how much it needs and what to
change, before anything is allocated or computed. The time estimates are
deliberately low (the fastest a stage has been measured to run, on many
cores), so that nothing feasible is ever refused; long feasible work shows a
progress bar instead (:mod:`trapode.monitor`).
"""

from __future__ import annotations

import math
import os

from .errors import ConfigError

__all__ = [
    "MAX_SECONDS",
    "adaptive_seconds_at_least",
    "available_memory",
    "check_duration",
    "check_memory",
    "format_bytes",
    "format_duration",
    "highest_angular_frequency",
    "seconds_at_least",
]

#: Work estimated to take longer than this (30 days) is refused.
MAX_SECONDS = 30 * 86400.0

# Lower bounds of the cost of one step, measured on a fast core and divided by the most threads a
# workstation has: a particle's force in a fixed-step stage, a pair's Coulomb term, an adaptive step.
_SECONDS_PER_PARTICLE_STAGE = 2e-11
_SECONDS_PER_PAIR_STAGE = 1e-11
_SECONDS_PER_ADAPTIVE_STEP = 1e-5
# One stage of one run, however few its particles: its ~50 dependent floating-point operations take
# ~20 ns on one core; steps follow one another, so threads cannot share them.
_SECONDS_PER_STAGE = 1e-9


def seconds_at_least(steps: float, particles: int, interactions: bool, stages: int = 4) -> float:
    """A lower bound of the time ``steps`` fixed steps of ``particles`` take, in seconds."""
    pairs = particles * (particles - 1) / 2 if interactions else 0.0
    per_stage = particles * _SECONDS_PER_PARTICLE_STAGE + pairs * _SECONDS_PER_PAIR_STAGE
    return steps * stages * max(per_stage, _SECONDS_PER_STAGE)


def adaptive_seconds_at_least(t_end: float, omega_max: float) -> float:
    """A lower bound of an adaptive run's time: at least one step per period of its fastest motion."""
    return t_end * omega_max / (2 * math.pi) * _SECONDS_PER_ADAPTIVE_STEP


def highest_angular_frequency(trap, q_over_m) -> float:
    """A lower bound of the fastest motion's angular frequency (rad/µs): ωc, ωz and the drive's ωV.

    ``q_over_m`` holds the particles' charge-to-mass ratios (e/u). Higher-order
    terms only add to it, so it bounds the step count of an adaptive method from below.
    """
    import numpy as np

    ratio = float(np.max(np.abs(q_over_m), initial=0.0))
    omega_c = ratio * abs(trap.B0_internal)
    omega_z = math.sqrt(2 * ratio * abs(trap.V0_internal)) / trap.d
    drive = trap.drive.omega if trap.drive is not None else 0.0
    return max(omega_c, omega_z, drive)


def format_bytes(size: float) -> str:
    """``size`` bytes in words: ``"44.7 GiB"``."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.3g} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def format_duration(seconds: float) -> str:
    """``seconds`` in words, in the largest fitting unit: ``"3.2 days"``, ``"1e+290 years"``."""
    for unit, length in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= length:
            return f"{seconds / length:.3g} {unit}"
    return f"{seconds:.3g} s"


def available_memory() -> int | None:
    """Memory this process could still allocate, in bytes (``MemAvailable`` on Linux); None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(needed: float, what: str, hint: str) -> None:
    """Refuse work whose arrays need more memory than is available."""
    available = available_memory()
    if available is not None and needed > available:
        raise ConfigError(
            f"{what} needs {format_bytes(needed)} of memory for its arrays, more than the "
            f"{format_bytes(available)} available: {hint}."
        )


def check_duration(seconds: float, what: str, hint: str) -> None:
    """Refuse work that would take longer than :data:`MAX_SECONDS` even at the fastest."""
    if seconds > MAX_SECONDS:
        raise ConfigError(
            f"{what} would take at least {format_duration(seconds)} (more than "
            f"{format_duration(MAX_SECONDS)}, the most trapode starts): {hint}."
        )
