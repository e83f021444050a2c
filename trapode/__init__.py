"""trapode: charged particles in Penning traps, from SymPy-derived equations to compiled kernels.

The public namespace is small; everything in it is documented in its module:

- the trap and its fields: :class:`PenningTrap`, :class:`Drive`,
  :class:`Potential`, :class:`MagneticField`, :class:`TrapFrequencies`;
- excitations: :class:`DipoleExcitation`, :class:`QuadrupoleExcitation`,
  :class:`VoltageModulation` (``PenningTrap(excitations=...)``) and buffer-gas
  damping (``SimulationConfig(damping=...)``);
- particles and runs: :class:`Particle`, :class:`ParticleSet`, :func:`random_particles`,
  :class:`SimulationConfig`, :func:`load_config`;
- clouds: :class:`ParticleSet`, :func:`cloud_diagnostics` (:class:`CloudDiagnostics`);
- running: :func:`simulate`, :class:`SimulationResult` (with its :class:`Energies`), :func:`load_result`,
  runs streamed to HDF5 (:class:`StreamedResult`, :func:`load_stream`, :func:`resume`),
  :func:`right_hand_side`, :func:`available_methods`, :func:`register_method`;
- scans over any parameter: :func:`scan`, :class:`ScanResult`,
  :func:`scan_parameters`;
- Floquet stability of the driven trap: :func:`stability_chart`,
  :class:`StabilityChart`, :func:`monodromy`;
- resonance sweeps: :func:`sweep`, :class:`SweepResult`, :func:`find_resonances`,
  :func:`predicted_resonances`;
- checking: :func:`analytic_solution`, :func:`radial_amplitudes`,
  :func:`relative_error`, :func:`max_error`, :func:`convergence_rate`,
  :func:`convergence_study`;
- the symbolic model: :func:`equations_of_motion` and :mod:`trapode.physics`
  (imported on first use, as it needs SymPy).

Units: µm, µs, u and e inside; tesla and volt at the edges (:mod:`trapode.units`).
"""

from __future__ import annotations

__version__ = "0.2.0"

from . import units
from .accuracy import MethodErrors, method_errors, suggest_steps
from .analysis import (
    ConvergenceStudy,
    convergence_rate,
    convergence_study,
    load_convergence_study,
    max_error,
    relative_error,
)
from .analytic import RadialAmplitudes, analytic_solution, radial_amplitudes
from .clouds import CloudDiagnostics, cloud_diagnostics
from .comparison import LongRunComparison, compare_methods
from .conserved import Energies, canonical_angular_momentum
from .errors import (
    AccuracyWarning,
    ConfigError,
    ConfinementWarning,
    ExpressionError,
    FieldWarning,
    IntegrationError,
    Interrupted,
    NonFiniteStateError,
)
from .floquet import Band, StabilityChart, monodromy, stability_chart
from .integrators import available_methods, register_method
from .linear import TrapFrequencies
from .modes import ModeAmplitudes, mode_amplitudes
from .output import StreamedResult, load_stream
from .resonances import Resonance, ResonanceScan, find_resonances, predicted_resonances
from .result import SimulationResult, load_result
from .scans import ScanError, ScanResult, load_scan, scan, scan_parameters
from .setup import (
    DipoleExcitation,
    Drive,
    MagneticField,
    Particle,
    ParticleSet,
    PenningTrap,
    Potential,
    QuadrupoleExcitation,
    SimulationConfig,
    VoltageModulation,
    load_config,
    random_particles,
    report_particle_1,
    report_particle_2,
)
from .shifts import FrequencyShifts, frequency_shifts, invariance_check
from .simulation import resume, simulate
from .spectrum import MeasuredFrequencies, Peak, measure_frequencies, plot_spectrum
from .sweep import SweepError, SweepResult, load_sweep, sweep
from .system import right_hand_side

__all__ = [
    "AccuracyWarning",
    "Band",
    "CloudDiagnostics",
    "ConfigError",
    "ConfinementWarning",
    "ConvergenceStudy",
    "DipoleExcitation",
    "Drive",
    "Energies",
    "ExpressionError",
    "FieldWarning",
    "FrequencyShifts",
    "IntegrationError",
    "Interrupted",
    "LongRunComparison",
    "MagneticField",
    "MeasuredFrequencies",
    "MethodErrors",
    "ModeAmplitudes",
    "NonFiniteStateError",
    "Particle",
    "ParticleSet",
    "Peak",
    "PenningTrap",
    "Potential",
    "QuadrupoleExcitation",
    "RadialAmplitudes",
    "Resonance",
    "ResonanceScan",
    "ScanError",
    "ScanResult",
    "SimulationConfig",
    "SimulationResult",
    "StabilityChart",
    "StreamedResult",
    "SweepError",
    "SweepResult",
    "TrapFrequencies",
    "VoltageModulation",
    "analytic_solution",
    "available_methods",
    "canonical_angular_momentum",
    "cloud_diagnostics",
    "compare_methods",
    "convergence_rate",
    "convergence_study",
    "equations_of_motion",
    "find_resonances",
    "frequency_shifts",
    "invariance_check",
    "load_config",
    "load_convergence_study",
    "load_result",
    "load_scan",
    "load_stream",
    "load_sweep",
    "max_error",
    "measure_frequencies",
    "method_errors",
    "mode_amplitudes",
    "monodromy",
    "plot_spectrum",
    "predicted_resonances",
    "radial_amplitudes",
    "random_particles",
    "register_method",
    "relative_error",
    "report_particle_1",
    "report_particle_2",
    "resume",
    "right_hand_side",
    "scan",
    "scan_parameters",
    "simulate",
    "stability_chart",
    "suggest_steps",
    "sweep",
    "units",
]


def equations_of_motion(trap: PenningTrap | None = None, n_particles: int = 1, interactions: bool = False) -> list:
    """The equations of motion as SymPy derives them; see :func:`trapode.physics.model.equations_of_motion`.

    Imports SymPy on first use.

    Examples
    --------
    >>> import trapode
    >>> print(trapode.equations_of_motion()[2])
    Eq(Derivative(z_1(t), (t, 2)), -2*V_0*q_1*z_1(t)/(d**2*m_1))
    """
    from .physics.model import equations_of_motion as derive

    return derive(trap=trap, n_particles=n_particles, interactions=interactions)
