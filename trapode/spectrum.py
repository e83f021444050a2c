"""The frequencies of a simulated motion, measured from its spectrum: peaks found, fitted and named.

The radial modes are read from the complex signal ``f = x + i y`` (``x − i y``
for a negative charge), in which both turn as ``e^{−iωt}`` with ω > 0:
``f = ρ₊ e^{−i(ω₊t+φ₊)} + ρ₋ e^{−i(ω₋t+φ₋)}`` (Brown & Gabrielse, Rev. Mod.
Phys. 58, 233 (1986); :doc:`analysis`); the axial mode is read from ``z``. In
a tilted or elliptic trap every mode shows in both signals; each is then taken
from the signal that measures it best.

The measurement has two stages:

1. A Hann-windowed FFT of each signal finds its strong peaks to a fraction of
   the resolution ``2π/T`` (T the duration). The trap's linear frequencies
   (:meth:`trapode.PenningTrap.frequencies`) only say which peak is which mode.
2. A least-squares fit of a constant plus one sinusoid per peak refines all the
   peaks of a signal at once, by variable projection (Golub & Pereyra, SIAM J.
   Numer. Anal. 10, 413 (1973), with Kaufman's Jacobian, BIT 15, 49 (1975)):
   for given frequencies the amplitudes follow by linear least squares, and
   :func:`scipy.optimize.least_squares` moves the frequencies. Fitting the
   other strong peaks with a mode keeps their tails from pulling it.

Every peak is then named by the simplest combination ``n₊ω₊ + n_zω_z + n₋ω₋``
(``|n| ≤ 3``, fewest terms first) within the resolution of the measured
frequencies: ``"ω₊"``, ``"2ωz"``, ``"ω₊ − ω₋"``, ... An anharmonic trap (C4, C6,
a magnetic bottle) shows harmonics and combination lines beside the modes.
"""

from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ._validate import instance, short_repr
from .errors import ConfigError
from .result import SimulationResult
from .units import InHertz, angular_frequency_to_hz

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .linear import TrapFrequencies

__all__ = ["MeasuredFrequencies", "Peak", "measure_frequencies", "plot_spectrum"]

#: Periods of the slowest mode a result must span: fewer leave its peak in the window's main lobe of the DC term.
MIN_PERIODS = 3
#: A peak counts if it is this fraction of its signal's strongest (the leakage of a noiseless Hann spectrum is lower).
_RELATIVE_FLOOR = 1e-5
#: ... and this many times the median amplitude: white noise exceeds 8× its median with probability e^{−44}.
_NOISE_FACTOR = 8.0
#: Peaks fitted and named per signal, the strongest.
_MAX_PEAKS = 8
#: Largest |n| in a peak's name.
_MAX_ORDER = 3
#: The fit uses every k-th sample where that leaves about this many, since precision comes from the duration ...
_FIT_ROWS = 1 << 15
#: ... as long as the fastest fitted peak stays below this fraction of the thinned Nyquist frequency (no aliasing).
_ALIAS_MARGIN = 0.8
#: A mode's peak is looked for within this fraction of its linear frequency (anharmonic shifts are smaller).
_MODE_WINDOW = 0.1
_SYMBOLS = ("ω₊", "ωz", "ω₋")


class Peak(NamedTuple):
    """One peak of a spectrum, fitted and named.

    Attributes
    ----------
    omega : float
        Fitted angular frequency in rad/µs. For the radial signal its sign says
        the sense of rotation: the modes turn at ω > 0 (``e^{−iωt}``), so a
        peak at ω < 0 turns the other way (e.g. ``"−ω₊"`` in an elliptic trap).
        Axial peaks are at ω > 0.
    amplitude : float
        In µm: the radius of the circle the term draws in the radial signal,
        the amplitude of the cosine in the axial one.
    signal : str
        ``"radial"`` (``x ± i y``) or ``"axial"`` (``z``).
    name : str or None
        The simplest combination ``n₊ω₊ + n_zω_z + n₋ω₋`` (``|n| ≤ 3``) within
        the spectrum's resolution, e.g. ``"ω₊"``, ``"2ωz"``, ``"ω₊ − ω₋"``;
        None if there is none.
    sigma : float
        1σ uncertainty of ``omega`` in rad/µs (see :func:`measure_frequencies`).
    """

    omega: float
    amplitude: float
    signal: str
    name: str | None
    sigma: float


@dataclass(frozen=True)
class MeasuredFrequencies(InHertz):
    """The three mode frequencies measured from a trajectory, and the named peaks of its spectra.

    A mode that is not excited (no peak of it in either signal) is NaN, with a
    NaN uncertainty.

    Attributes
    ----------
    omega_plus, omega_z, omega_minus : float
        Modified cyclotron, axial and magnetron frequencies in rad/µs.
    sigma_plus, sigma_z, sigma_minus : float
        Their 1σ uncertainties in rad/µs.
    peaks : tuple of Peak
        The strong peaks of the radial, then the axial spectrum, each strongest first.
    """

    omega_plus: float
    omega_z: float
    omega_minus: float
    sigma_plus: float
    sigma_z: float
    sigma_minus: float
    peaks: tuple[Peak, ...]

    @property
    def sigma_nu_plus(self) -> float:
        """1σ uncertainty of ν₊ in Hz."""
        return angular_frequency_to_hz(self.sigma_plus)

    @property
    def sigma_nu_z(self) -> float:
        """1σ uncertainty of νz in Hz."""
        return angular_frequency_to_hz(self.sigma_z)

    @property
    def sigma_nu_minus(self) -> float:
        """1σ uncertainty of ν₋ in Hz."""
        return angular_frequency_to_hz(self.sigma_minus)


@dataclass(frozen=True)
class _Signals:
    """The uniformly sampled signals of one particle (or the centre of mass), checked for a measurement."""

    times: np.ndarray  # µs, evenly spaced
    radial: np.ndarray  # complex, µm: x + iy, or x − iy for q < 0
    axial: np.ndarray  # real, µm
    theory: TrapFrequencies
    label: str  # "particle 1", "the centre of mass"
    negative: bool

    @property
    def spacing(self) -> float:
        return float(self.times[1] - self.times[0])

    @property
    def resolution(self) -> float:
        """The FFT's bin, 2π/T, in rad/µs."""
        return 2 * math.pi / (self.times.size * self.spacing)


def _particle_index(result: SimulationResult, particle: Any) -> int | None:
    """The particle's index, or None for the centre of mass."""
    n = result.config.n_particles
    if isinstance(particle, str) and particle == "com":
        return None
    if (
        isinstance(particle, (bool, np.bool_))
        or not isinstance(particle, numbers.Integral)
        or not -n <= int(particle) < n
    ):
        raise ConfigError(
            f"particle must be an index from 0 to {n - 1} (the result holds {n} particle(s)) or 'com' for the "
            f"centre of mass, got {short_repr(particle)}."
        )
    return int(particle) % n


def _signals(result: SimulationResult, particle: Any) -> _Signals:
    """Check that ``result`` can show the frequencies of ``particle`` and extract its signals, before any work."""
    instance("result", result, SimulationResult, "a trapode.SimulationResult")
    index = _particle_index(result, particle)
    config = result.config
    particles = config.particles
    # The centre of mass moves as one ion of its particles' q/m (exactly so in the ideal trap); the
    # first particle's frequencies guide the search.
    guide = particles[0 if index is None else index]
    theory = config.trap.frequencies(guide)  # ConfigError if the trap does not confine it
    label = "the centre of mass" if index is None else f"particle {index}"
    if index is None:
        masses = particles.m
        positions = np.einsum("tnk,n->tk", result.r, masses / masses.sum())
        negative = sum(p.q for p in particles) * config.trap.B0 < 0
        escape = float(np.nanmin(result.escape_time)) if np.isfinite(result.escape_time).any() else math.nan
    else:
        positions = result.r[:, index]
        negative = guide.q * config.trap.B0 < 0
        escape = float(result.escape_time[index])

    times = result.t
    # The last state is kept whatever save_every says, so it may be closer to the one before.
    if times.size >= 3 and not math.isclose(times[-1] - times[-2], times[1] - times[0], rel_tol=1e-6):
        times, positions = times[:-1], positions[:-1]
    left = ""
    if math.isfinite(escape):
        kept = times < escape
        times, positions = times[kept], positions[kept]
        left = f" before {label} left the trap at {escape:g} µs"

    slowest = min(theory.omega_plus, theory.omega_z, theory.omega_minus)
    needed = MIN_PERIODS * 2 * math.pi / slowest
    span = float(times[-1] - times[0]) if times.size > 1 else 0.0
    if span < needed:
        mode = _SYMBOLS[[theory.omega_plus, theory.omega_z, theory.omega_minus].index(slowest)]
        raise ConfigError(
            f"result spans {span:g} µs{left}, too short to measure the frequencies of {label}: it must cover at least "
            f"{MIN_PERIODS} periods of the slowest mode ({mode} = {slowest:.6g} rad/µs, period "
            f"{2 * math.pi / slowest:.6g} µs): SimulationConfig.t_end ≥ {needed:.6g} µs."
        )
    spacing = float(times[1] - times[0])
    if not np.allclose(np.diff(times), spacing, rtol=1e-6, atol=0):
        raise ConfigError("result.t must be evenly spaced to measure frequencies, got uneven times.")
    fastest = max(theory.omega_plus, theory.omega_z, theory.omega_minus)
    if fastest * spacing >= math.pi:
        stride = 1 if config.save_every == "final" else config.save_stride
        steps = math.floor(stride * config.t_end * fastest / math.pi) + 1
        what = "only the first and the last state (save_every = 'final')" if config.save_every == "final" else ""
        raise ConfigError(
            f"result keeps {what or f'states {spacing:g} µs apart'}, "
            f"{2 * math.pi / (fastest * spacing):.3g} states per period of the fastest mode ({fastest:.6g} rad/µs) of "
            f"{label}: the spectrum needs more than 2 (Nyquist), so run with save_every = {stride} and "
            f"SimulationConfig.n_steps ≥ {steps} for t_end = {config.t_end:g} µs."
        )
    sign = -1.0 if negative else 1.0
    return _Signals(
        times=times,
        radial=positions[:, 0] + 1j * sign * positions[:, 1],
        axial=np.ascontiguousarray(positions[:, 2]),
        theory=theory,
        label=label,
        negative=negative,
    )


def _fast_length(size: int) -> int:
    """The largest length ≤ ``size`` whose FFT is fast (a product of small primes)."""
    import scipy.fft

    previous = getattr(scipy.fft, "prev_fast_len", None)  # SciPy ≥ 1.13
    if previous is not None:
        return int(previous(size))
    while scipy.fft.next_fast_len(size) != size:
        size -= 1
    return size


def _spectrum(values: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Angular frequencies (rad/µs, ascending) and amplitudes (µm) of the Hann-windowed FFT of a signal.

    Normalised so that a term ``a e^{−iωt}`` of a complex signal, or ``a cos ωt``
    of a real one, shows as a peak of height ``a`` at ω > 0.
    """
    import scipy.fft

    values = values[: _fast_length(values.size)]  # a few samples fewer can make the FFT several times faster
    window = 0.5 - 0.5 * np.cos(2 * math.pi / values.size * np.arange(values.size))  # periodic Hann
    if np.iscomplexobj(values):
        # conj turns e^{−iωt} into e^{+iωt}, which the FFT puts at +ω.
        spectrum = scipy.fft.fftshift(scipy.fft.fft(np.conj(values) * window))
        omega = scipy.fft.fftshift(scipy.fft.fftfreq(values.size, spacing)) * 2 * math.pi
        return omega, np.abs(spectrum) / window.sum()
    spectrum = scipy.fft.rfft(values * window)
    omega = scipy.fft.rfftfreq(values.size, spacing) * 2 * math.pi
    return omega, 2 * np.abs(spectrum) / window.sum()


def _spectral_peaks(omega: np.ndarray, amplitude: np.ndarray) -> np.ndarray:
    """The strongest peaks' frequencies (rad/µs), strongest first, interpolated between bins.

    The DC bins are left out: the fit's constant takes them.
    """
    import scipy.signal

    strongest = float(amplitude.max(initial=0.0))
    if not strongest > 0:
        return np.empty(0)
    height = max(_RELATIVE_FLOOR * strongest, _NOISE_FACTOR * float(np.median(amplitude)))
    found, _ = scipy.signal.find_peaks(amplitude, height=height)
    bin_width = omega[1] - omega[0]
    found = found[np.abs(omega[found]) > 1.5 * bin_width]
    found = found[np.argsort(-amplitude[found], kind="stable")][:_MAX_PEAKS]
    # A Hann peak is nearly a parabola in log amplitude: its vertex is within a few % of a bin of the frequency.
    left, centre, right = (np.log(amplitude[found + shift] + 1e-300) for shift in (-1, 0, 1))
    curvature = left - 2 * centre + right
    offset = np.divide(0.5 * (left - right), curvature, out=np.zeros_like(centre), where=curvature < 0)
    return omega[found] + np.clip(offset, -0.5, 0.5) * bin_width


class _Fit(NamedTuple):
    omega: np.ndarray
    sigma: np.ndarray
    amplitude: np.ndarray


def _basis(tau: np.ndarray, omegas: np.ndarray, is_complex: bool) -> tuple[np.ndarray, np.ndarray]:
    """The model's columns, one per linear coefficient, and ∂/∂ω_k of each peak's columns.

    Complex signal: ``e^{−iω_k τ}`` (complex coefficient) and a constant.
    Real signal: ``cos ω_k τ``, ``sin ω_k τ`` and a constant.
    """
    phase = np.multiply.outer(tau, omegas)
    if is_complex:
        turning = np.exp(-1j * phase)
        basis = np.concatenate([turning, np.ones((tau.size, 1))], axis=1)
        return basis, -1j * tau[:, None] * turning
    cos, sin = np.cos(phase), np.sin(phase)
    basis = np.concatenate([cos, sin, np.ones((tau.size, 1))], axis=1)
    return basis, np.concatenate([-tau[:, None] * sin, tau[:, None] * cos], axis=1)


def _fit(times: np.ndarray, values: np.ndarray, guesses: np.ndarray, resolution: float) -> _Fit:
    """Least-squares frequencies, 1σ uncertainties and amplitudes of a constant plus one sinusoid per guess.

    Variable projection: for frequencies ω the linear coefficients c(ω) solve
    ``min |y − B(ω) c|``; the frequencies minimise the projected residual
    ``r = (I − P(ω)) y``, with Kaufman's Jacobian ``∂r/∂ω_k ≈ −(I − P) (∂B/∂ω_k) c``.
    A complex residual counts as its real and imaginary parts. The
    covariance of ω is ``s² (JᵀJ)⁻¹``, with ``s²`` the residual variance per
    real degree of freedom.
    """
    import scipy.optimize

    is_complex = np.iscomplexobj(values)
    tau = times - 0.5 * (times[0] + times[-1])  # centred: amplitudes and frequencies decorrelate
    n_peaks = guesses.size
    cache: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def real(array: np.ndarray) -> np.ndarray:
        return np.concatenate([array.real, array.imag]) if is_complex else array

    def solve(omegas: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Residual, Jacobian (both real) and linear coefficients at ``omegas``."""
        key = omegas.tobytes()
        if key not in cache:
            basis, slope = _basis(tau, omegas, is_complex)
            adjoint = basis.conj().T
            # The normal equations: the columns are nearly orthogonal sinusoids, so B^H B is well
            # conditioned, and forming it is several times cheaper than a QR of the tall B.
            gram = adjoint @ basis
            coefficients = np.linalg.lstsq(gram, adjoint @ values, rcond=None)[0]
            residual = values - basis @ coefficients
            if is_complex:
                derivative = slope * coefficients[:n_peaks]
            else:
                derivative = slope[:, :n_peaks] * coefficients[:n_peaks] + slope[:, n_peaks:] * coefficients[n_peaks:-1]
            derivative -= basis @ np.linalg.lstsq(gram, adjoint @ derivative, rcond=None)[0]
            cache.clear()
            cache[key] = (real(residual), real(-derivative), coefficients)
        return cache[key]

    fit = scipy.optimize.least_squares(
        lambda omegas: solve(omegas)[0],
        guesses,
        jac=lambda omegas: solve(omegas)[1],
        method="lm",
        x_scale="jac",
        xtol=1e-13,  # relative: far below the 1e-9 a noiseless run reaches
        ftol=1e-15,
        gtol=1e-15,
    )
    omega = np.array(fit.x)
    residual, jacobian, coefficients = solve(omega)
    n_linear = coefficients.size * (2 if is_complex else 1)
    freedom = max(residual.size - n_linear - n_peaks, 1)
    variance = float(residual @ residual) / freedom
    covariance = variance * np.linalg.pinv(jacobian.T @ jacobian)
    sigma = np.sqrt(np.abs(np.diag(covariance)))
    if is_complex:
        amplitude = np.abs(coefficients[:n_peaks])
    else:
        amplitude = np.hypot(coefficients[:n_peaks], coefficients[n_peaks:-1])
    # A peak the fit moved by more than two bins was not a clean line (noise, an unresolved pair): keep the FFT's value.
    wandered = ~(np.abs(omega - guesses) <= 2 * resolution)
    omega[wandered], sigma[wandered] = guesses[wandered], resolution
    return _Fit(omega=omega, sigma=sigma, amplitude=amplitude)


def _fitted(signals: _Signals, values: np.ndarray, guesses: np.ndarray) -> _Fit:
    """:func:`_fit` on every k-th sample, k as large as keeps about ``_FIT_ROWS`` rows without aliasing a peak."""
    # Each peak takes 3 real parameters (2 for a complex line's amplitude, 1 for ω); keep more data than parameters.
    guesses = guesses[: max(0, (values.size * (2 if np.iscomplexobj(values) else 1) - 3) // 3)]
    if guesses.size == 0:
        return _Fit(np.empty(0), np.empty(0), np.empty(0))
    alias_limit = _ALIAS_MARGIN * math.pi / (float(np.abs(guesses).max()) * signals.spacing)
    stride = max(1, min(values.size // _FIT_ROWS, math.floor(alias_limit)))
    return _fit(signals.times[::stride], values[::stride], guesses, signals.resolution)


def _mode_peak(omega: np.ndarray, amplitude: np.ndarray, target: float, resolution: float, either_sign: bool) -> int:
    """Index of the peak that is the mode of linear frequency ``target``, or −1: the nearest strong one near it."""
    distance = np.abs((np.abs(omega) if either_sign else omega) - target)
    near = distance <= _MODE_WINDOW * target + 2 * resolution
    if not near.any():
        return -1
    strong = near & (amplitude >= 0.01 * amplitude[near].max())
    return int(np.argmin(np.where(strong, distance, np.inf)))


def _combinations() -> np.ndarray:
    """All (n₊, n_z, n₋) with |n| ≤ 3 but (0, 0, 0), shape (342, 3), the simplest first: fewest terms, then Σ|n|."""
    span = range(-_MAX_ORDER, _MAX_ORDER + 1)
    orders = [n for n in itertools.product(span, repeat=3) if any(n)]
    return np.array(sorted(orders, key=lambda n: (sum(map(bool, n)), sum(map(abs, n)))))


_COMBINATIONS = _combinations()


def _combination_name(orders: np.ndarray) -> str:
    """``(1, 0, -1)`` → ``"ω₊ − ω₋"``."""
    terms: list[str] = []
    for order, symbol in zip(orders.tolist(), _SYMBOLS, strict=True):
        if order:
            size = "" if abs(order) == 1 else str(abs(order))
            sign = ("−" if order < 0 else "") if not terms else ("− " if order < 0 else "+ ")
            terms.append(f"{sign}{size}{symbol}")
    return " ".join(terms)


def _peak_name(omega: float, modes: np.ndarray, tolerance: float, real: bool) -> str | None:
    """The simplest combination of the measured ``modes`` (ω₊, ωz, ω₋; NaN if absent) within ``tolerance`` of ω."""
    usable = _COMBINATIONS[np.all((_COMBINATIONS == 0) | np.isfinite(modes), axis=1)]
    values = usable @ np.nan_to_num(modes)
    distance = np.abs(np.abs(values) - omega) if real else np.abs(values - omega)
    near = np.flatnonzero(distance <= tolerance)
    if near.size == 0:
        return None
    simplest = usable[near, :]
    rank = np.array([(np.count_nonzero(n), np.abs(n).sum()) for n in simplest])
    best = np.lexsort((distance[near], rank[:, 1], rank[:, 0]))[0]
    orders = simplest[best] * (-1 if real and values[near[best]] < 0 else 1)
    return _combination_name(orders)


class _Measurement(NamedTuple):
    """What :func:`plot_spectrum` draws: the frequencies, and each signal's spectrum (ω in rad/µs, amplitude in µm)."""

    frequencies: MeasuredFrequencies
    spectra: dict[str, tuple[np.ndarray, np.ndarray]]


def _measure(signals: _Signals) -> _Measurement:
    """Spectra, fitted peaks and the three modes, each from the signal that measures it best."""
    theory = signals.theory
    targets = (theory.omega_plus, theory.omega_z, theory.omega_minus)
    modes, sigmas = np.full(3, np.nan), np.full(3, np.nan)  # ω₊, ωz, ω₋ and their 1σ; NaN until seen
    fits, spectra = {}, {}
    for name, values in (("radial", signals.radial), ("axial", signals.axial)):
        spectra[name] = _spectrum(values, signals.spacing)
        fit = _fitted(signals, values, _spectral_peaks(*spectra[name]))
        fits[name] = fit
        for mode, target in enumerate(targets):
            # In the radial signal the modes turn at ω > 0, but a tilted trap's axial line shows at ±ωz.
            index = _mode_peak(fit.omega, fit.amplitude, target, signals.resolution, name == "radial" and mode == 1)
            if index >= 0 and not fit.sigma[index] >= sigmas[mode]:  # NaN compares False: the first one seen
                modes[mode], sigmas[mode] = abs(fit.omega[index]), fit.sigma[index]
    peaks = tuple(
        Peak(
            omega=float(omega),
            amplitude=float(amplitude),
            signal=name,
            name=_peak_name(float(omega), modes, signals.resolution, real=name == "axial"),
            sigma=float(sigma),
        )
        for name, fit in fits.items()
        for omega, sigma, amplitude in zip(fit.omega, fit.sigma, fit.amplitude, strict=True)
    )
    frequencies = MeasuredFrequencies(
        omega_plus=float(modes[0]),
        omega_z=float(modes[1]),
        omega_minus=float(modes[2]),
        sigma_plus=float(sigmas[0]),
        sigma_z=float(sigmas[1]),
        sigma_minus=float(sigmas[2]),
        peaks=peaks,
    )
    return _Measurement(frequencies, spectra)


def measure_frequencies(result: SimulationResult, particle: int | str = 0) -> MeasuredFrequencies:
    """Measure ω₊, ωz and ω₋ of one particle, or of the centre of mass, from its simulated motion.

    The radial modes come from ``f = x + i y`` (``x − i y`` for a negative
    charge, so that both modes are at ω > 0 in the convention
    ``f = ρ₊ e^{−i(ω₊t+φ₊)} + ρ₋ e^{−i(ω₋t+φ₋)}``), the axial mode from ``z``.
    A Hann-windowed FFT of each signal finds its strongest peaks (up to 8);
    the trap's linear frequencies (:meth:`trapode.PenningTrap.frequencies`)
    only tell which peak is which mode. A least-squares fit of a constant plus
    one sinusoid per peak, ``a_k e^{−iω_k t}`` (``a_k cos(ω_k t + φ_k)`` for
    ``z``), then refines all of a signal's frequencies together, so that the
    other peaks do not pull a mode (variable projection: the amplitudes by
    linear least squares for given ω, the ω by
    :func:`scipy.optimize.least_squares`). A mode that shows in both signals
    (a tilted or elliptic trap) is taken from the one that measures it best.

    Long runs are fitted on every k-th state, keeping about 32768 and the
    fastest peak below 0.8 of the thinned Nyquist frequency: the precision
    comes from the duration, not the count (with noise, σ grows as √k, and
    the reported σ says so). On a noiseless run of the ideal trap the
    frequencies are exact to about 1e-12 relative.

    Parameters
    ----------
    result : SimulationResult
        A run of at least 3 periods of the slowest mode, with more than 2
        kept states per period of the fastest (Nyquist). A particle that left
        the trap is measured up to its escape.
    particle : int or "com"
        Index of the particle (negative counts from the end), or ``"com"``
        for the mass-weighted centre of mass (whose motion is that of one
        particle in the ideal trap; the first particle's linear frequencies
        guide the search).

    Returns
    -------
    MeasuredFrequencies
        ω₊, ωz, ω₋ in rad/µs (``nu_plus`` ... in Hz), with 1σ uncertainties
        from the fit: the covariance ``s² (JᵀJ)⁻¹`` of the frequencies, with J
        the Jacobian of the residual after the amplitudes are fitted and s²
        the residual variance. They are right for white noise on the samples
        the fit used and a model that holds the whole signal; a slowly
        changing amplitude (damping, a drive) or unfitted weak lines make
        them too small. A mode that is not excited (no peak in either
        signal) is NaN. ``peaks`` holds every fitted peak, named.

    Raises
    ------
    ConfigError
        If ``particle`` is out of range, the trap does not confine the
        particle (it has no linear modes), the run is shorter than 3 periods
        of the slowest mode, or it keeps too few states per period of the
        fastest; each message says what is needed.

    See Also
    --------
    plot_spectrum : the spectra with their named peaks.
    trapode.PenningTrap.frequencies : the linear (theory) frequencies.

    Examples
    --------
    >>> import trapode
    >>> from trapode.spectrum import measure_frequencies
    >>> trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    >>> config = trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1()],
    ...                                   t_end=1000.0, n_steps=20000, method="splitting")
    >>> freqs = measure_frequencies(trapode.simulate(config, progress=False))
    >>> theory = trap.frequencies(trapode.report_particle_1())
    >>> print(f"{freqs.nu_plus:.1f} Hz, {freqs.nu_z:.1f} Hz, {freqs.nu_minus:.1f} Hz")
    366527.4 Hz, 110437.9 Hz, 16638.0 Hz
    >>> bool(abs(freqs.omega_minus / theory.omega_minus - 1) < 1e-9)
    True
    >>> [peak.name for peak in freqs.peaks]
    ['ω₋', 'ω₊', 'ωz']
    """
    return _measure(_signals(result, particle)).frequencies


def plot_spectrum(
    result: SimulationResult, particle: int | str = 0, ax: Axes | None = None, frequency_unit: str = "MHz"
) -> Axes:
    """The amplitude spectra of the radial and axial motion, their peaks named after the modes.

    Draws the Hann-windowed spectra of ``x ± i y`` and ``z`` (amplitude in µm,
    log scale) against the frequency (in MHz unless ``frequency_unit`` says
    otherwise), over the range of the peaks that :func:`measure_frequencies`
    finds, each named peak labelled (``"ω₊"``, ``"2ωz"``, ``"ω₊ − ω₋"``,
    ...). Radial peaks at negative frequency turn against the modes' sense.
    The legend is beside the axes, off the spectra.

    Parameters
    ----------
    result : SimulationResult
    particle : int or "com"
        As in :func:`measure_frequencies`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if None.
    frequency_unit : {"MHz", "kHz", "Hz", "rad/µs"}
        Unit of the frequency axis: ``"Hz"``, ``"kHz"`` or ``"MHz"`` (the
        default) draw the frequency ν = ω/2π; ``"rad/µs"`` draws the angular
        frequency ω (1 rad/µs = 10⁶/2π Hz ≈ 159.15 kHz).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        As :func:`measure_frequencies`; also if ``frequency_unit`` is not one
        of the four units.

    Examples
    --------
    >>> import trapode
    >>> from trapode.spectrum import plot_spectrum
    >>> trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    >>> config = trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1()],
    ...                                   t_end=1000.0, n_steps=20000, method="splitting")
    >>> ax = plot_spectrum(trapode.simulate(config, progress=False))
    >>> sorted(text.get_text() for text in ax.texts)
    ['ωz', 'ω₊', 'ω₋']
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('frequency ν = ω/2π (MHz)', 'amplitude (µm)')
    >>> import matplotlib.pyplot as plt
    >>> plt.close(ax.figure)
    """
    from .plotting import _axes, _finish, _frequency_label, _frequency_unit, _settle_layout

    unit, scale = _frequency_unit(frequency_unit)  # the factor from rad/µs
    signals = _signals(result, particle)
    if ax is not None:
        from matplotlib.axes import Axes

        instance("ax", ax, Axes, "a matplotlib Axes or None")
    measurement = _measure(signals)
    ax = _axes(ax)
    peaks = measurement.frequencies.peaks
    shown = [peak.omega * scale for peak in peaks] or [0.0]
    low, high = min(0.0, *shown), max(0.0, *shown)
    margin = 0.1 * (high - low) or 1.0
    low, high = low - margin if low < 0 else low, high + margin
    labels = {"radial": f"radial, x {'−' if signals.negative else '+'} iy", "axial": "axial, z"}
    colours = {"radial": "C0", "axial": "C1"}
    for name, (omega, amplitude) in measurement.spectra.items():
        frequency = omega * scale
        visible = (frequency >= low) & (frequency <= high)
        ax.plot(frequency[visible], amplitude[visible], lw=0.8, color=colours[name], label=labels[name])
    amplitudes = [peak.amplitude for peak in peaks if peak.amplitude > 0]
    if amplitudes:
        bottom = max(min(amplitudes) / 1e3, max(amplitudes) * 1e-12)
        ax.set_ylim(bottom, max(amplitudes) * (max(amplitudes) / bottom) ** 0.15)  # room for the names
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    _finish(
        ax,
        _frequency_label(unit, "angular frequency ω", "frequency ν = ω/2π"),
        "amplitude (µm)",
        f"Spectrum of {signals.label}",
    )
    _settle_layout(ax.figure)  # the names are placed where the axes will be drawn
    _name_peaks(ax, list(peaks), colours, scale)
    return ax


#: Where a peak's name may go, in points from the peak, and its alignment: above it, beside it, higher up.
_NAME_PLACES = tuple(
    ((dx, dy), align) for dy in (3, 13, 23) for dx, align in ((0, "center"), (-2, "right"), (2, "left"))
)


def _name_peaks(ax: Axes, peaks: list[Peak], colours: dict[str, str], scale: float = 1 / (2 * math.pi)) -> None:
    """Write each named peak's name over it, the strongest first, each where it overlaps no name already written.

    ``scale`` turns a peak's ω (rad/µs) into the x axis's unit (MHz by default).
    """
    written: list[Any] = []
    for peak in sorted(peaks, key=lambda peak: -peak.amplitude):
        if peak.name is None:
            continue
        for attempt, (offset, align) in enumerate(_NAME_PLACES):
            text = ax.annotate(
                peak.name,
                xy=(peak.omega * scale, peak.amplitude),
                xytext=offset,
                textcoords="offset points",
                ha=align,
                va="bottom",
                fontsize="small",
                color=colours[peak.signal],
            )
            box = text.get_window_extent()
            if attempt == len(_NAME_PLACES) - 1 or not any(box.overlaps(other) for other in written):
                written.append(box)
                break
            text.remove()
