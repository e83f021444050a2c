"""Floquet stability charts against references built here: DOP853 monodromies, Mathieu tongues, first-order theory.

Every reference is computed in this file from closed forms and scipy: the
linear system of the trap from its field formulas (PHYSICS.md) with the unit
factors from scipy.constants, never from trapode's own numbers.
"""

import math

import numpy as np
import pytest
from scipy import constants
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.special import mathieu_a, mathieu_b

import trapode
from trapode.floquet import Band, StabilityChart, monodromy, stability_chart

# 1 T and 1 V in the internal units u/(µs e) and u µm²/(µs² e).
TESLA = constants.e / (constants.atomic_mass * 1e6)
VOLT = constants.e / constants.atomic_mass

B0, V0, D = 1.0, 0.025, 500.0
CHARGE, MASS = 1.0, 40.077
OMEGA_C = CHARGE * B0 * TESLA / MASS
OMEGA_Z = math.sqrt(2 * CHARGE * V0 * VOLT / (MASS * D**2))
OMEGA_PLUS = (OMEGA_C + math.sqrt(OMEGA_C**2 - 2 * OMEGA_Z**2)) / 2
OMEGA_MINUS = (OMEGA_C - math.sqrt(OMEGA_C**2 - 2 * OMEGA_Z**2)) / 2
SPLIT = OMEGA_PLUS - OMEGA_MINUS


@pytest.fixture
def ion():
    return trapode.Particle(q=CHARGE, m=MASS)


def cross_matrix(vector):
    """[b]× with [b]× v = b × v."""
    bx, by, bz = vector
    return np.array([[0.0, -bz, by], [bz, 0.0, -bx], [-by, bx, 0.0]])


def blocks(q=CHARGE, m=MASS, V0=V0, tilt=0.0, azimuth=0.0, ellipticity=0.0, user_c=0.0):
    """(q/m) times the static gradient, its voltage part, and −(q/m)[B]×, from the field formulas.

    Φ = V0/(2d²)[2z² − (1+ε)x² − (1−ε)y²] + C(2z² − x² − y²), so E = −∇Φ is
    V0/d² ((1+ε)x, (1−ε)y, −2z) + C(2x, 2y, −4z); B = B0 (sin θ cos φ, sin θ sin φ, cos θ).
    """
    q_over_m = q / m
    voltage = q_over_m * V0 * VOLT / D**2 * np.diag([1 + ellipticity, 1 - ellipticity, -2.0])
    user = q_over_m * user_c * VOLT * np.diag([2.0, 2.0, -4.0])
    direction = [math.sin(tilt) * math.cos(azimuth), math.sin(tilt) * math.sin(azimuth), math.cos(tilt)]
    field = B0 * TESLA * np.array(direction)
    # a = (q/m)(E + v × B) and v × B = −B × v.
    return voltage + user, voltage, -q_over_m * cross_matrix(field)


def reference_monodromy(static, voltage, rotation, amplitude, omega):
    """Φ(2π/ωV) of ẏ = A(t) y by DOP853 at rtol 1e-12."""
    base = np.zeros((6, 6))
    base[:3, 3:] = np.eye(3)
    base[3:, :3] = static
    base[3:, 3:] = rotation
    modulated = np.zeros((6, 6))
    modulated[3:, :3] = amplitude * voltage

    def rhs(t, flat):
        return ((base + math.cos(omega * t) * modulated) @ flat.reshape(6, 6)).ravel()

    period = 2 * math.pi / omega
    solution = solve_ivp(rhs, (0.0, period), np.eye(6).ravel(), method="DOP853", rtol=1e-12, atol=1e-12)
    assert solution.success
    return solution.y[:, -1].reshape(6, 6)


def largest_multiplier(matrix):
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def reference_growth(matrix, omega):
    return math.log(largest_multiplier(matrix)) * omega / (2 * math.pi)


def band_containing(bands, omega):
    matches = [band for band in bands if band.left <= omega <= band.right]
    assert len(matches) == 1, (omega, bands)
    return matches[0]


# (amplitude, ωV): inside the n = 1 and n = 2 axial tongues, the radial band, and stable points.
UNSTABLE_POINTS = [(0.1, 2 * OMEGA_Z), (0.1, 2 * OMEGA_Z + 0.02), (0.4, OMEGA_Z), (0.1, SPLIT), (0.7, 0.445)]
STABLE_POINTS = [(0.1, 1.0), (0.4, 2.6), (0.7, 0.2)]


def test_growth_rates_match_independent_dop853_monodromy(ion):
    amplitudes = sorted({a for a, _ in UNSTABLE_POINTS + STABLE_POINTS})
    omegas = sorted({w for _, w in UNSTABLE_POINTS + STABLE_POINTS})
    chart = stability_chart(trapode.PenningTrap(B0=B0, V0=V0, d=D), ion, amplitudes, omegas)
    assert isinstance(chart, StabilityChart)
    assert chart.growth_rate.shape == (len(amplitudes), len(omegas))
    static, voltage, rotation = blocks()
    for amplitude, omega in UNSTABLE_POINTS:
        row, column = amplitudes.index(amplitude), omegas.index(omega)
        expected = reference_growth(reference_monodromy(static, voltage, rotation, amplitude, omega), omega)
        assert expected > 5e-4, (amplitude, omega)  # really inside a band
        assert chart.growth_rate[row, column] == pytest.approx(expected, rel=1e-4)
    for amplitude, omega in STABLE_POINTS:
        row, column = amplitudes.index(amplitude), omegas.index(omega)
        reference = reference_monodromy(static, voltage, rotation, amplitude, omega)
        assert largest_multiplier(reference) == pytest.approx(1.0, abs=1e-8)
        assert abs(chart.multipliers[row, column, 0]) == pytest.approx(1.0, abs=1e-6)
        assert 0.0 <= chart.growth_rate[row, column] < 1e-10


@pytest.mark.parametrize(("amplitude", "omega"), [(0.1, 2 * OMEGA_Z), (0.1, SPLIT), (0.4, 1.0)])
def test_monodromy_matches_independent_dop853_monodromy(ion, amplitude, omega):
    computed = monodromy(trapode.PenningTrap(B0=B0, V0=V0, d=D), ion, amplitude, omega)
    expected = reference_monodromy(*blocks(), amplitude, omega)
    assert computed.shape == (6, 6)
    np.testing.assert_allclose(computed, expected, rtol=0, atol=2e-6 * np.max(np.abs(expected)))


def test_monodromy_converges_at_fourth_order_in_the_phase_step(ion):
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D)
    expected = reference_monodromy(*blocks(), 0.4, 1.0)
    steps = np.array([0.4, 0.2, 0.1])
    errors = [np.max(np.abs(monodromy(trap, ion, 0.4, 1.0, phase_step=step) - expected)) for step in steps]
    slope = np.polyfit(np.log(steps), np.log(errors), 1)[0]
    assert slope == pytest.approx(4.0, abs=0.2)


def test_negative_charge_in_negative_voltage_matches_its_reference():
    # An antiproton-like ion: V0 < 0 confines it, and its radial motions turn the other way.
    ion = trapode.Particle(q=-1.0, m=MASS)
    trap = trapode.PenningTrap(B0=B0, V0=-V0, d=D)
    chart = stability_chart(trap, ion, [0.1], [2 * OMEGA_Z, SPLIT])
    static, voltage, rotation = blocks(q=-1.0, V0=-V0)
    for column, omega in enumerate(chart.omegas):
        expected = reference_growth(reference_monodromy(static, voltage, rotation, 0.1, omega), omega)
        assert expected > 1e-3
        assert chart.growth_rate[0, column] == pytest.approx(expected, rel=1e-4)


def test_first_axial_band_edges_follow_first_order_theory(ion):
    amplitude = 0.1
    omegas = np.linspace(2 * OMEGA_Z - 0.1 * OMEGA_Z, 2 * OMEGA_Z + 0.1 * OMEGA_Z, 801)
    chart = stability_chart(trapode.PenningTrap(B0=B0, V0=V0, d=D), ion, [amplitude], omegas)
    (band,) = chart.bands()
    assert isinstance(band, Band)
    assert band.label == "axial n=1"
    assert band.resolved
    # PHYSICS.md: |ωV − 2ωz| < f ωz/2 to first order in f; the second order moves the edges by O(f²).
    width = amplitude * OMEGA_Z
    assert band.width == pytest.approx(width, rel=0.01)
    assert band.left == pytest.approx(2 * OMEGA_Z - width / 2, abs=0.01 * width)
    assert band.right == pytest.approx(2 * OMEGA_Z + width / 2, abs=0.01 * width)
    # The first-order growth in the tongue is ½√((f ωz/2)² − (ωV − 2ωz)²), at most f ωz/4.
    assert band.peak_growth == pytest.approx(amplitude * OMEGA_Z / 4, rel=0.005)


def mathieu_edges(amplitude, order):
    """The drive frequencies bounding the n-th tongue of z'' + ωz²(1 + f cos ωV t) z = 0, exactly.

    With τ = ωV t / 2 it is Mathieu's equation z'' + (a − 2q cos 2τ) z = 0 with
    a = 4ωz²/ωV² and q = −a f/2; the tongue lies between b_n(|q|) and a_n(|q|).
    """

    def frequency(characteristic):
        a = brentq(lambda a: a - characteristic(order, a * amplitude / 2), order**2 - 1.0, order**2 + 1.5)
        return 2 * OMEGA_Z / math.sqrt(a)

    return frequency(mathieu_a), frequency(mathieu_b)


@pytest.mark.parametrize(("amplitude", "order"), [(0.1, 1), (0.4, 1), (0.4, 2)])
def test_axial_band_edges_match_mathieu_characteristic_values(ion, amplitude, order):
    left, right = mathieu_edges(amplitude, order)
    margin = 0.2 * (right - left)
    omegas = np.linspace(left - margin, right + margin, 700)  # no point falls on an edge
    chart = stability_chart(trapode.PenningTrap(B0=B0, V0=V0, d=D), ion, [amplitude], omegas)
    (band,) = chart.bands()
    assert band.label == f"axial n={order}"
    spacing = omegas[1] - omegas[0]
    # An edge is reported midway between the grid points either side of it.
    assert band.left == pytest.approx(left, abs=0.51 * spacing)
    assert band.right == pytest.approx(right, abs=0.51 * spacing)


def test_radial_band_peak_growth_follows_first_order_theory(ion):
    amplitude = 0.1
    omegas = np.linspace(SPLIT - 0.03, SPLIT + 0.03, 601)
    chart = stability_chart(trapode.PenningTrap(B0=B0, V0=V0, d=D), ion, [amplitude], omegas)
    (band,) = chart.bands()
    assert band.label == "radial ω₊ − ω₋"
    assert band.prediction == pytest.approx(SPLIT, rel=1e-9)
    # PHYSICS.md: growth f ωz²/(4(ω₊ − ω₋)) at ωV = ω₊ − ω₋.
    assert band.peak_growth == pytest.approx(amplitude * OMEGA_Z**2 / (4 * SPLIT), rel=0.005)
    assert abs(band.peak_omega - SPLIT) < 0.1 * band.width


def test_bands_are_labelled_by_the_mode_that_grows(ion):
    chart = stability_chart(trapode.PenningTrap(B0=B0, V0=V0, d=D), ion, [0.1, 0.4, 0.7], np.linspace(0.2, 3.0, 1000))
    first = band_containing(chart.bands(amplitude_index=0), 2 * OMEGA_Z)
    assert first.label == "axial n=1"
    assert first.prediction == pytest.approx(2 * OMEGA_Z, rel=1e-9)
    second = band_containing(chart.bands(amplitude_index=1), OMEGA_Z)
    assert second.label == "axial n=2"
    assert second.prediction == pytest.approx(OMEGA_Z, rel=1e-9)
    radial = band_containing(chart.bands(amplitude_index=1), SPLIT)
    assert radial.label == "radial ω₊ − ω₋"
    half = band_containing(chart.bands(amplitude_index=2), SPLIT / 2)
    assert half.label == "radial (ω₊ − ω₋)/2"
    third = band_containing(chart.bands(amplitude_index=2), 2 * OMEGA_Z / 3 - 0.01)
    assert third.label == "axial n=3"
    assert chart.label(0.4, OMEGA_Z) == "axial n=2"
    assert chart.label(0.1, SPLIT) == "radial ω₊ − ω₋"
    assert chart.label(0.1, 1.0) == "stable"
    # bands() is every amplitude's bands, in order.
    assert chart.bands() == tuple(band for k in range(3) for band in chart.bands(amplitude_index=k))
    assert [band.amplitude for band in chart.bands()] == sorted(band.amplitude for band in chart.bands())


def test_loss_bands_follow_growth_times_duration(ion):
    amplitude, t_end, start = 0.1, 500.0, 10.0
    omegas = np.linspace(2 * OMEGA_Z - 0.06, 2 * OMEGA_Z + 0.06, 1201)
    chart = stability_chart(trapode.PenningTrap(B0=B0, V0=V0, d=D), ion, [amplitude], omegas)
    (lost,) = chart.loss_bands(t_end, start)
    # Lost where ½√((f ωz/2)² − δ²) t_end > ln(d/A0), δ = ωV − 2ωz (first order in f).
    rate = math.log(D / start) / t_end
    half_width = math.sqrt((amplitude * OMEGA_Z / 2) ** 2 - (2 * rate) ** 2)
    assert lost.width == pytest.approx(2 * half_width, rel=0.01)
    assert lost.centre == pytest.approx(2 * OMEGA_Z, abs=0.02 * half_width)
    (band,) = chart.bands()
    assert band.left < lost.left < lost.right < band.right
    # A longer run, a smaller d or an ion starting farther out loses more.
    for wider in (chart.loss_bands(2 * t_end, start), chart.loss_bands(t_end, start, d=D / 4)):
        assert wider[0].width > lost.width
    assert chart.loss_bands(t_end, 4 * start)[0].width > lost.width
    assert chart.loss_bands(t_end, start / 4)[0].width < lost.width
    assert chart.loss_bands(10.0, start) == ()


def test_tilted_elliptic_trap_matches_its_reference(ion):
    tilt, azimuth, ellipticity = 0.2, 0.7, 0.3
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, tilt=tilt, tilt_azimuth=azimuth, ellipticity=ellipticity)
    # Inside the axial, the radial and (from the tilt) the mixed ω₊ + ωz and ωz − ω₋ bands, and a stable point.
    omegas = [0.559, 1.0, 1.336, 2.207, 2.98]
    chart = stability_chart(trap, ion, [0.3], omegas)
    static, voltage, rotation = blocks(tilt=tilt, azimuth=azimuth, ellipticity=ellipticity)
    for column, omega in enumerate(omegas):
        reference = reference_monodromy(static, voltage, rotation, 0.3, omega)
        if omega == 1.0:
            assert largest_multiplier(reference) == pytest.approx(1.0, abs=1e-8)
            assert 0.0 <= chart.growth_rate[0, column] < 1e-10
            continue
        expected = reference_growth(reference, omega)
        assert expected > 1e-3, omega
        assert chart.growth_rate[0, column] == pytest.approx(expected, rel=1e-4)
    assert chart.label(0.3, 2.98) == "mixed ω₊ + ωz"
    assert chart.label(0.3, 0.559) == "mixed ωz − ω₋"
    assert chart.label(0.3, 1.336) == "axial n=1"


def test_user_potential_is_not_modulated(ion):
    # A user quadrupole C(2z² − x² − y²) stiffens the trap but keeps its value when the electrodes are driven.
    user_c = 2e-8
    trap = trapode.PenningTrap(B0=B0, V0=V0, d=D, potentials=[trapode.Potential("C*(2*z**2 - x**2 - y**2)", C=user_c)])
    static, voltage, rotation = blocks(user_c=user_c)
    omega_z = math.sqrt(-static[2, 2])
    omega = 2 * omega_z
    chart = stability_chart(trap, ion, [0.3], [omega])
    expected = reference_growth(reference_monodromy(static, voltage, rotation, 0.3, omega), omega)
    assert chart.growth_rate[0, 0] == pytest.approx(expected, rel=1e-4)
    everything = reference_growth(reference_monodromy(static, static, rotation, 0.3, omega), omega)
    assert abs(everything - expected) > 0.1 * expected  # so the test tells the two apart


def test_the_traps_own_drive_is_ignored_and_no_drive_is_stable(ion):
    omegas = np.linspace(0.5, 2.5, 50)
    driven = trapode.PenningTrap(B0=B0, V0=V0, d=D, drive=trapode.Drive(0.5, 1.39))
    chart = stability_chart(driven, ion, [0.0, 0.2], omegas)
    plain = stability_chart(trapode.PenningTrap(B0=B0, V0=V0, d=D), ion, [0.0, 0.2], omegas)
    np.testing.assert_array_equal(chart.growth_rate, plain.growth_rate)
    if hasattr(trapode, "QuadrupoleExcitation"):  # time-dependent terms stay out of the static gradient
        excited = trapode.PenningTrap(
            B0=B0, V0=V0, d=D, excitations=[trapode.QuadrupoleExcitation(amplitude=1e5, omega=2.4, phase=0.3)]
        )
        np.testing.assert_array_equal(stability_chart(excited, ion, [0.0, 0.2], omegas).growth_rate, plain.growth_rate)
    assert np.all((chart.growth_rate[0] >= 0.0) & (chart.growth_rate[0] < 1e-10))
    np.testing.assert_allclose(np.abs(chart.multipliers[0]), 1.0, atol=1e-6)
    assert np.any(chart.growth_rate[1] > 1e-3)


def test_grid_is_sorted_and_amplitudes_kept(ion):
    chart = stability_chart(trapode.PenningTrap(), ion, 0.1, [2.0, 1.0, 2.0, 1.5])
    np.testing.assert_array_equal(chart.omegas, [1.0, 1.5, 2.0])
    np.testing.assert_array_equal(chart.amplitudes, [0.1])
    np.testing.assert_allclose(chart.mode_shares.sum(axis=-1), 1.0)


def test_plot_draws_one_line_per_amplitude(ion, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chart = stability_chart(trapode.PenningTrap(), ion, [0.1, 0.4], np.linspace(1.2, 1.6, 40))
    ax = chart.plot()
    assert len(ax.get_lines()) == 2
    assert "rad/µs" in ax.get_xlabel()
    assert "1/µs" in ax.get_ylabel()
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), chart.growth_rate[1])
    ax.figure.savefig(tmp_path / "chart.png")
    plt.close(ax.figure)
    _, given = plt.subplots()
    assert chart.plot(ax=given) is given
    plt.close(given.figure)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"amplitudes": []}, "amplitudes must hold at least one"),
        ({"amplitudes": [0.1, np.nan]}, r"amplitudes must be finite real numbers .*not finite"),
        ({"amplitudes": [-0.1, 0.2]}, r"amplitudes must all be ≥ 0 .*got \[-0.1\]"),
        ({"amplitudes": [[0.1, 0.2]]}, r"amplitudes must be finite real numbers .*2-D"),
        ({"amplitudes": "0.1"}, "amplitudes must be finite real numbers"),
        ({"omegas": []}, "omegas must hold at least one"),
        ({"omegas": [1.0, np.inf]}, r"omegas must be finite real numbers in rad/µs .*not finite"),
        ({"omegas": [1.0, 0.0]}, r"omegas must all be > 0 \(rad/µs\), got \[0.0\]"),
        ({"omegas": [-1.0]}, r"omegas must all be > 0"),
        ({"phase_step": 0.0}, r"phase_step must be a phase per step in rad, > 0 and ≤ 1, got 0.0"),
        ({"phase_step": 2.0}, r"phase_step must be .* ≤ 1, got 2.0"),
        ({"phase_step": "fine"}, r"phase_step must be .*\(str\)"),
        ({"trap": "trap"}, r"trap must be a trapode.PenningTrap, got 'trap' \(str\)"),
        ({"particle": (1, 40)}, r"particle must be a trapode.Particle, got \(1, 40\) \(tuple\)"),
        ({"trap": trapode.PenningTrap(V0=-0.025)}, r"does not confine q = 1 e, m = 40.077 u .*axial confinement"),
        ({"trap": trapode.PenningTrap(B0=0.1)}, r"does not confine .*radial motion is not bounded"),
    ],
)
def test_bad_input_is_refused_before_any_work(ion, arguments, message):
    call = {"trap": trapode.PenningTrap(), "particle": ion, "amplitudes": [0.1], "omegas": [1.0]} | arguments
    with pytest.raises(trapode.ConfigError, match=message):
        stability_chart(**call)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"amplitude": -1.0}, r"amplitude must be a relative amplitude ≥ 0, got -1.0"),
        ({"amplitude": math.nan}, r"amplitude must be .*not finite"),
        ({"omega": 0.0}, r"omega must be a positive angular frequency in rad/µs, got 0.0"),
        ({"omega": [1.0]}, r"omega must be a positive angular frequency .*\(list\)"),
        ({"phase_step": -0.1}, "phase_step must be"),
        ({"trap": trapode.PenningTrap(V0=-0.025)}, "does not confine"),
    ],
)
def test_bad_monodromy_input_is_refused(ion, arguments, message):
    call = {"trap": trapode.PenningTrap(), "particle": ion, "amplitude": 0.1, "omega": 1.0} | arguments
    with pytest.raises(trapode.ConfigError, match=message):
        monodromy(**call)


def test_bad_band_queries_are_refused(ion):
    chart = stability_chart(trapode.PenningTrap(), ion, [0.1, 0.2], [1.3, 1.4])
    with pytest.raises(trapode.ConfigError, match=r"threshold must be a growth rate ≥ 0 in 1/µs, got -1"):
        chart.bands(threshold=-1)
    with pytest.raises(trapode.ConfigError, match=r"amplitude_index must be an integer ≥ 0 and ≤ 1, got 2"):
        chart.bands(amplitude_index=2)
    with pytest.raises(trapode.ConfigError, match=r"amplitude_index must be .*\(float\)"):
        chart.bands(amplitude_index=1.0)
    with pytest.raises(trapode.ConfigError, match=r"t_end must be a positive duration in µs, got 0"):
        chart.loss_bands(0, 10.0)
    with pytest.raises(
        trapode.ConfigError, match=r"initial_amplitude must be an amplitude in µm, > 0 and below d = 500 µm"
    ):
        chart.loss_bands(100.0, 500.0)
    with pytest.raises(trapode.ConfigError, match=r"initial_amplitude must be .* below d = 5 µm"):
        chart.loss_bands(100.0, 10.0, d=5.0)
    with pytest.raises(trapode.ConfigError, match=r"d must be a positive distance in µm, got -5"):
        chart.loss_bands(100.0, 10.0, d=-5.0)
    with pytest.raises(trapode.ConfigError, match=r"omega must be a positive angular frequency"):
        chart.label(0.1, -1.0)
