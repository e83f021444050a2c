"""trapode.spectrum against PHYSICS.md's closed forms, the linear system's eigenvalues and synthetic signals, here."""

import math
import re
import time

import matplotlib
import numpy as np
import pytest

import trapode
from tests.reference import TESLA, VOLT, linear_matrix, tilted_elliptic_hessian, tilted_field
from trapode.spectrum import MeasuredFrequencies, measure_frequencies, plot_spectrum

B0, V0, D = 1.0, 0.025, 500.0
MODES = ("plus", "z", "minus")


def ideal_frequencies(q, m, b0=B0, v0=V0, d=D):
    """(ω₊, ωz, ω₋) in rad/µs from PHYSICS.md: ωc = |q|B0/m, ωz² = 2qV0/(m d²), ω± = [ωc ± √(ωc² − 2ωz²)]/2."""
    omega_c = abs(q) * b0 * TESLA / m
    omega_z = math.sqrt(2 * q * v0 * VOLT / (m * d * d))
    omega_plus = (omega_c + math.sqrt(omega_c**2 - 2 * omega_z**2)) / 2
    # ω₋ = [ωc − √(ωc² − 2ωz²)]/2 = ωz²/(2ω₊), written without the cancellation (4 digits lost for an antiproton).
    return omega_plus, omega_z, omega_z**2 / (2 * omega_plus)


def run(trap, particles, t_end=1000.0, n_steps=20000, **kwargs):
    particles = particles if isinstance(particles, list) else [particles]
    config = trapode.SimulationConfig(
        trap=trap, particles=particles, t_end=t_end, n_steps=n_steps, method="splitting", **kwargs
    )
    return trapode.simulate(config, progress=False)


def measured(freqs):
    return np.array([getattr(freqs, f"omega_{mode}") for mode in MODES])


def sigmas(freqs):
    return np.array([getattr(freqs, f"sigma_{mode}") for mode in MODES])


def assert_matches_theory(freqs, expected, rtol=1e-9):
    """Within rtol of the theory, with a 1σ that says so: the error under 5σ, or both at the level of rounding.

    A noiseless run's residual is rounding alone, so its σ (~1e-16 relative) may be below the rounding
    of the run and of the reference themselves.
    """
    omega, sigma, expected = measured(freqs), sigmas(freqs), np.asarray(expected)
    error = np.abs(omega - expected)
    np.testing.assert_array_less(error, rtol * expected)
    np.testing.assert_array_less(sigma, 0.1 * rtol * expected)
    assert np.all((error < 5 * sigma) | (error < 1e-12 * expected))


@pytest.fixture(scope="module")
def ideal_run():
    """The report's trap and particle 1 over 1 ms: 16 magnetron periods, exact at any step by splitting."""
    return run(trapode.PenningTrap(B0=B0, V0=V0, d=D), trapode.report_particle_1())


def test_ideal_trap_frequencies_equal_the_closed_forms(ideal_run):
    particle = trapode.report_particle_1()
    freqs = measure_frequencies(ideal_run)
    assert isinstance(freqs, MeasuredFrequencies)
    expected = ideal_frequencies(particle.q, particle.m)
    assert_matches_theory(freqs, expected)
    hz = [freqs.nu_plus, freqs.nu_z, freqs.nu_minus]
    np.testing.assert_allclose(hz, np.array(expected) / (2 * math.pi) * 1e6, rtol=1e-9)
    np.testing.assert_allclose(freqs.sigma_nu_plus, freqs.sigma_plus / (2 * math.pi) * 1e6)
    assert {(peak.name, peak.signal) for peak in freqs.peaks} == {("ω₊", "radial"), ("ω₋", "radial"), ("ωz", "axial")}
    # The amplitudes are the modes' radii from the initial state (PHYSICS.md): ρ± = |ḟ + iω∓f|/(ω₊ − ω₋).
    f, df = complex(*particle.r[:2]), complex(*particle.v[:2])
    wp, wz, wm = expected
    radii = {
        "ω₊": abs(df + 1j * wm * f) / (wp - wm),
        "ω₋": abs(df + 1j * wp * f) / (wp - wm),
        "ωz": math.hypot(particle.r[2], particle.v[2] / wz),
    }
    for peak in freqs.peaks:
        assert peak.amplitude == pytest.approx(radii[peak.name], rel=1e-9)


@pytest.fixture(scope="module")
def million_run():
    """10⁶ steps over 50 ms: the fit thins them, the FFT takes them all."""
    return run(trapode.PenningTrap(B0=B0, V0=V0, d=D), trapode.report_particle_1(), t_end=50_000.0, n_steps=1_000_000)


def test_a_long_run_is_thinned_for_the_fit_without_losing_precision(million_run):
    assert_matches_theory(measure_frequencies(million_run), ideal_frequencies(1, 40.077))


@pytest.mark.slow
def test_measuring_a_million_samples_takes_under_a_second(million_run):
    durations = []
    for _ in range(3):
        start = time.perf_counter()
        measure_frequencies(million_run)
        durations.append(time.perf_counter() - start)
    assert min(durations) < 1.0


def test_frequencies_are_those_of_the_signal_not_of_the_theory_and_their_uncertainties_hold():
    """Sinusoids off the trap's frequencies in white noise: the errors are N(0, σ), σ the Cramér–Rao bound."""
    trap, particle = trapode.PenningTrap(B0=B0, V0=V0, d=D), trapode.report_particle_1()
    config = trapode.SimulationConfig(trap=trap, particles=[particle], t_end=400.0, n_steps=4000)
    t = np.linspace(0.0, config.t_end, config.n_steps + 1)
    rng = np.random.default_rng(2024)
    omega = np.array(ideal_frequencies(particle.q, particle.m)) * (1 + np.array([2e-3, -3e-3, 4e-3]))
    rho, noise = np.array([5.0, 20.0, 10.0]), 0.5
    n, dt = t.size, t[1] - t[0]
    # Rife & Boorstyn (1974): var ω = 12σ²/(A² N(N²−1) Δt²) for a complex line, twice that for a real one.
    bound = np.sqrt(np.array([12, 24, 12]) * noise**2 / (rho**2 * n * (n * n - 1) * dt**2))
    scores = []
    for _ in range(20):
        phase = rng.uniform(0, 2 * math.pi, 3)
        f = rho[0] * np.exp(-1j * (omega[0] * t + phase[0])) + rho[2] * np.exp(-1j * (omega[2] * t + phase[2]))
        z = rho[1] * np.cos(omega[1] * t + phase[1])
        r = np.stack([f.real, f.imag, z], axis=1)[:, None, :] + noise * rng.standard_normal((n, 1, 3))
        result = trapode.SimulationResult(
            config=config, t=t, r=r, v=np.zeros_like(r), trapped=np.array([True]), escape_time=np.array([np.nan])
        )
        freqs = measure_frequencies(result)
        np.testing.assert_allclose(sigmas(freqs), bound, rtol=0.15)
        scores.append((measured(freqs) - omega) / sigmas(freqs))
    scores = np.array(scores)
    assert np.abs(scores).max() < 4
    assert 0.6 < np.mean(scores**2) < 1.5


def test_a_mode_that_is_not_excited_is_nan_and_the_others_are_measured():
    particle = trapode.Particle(q=1, m=40.077, r=(20, 0, 0), v=(0, 25, 0))  # no axial motion
    freqs = measure_frequencies(run(trapode.PenningTrap(B0=B0, V0=V0, d=D), particle))
    assert math.isnan(freqs.omega_z) and math.isnan(freqs.sigma_z) and math.isnan(freqs.nu_z)
    np.testing.assert_allclose([freqs.omega_plus, freqs.omega_minus], np.array(ideal_frequencies(1, 40.077))[[0, 2]])
    assert all(peak.signal == "radial" for peak in freqs.peaks)


def test_a_negative_charge_has_positive_frequencies_equal_to_theory():
    trap = trapode.PenningTrap(B0=1.945, V0=-1.17, d=3500.0)
    antiproton = trapode.Particle(species="antiproton", r=(10, 0, 5), v=(0, 1, 0))
    # 8 magnetron periods; the splitting is exact at any step, so 3.4 steps per cyclotron period do.
    freqs = measure_frequencies(run(trap, antiproton, t_end=1000.0, n_steps=100_000))
    assert np.all(measured(freqs) > 0)
    assert_matches_theory(freqs, ideal_frequencies(antiproton.q, antiproton.m, 1.945, -1.17, 3500.0))
    assert {peak.name for peak in freqs.peaks if peak.signal == "radial"} == {"ω₊", "ω₋"}


def test_centre_of_mass_of_identical_non_interacting_particles_has_the_frequencies():
    ions = [
        trapode.Particle(q=1, m=40.077, r=(20, 0, 20), v=(0, 25, 0)),
        trapode.Particle(q=1, m=40.077, r=(-30, 10, 5), v=(5, -10, 3)),
        trapode.Particle(q=1, m=40.077, r=(0, 40, -15), v=(-20, 0, 0)),
    ]
    result = run(trapode.PenningTrap(B0=B0, V0=V0, d=D), ions, interactions=False)
    assert_matches_theory(measure_frequencies(result, particle="com"), ideal_frequencies(1, 40.077))
    assert_matches_theory(measure_frequencies(result, particle=-1), ideal_frequencies(1, 40.077))


def test_a_tilted_elliptic_trap_shows_its_eigenfrequencies_in_both_signals():
    tilt, azimuth, epsilon = 0.2, 0.7, 0.1
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, tilt=tilt, tilt_azimuth=azimuth, ellipticity=epsilon)
    particle = trapode.report_particle_1()
    # The linear system of PHYSICS.md, typed in tests/reference.py.
    hessian, field = tilted_elliptic_hessian(V0, D, epsilon), tilted_field(B0, tilt, azimuth)
    matrix = linear_matrix(particle.q / particle.m, hessian, field)
    omega_minus, omega_z, omega_plus = np.sort(np.linalg.eigvals(matrix).imag)[3:]
    freqs = measure_frequencies(run(trap, particle))
    assert_matches_theory(freqs, (omega_plus, omega_z, omega_minus))
    names = {(peak.signal, peak.name) for peak in freqs.peaks}
    assert {("axial", "ω₊"), ("axial", "ω₋"), ("radial", "ωz")} <= names  # the modes mix into every coordinate
    assert ("radial", "−ω₊") in names  # the ellipticity turns part of the cyclotron motion the other way


def combination(name, freqs):
    """The value of a peak's name, e.g. "ω₊ − 2ωz", for the measured frequencies."""
    value = {"ω₊": freqs.omega_plus, "ωz": freqs.omega_z, "ω₋": freqs.omega_minus}
    total = 0.0
    for sign, count, symbol in re.findall(r"([+−]?)\s*(\d?)(ω₊|ωz|ω₋)", name):
        total += (-1 if sign == "−" else 1) * int(count or 1) * value[symbol]
    return total


@pytest.fixture(scope="module")
def c4_run():
    """A large orbit in a trap with C4: its lines shift and harmonics and combinations appear."""
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, C4=0.05)
    return run(trap, trapode.Particle(q=1, m=40.077, r=(100, 0, 100), v=(0, 150, 0)))


def test_peaks_of_an_anharmonic_trap_are_named_after_combinations_of_the_modes(c4_run):
    freqs = measure_frequencies(c4_run)
    resolution = 2 * math.pi / c4_run.t[-1]
    names = [peak.name for peak in freqs.peaks]
    assert {"ω₊", "ωz", "ω₋"} <= set(names)
    assert "3ωz" in names
    assert any(name and len(re.findall("ω", name)) >= 2 for name in names)  # a combination line
    for peak in freqs.peaks:
        if peak.name is not None:
            expected = combination(peak.name, freqs)
            assert abs((abs(expected) if peak.signal == "axial" else expected) - peak.omega) < resolution


def test_anharmonic_shifts_follow_first_order_theory(c4_run):
    """Ketter et al. (2014) via PHYSICS.md: the C4 shifts of ωz, ω₊, ω₋ for the orbit's radii, to 3 %."""
    particle = c4_run.config.particles[0]
    wp, wz, wm = ideal_frequencies(particle.q, particle.m)
    f, df = complex(*particle.r[:2]), complex(*particle.v[:2])
    rho_p, rho_m = abs(df + 1j * wm * f) / (wp - wm), abs(df + 1j * wp * f) / (wp - wm)
    rho_z = math.hypot(particle.r[2], particle.v[2] / wz)
    c4 = 0.75 * 0.05 / D**2
    shifts = (
        c4 * wz**2 / (wp - wm) * (rho_p**2 + 2 * rho_m**2 - 2 * rho_z**2),
        c4 * wz * (rho_z**2 - 2 * rho_p**2 - 2 * rho_m**2),
        -c4 * wz**2 / (wp - wm) * (2 * rho_p**2 + rho_m**2 - 2 * rho_z**2),
    )
    measured_shifts = measured(measure_frequencies(c4_run)) - np.array([wp, wz, wm])
    np.testing.assert_allclose(measured_shifts, shifts, rtol=0.03)


def test_plot_spectrum_names_the_peaks_on_labelled_axes(c4_run, ideal_run, tmp_path):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    ax = plot_spectrum(c4_run)
    assert isinstance(ax, Axes)
    assert ax.get_yscale() == "log"
    assert "MHz" in ax.get_xlabel() and "µm" in ax.get_ylabel()
    texts = {text.get_text() for text in ax.texts}
    assert {"ω₊", "ωz", "ω₋", "3ωz"} <= texts
    assert len(ax.get_lines()) == 2
    ax.figure.savefig(tmp_path / "spectrum.png")
    _, given = plt.subplots()
    assert plot_spectrum(ideal_run, particle="com", ax=given) is given
    plt.close("all")


def hand_made(trap, t_end, rows, escape=np.nan, save_every=1):
    """A result of the report's particle 1, its states zero: only the checks before any work read it."""
    config = trapode.SimulationConfig(
        trap=trap,
        particles=[trapode.report_particle_1()],
        t_end=t_end,
        n_steps=(rows - 1) * save_every,
        save_every=save_every,
    )
    r = np.zeros((rows, 1, 3))
    return trapode.SimulationResult(
        config=config, t=np.linspace(0, t_end, rows), r=r, v=r, trapped=np.array([True]), escape_time=np.array([escape])
    )


TRAP = trapode.PenningTrap(B0=B0, V0=V0, d=D)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: measure_frequencies(hand_made(TRAP, 1000.0, 20001), particle=1), r"from 0 to 0 .* got 1\b"),
        (lambda: measure_frequencies(hand_made(TRAP, 1000.0, 20001), particle="cm"), r"or 'com'.*got 'cm'"),
        (lambda: measure_frequencies(hand_made(TRAP, 1000.0, 20001), particle=True), r"particle must be .* got True"),
        (lambda: measure_frequencies("result.npz"), r"result must be a trapode.SimulationResult"),
        (lambda: measure_frequencies(hand_made(TRAP, 100.0, 2001)), r"spans 100 µs.*3 periods.*t_end ≥ 180\.3"),
        (
            lambda: measure_frequencies(hand_made(TRAP, 1000.0, 20001, escape=150.0)),
            r"spans 149\.95 µs before particle 0 left the trap at 150 µs",
        ),
        (lambda: measure_frequencies(hand_made(TRAP, 1000.0, 501)), r"more than 2 \(Nyquist\).*n_steps ≥ 734\b"),
        (
            lambda: measure_frequencies(hand_made(TRAP, 1000.0, 401, save_every=50)),
            r"2\.5 µs apart.*save_every = 50 and SimulationConfig.n_steps ≥ 36653\b",
        ),
        (
            lambda: measure_frequencies(run(TRAP, trapode.report_particle_1(), save_every="final")),
            r"only the first and the last state .* save_every = 1 and SimulationConfig.n_steps ≥ 734\b",
        ),
        (
            lambda: measure_frequencies(hand_made(trapode.PenningTrap(B0=B0, V0=-V0, d=D), 1000.0, 20001)),
            r"does not confine.*no axial confinement",
        ),
        (
            lambda: measure_frequencies(hand_made(trapode.PenningTrap(B0=0.1, V0=V0, d=D), 1000.0, 20001)),
            r"does not confine.*radial motion is not bounded",
        ),
        (lambda: plot_spectrum(hand_made(TRAP, 1000.0, 20001), ax="axes"), r"ax must be a matplotlib Axes"),
    ],
)
def test_bad_input_is_refused_with_a_helpful_message(call, message):
    with pytest.raises(trapode.ConfigError, match=message):
        call()


def test_a_field_along_minus_z_turns_the_other_way_and_gives_the_same_frequencies():
    # q B0 < 0: the radial modes turn as for a negative charge; ωc = |q B0|/m.
    result = run(trapode.PenningTrap(B0=-B0, V0=V0, d=D), trapode.report_particle_1())
    assert_matches_theory(measure_frequencies(result), ideal_frequencies(1, 40.077))
