"""The figures: legends and names off the data, frequencies in rad/µs or as ν = ω/2π, one style for every kind."""

import dataclasses
import itertools
import math
import re

import matplotlib
import numpy as np
import pytest
from matplotlib.text import Text

import trapode
from trapode import plotting
from trapode.resonances import Resonance
from trapode.scans import ScanResult
from trapode.spectrum import plot_spectrum
from trapode.sweep import SweepResult

matplotlib.use("Agg")
import matplotlib.pyplot as plt

#: ν = ω/2π: 1 kHz is ω = 2π·10³ rad/s = 2π·10⁻³ rad/µs.
ONE_KHZ = 2 * math.pi * 1e-3


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def static_trap():
    return trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)


@pytest.fixture(scope="module")
def axial_runs(static_trap):
    """Forward Euler and RK4 on the report's particle 1 for 10 µs: figs. 2 and 3 in small."""
    config = trapode.SimulationConfig(
        trap=static_trap, particles=[trapode.report_particle_1()], t_end=10.0, n_steps=1000
    )
    return [trapode.simulate(dataclasses.replace(config, method=method), progress=False) for method in ("euler", "rk4")]


@pytest.fixture(scope="module")
def pair_run(static_trap):
    """Two particles that do not interact: they have a closed form, for the error plot."""
    particles = [trapode.report_particle_1(), trapode.report_particle_2()]
    config = trapode.SimulationConfig(
        trap=static_trap, particles=particles, t_end=10.0, n_steps=1000, interactions=False
    )
    return trapode.simulate(config, progress=False)


@pytest.fixture(scope="module")
def spectrum_run(static_trap):
    config = trapode.SimulationConfig(
        trap=static_trap, particles=[trapode.report_particle_1()], t_end=1000.0, n_steps=20000, method="splitting"
    )
    return trapode.simulate(config, progress=False)


def hand_made_sweep(omegas, amplitudes=(0.1, 0.4)):
    """A sweep whose ions are all kept except in a dip in the middle of the grid: no run needed."""
    trap = trapode.PenningTrap()
    ions = (trapode.report_particle_1(), trapode.report_particle_2())
    omegas = np.asarray(omegas, dtype=float)
    trapped = np.ones((len(amplitudes), omegas.size, len(ions)), dtype=bool)
    trapped[:, omegas.size // 2, :] = False
    return SweepResult(
        trap=trap,
        ions=ions,
        amplitudes=np.asarray(amplitudes, dtype=float),
        omegas=omegas,
        t_end=500.0,
        n_steps=5000,
        interactions=False,
        trapped=trapped,
        completed=np.ones((len(amplitudes), omegas.size), dtype=bool),
    )


def resonance(label, prediction, centre, amplitude=0.1):
    return Resonance(
        amplitude=amplitude,
        left=centre - 0.01,
        right=centre + 0.01,
        depth=0.0,
        prediction_label=label,
        prediction=prediction,
    )


#: Fig. 14 in small: two dips named, and two predictions so close that their names would overlap.
RESONANCES = (
    resonance("axial n=1", 1.3878, 1.39),
    resonance("radial ω₊ − ω₋", 2.1984, 2.2, amplitude=0.4),
    resonance("2ωz/3", 0.9252, 0.925),
    resonance("(ω₊ − ω₋)/2", 0.93, 0.93, amplitude=0.4),
)


def hand_made_scan(static_trap, first, second):
    """A scan over the excitation's and the drive's angular frequency, every particle kept: no run needed."""
    trap = dataclasses.replace(
        static_trap,
        drive=trapode.Drive(0.1, 1.0),
        excitations=[trapode.QuadrupoleExcitation(amplitude=2e4, omega=2.41, duration=20.0)],
    )
    particles = [trapode.report_particle_1(), trapode.report_particle_2()]
    config = trapode.SimulationConfig(trap=trap, particles=particles, t_end=30.0, n_steps=300, interactions=False)
    shape = (len(first), len(second))
    return ScanResult(
        config=config,
        paths=("excitations[0].omega", "drive.omega"),
        grids=(np.asarray(first, dtype=float), np.asarray(second, dtype=float)),
        observe="fraction_trapped",
        positions=np.zeros((*shape, 2, 3)),
        velocities=np.zeros((*shape, 2, 3)),
        trapped=np.ones((*shape, 2), dtype=bool),
        completed=np.ones(shape, dtype=bool),
    )


def rendered(ax):
    """Draw ``ax``'s figure (Agg) and return its renderer: window extents are then final."""
    figure = ax.figure
    figure.canvas.draw()
    return figure.canvas.get_renderer()


def data_box(ax, renderer):
    """The axes' data area in display coordinates: the frame that every curve is drawn in."""
    return ax.get_window_extent(renderer)


def assert_off_the_data(box, ax, renderer, what):
    """``box`` (display coordinates) is outside the data area, and inside the figure (nothing cut off)."""
    frame = data_box(ax, renderer)
    assert not box.overlaps(frame), f"the {what} {box} covers the axes' data area {frame}"
    figure = ax.figure.bbox
    assert figure.x0 <= box.x0 and box.x1 <= figure.x1 and figure.y0 <= box.y0 and box.y1 <= figure.y1, (
        f"the {what} {box} is cut off by the figure {figure}"
    )


# --- legends and names off the data ----------------------------------------------------------------------


def _figures(axial_runs, pair_run, spectrum_run, static_trap):
    return {
        "axial motion (figs. 2, 3)": lambda: plotting.plot_axial_motion(axial_runs),
        "error": lambda: plotting.plot_error(pair_run),
        "xy": lambda: plotting.plot_xy(pair_run),
        "phase": lambda: plotting.plot_phase(pair_run, "z"),
        "3d": lambda: plotting.plot_3d(pair_run),
        "fraction trapped (fig. 14)": lambda: plotting.plot_fraction_trapped(
            hand_made_sweep(np.linspace(0.2, 2.5, 24)), resonances=RESONANCES
        ),
        "fraction trapped, several sweeps (figs. 15, 16)": lambda: plotting.plot_fraction_trapped(
            [hand_made_sweep(np.linspace(2.05, 2.35, 11))] * 2
        ),
        "scan": lambda: plotting.plot_scan(hand_made_scan(static_trap, [2.3, 2.4, 2.5], [1.0, 1.39]), theory=False),
        "spectrum": lambda: plot_spectrum(spectrum_run),
    }


FIGURE_KINDS = [
    "axial motion (figs. 2, 3)",
    "error",
    "xy",
    "phase",
    "3d",
    "fraction trapped (fig. 14)",
    "fraction trapped, several sweeps (figs. 15, 16)",
    "scan",
    "spectrum",
]


@pytest.mark.parametrize("kind", FIGURE_KINDS)
def test_the_plot_legend_lies_beside_the_axes_off_the_curves(kind, axial_runs, pair_run, spectrum_run, static_trap):
    ax = _figures(axial_runs, pair_run, spectrum_run, static_trap)[kind]()
    renderer = rendered(ax)
    legend = ax.get_legend()
    assert legend is not None
    assert_off_the_data(legend.get_window_extent(renderer), ax, renderer, "legend")
    # The curves themselves lie in the data area, so they are clear of the legend.
    frame = data_box(ax, renderer)
    for line in ax.get_lines():
        if line.get_xydata().size and line.get_transform() == ax.transData and ax.name != "3d":
            points = ax.transData.transform(np.asarray(line.get_xydata(), dtype=float))
            finite = np.isfinite(points).all(axis=1)
            assert (points[finite, 0] >= frame.x0 - 1).all() and (points[finite, 0] <= frame.x1 + 1).all()


def test_relative_error_plot_legend_lies_beside_the_axes(static_trap):
    config = trapode.SimulationConfig(trap=static_trap, particles=[trapode.report_particle_1()], t_end=5.0, n_steps=1)
    study = trapode.convergence_study(config, n_steps=(400, 800))
    ax = plotting.plot_relative_error(study, "rk4")
    renderer = rendered(ax)
    assert_off_the_data(ax.get_legend().get_window_extent(renderer), ax, renderer, "legend")


def test_the_fraction_trapped_plot_names_resonances_above_the_frame_not_on_the_data():
    ax = plotting.plot_fraction_trapped(hand_made_sweep(np.linspace(0.2, 2.5, 24)), resonances=RESONANCES)
    renderer = rendered(ax)
    # The text of each name (an Annotation's own extent also holds its leader, which reaches down to the frame).
    names = {text.get_text(): Text.get_window_extent(text, renderer) for text in ax.texts}
    assert set(names) == {r.prediction_label for r in RESONANCES}
    for name, box in names.items():
        assert_off_the_data(box, ax, renderer, f"name {name!r}")
        assert box.y0 >= data_box(ax, renderer).y1  # above the frame
        assert not box.overlaps(ax.title.get_window_extent(renderer)), f"{name!r} runs into the title"
        assert not box.overlaps(ax.get_legend().get_window_extent(renderer))
    boxes = sorted(names.values(), key=lambda box: box.x0)
    for left, right in itertools.pairwise(boxes):
        assert left.x1 <= right.x0, "two names overlap"
    # Each name stands at its prediction (the close one joined to it by a leader), which is drawn dotted.
    for text in ax.texts:
        prediction = next(r.prediction for r in RESONANCES if r.prediction_label == text.get_text())
        assert text.xy[0] == pytest.approx(prediction)
    # The triangles that mark the dips found sit in the headroom above every curve (a fraction is at most 1).
    top_of_data = ax.transData.transform((0.0, 1.0))[1]
    marks = [line for line in ax.get_lines() if line.get_marker() == "v"]
    assert len(marks) == len(RESONANCES)
    for mark in marks:
        y = mark.get_transform().transform(mark.get_xydata())[0, 1]
        half = mark.get_markersize() / 2 * ax.figure.dpi / 72
        assert y - half > top_of_data


def test_the_cloud_diagnostics_legends_lie_above_their_panels():
    trap = trapode.PenningTrap()
    cloud = trapode.random_particles(30, trap, seed=11)
    config = trapode.SimulationConfig(trap=trap, particles=cloud, t_end=2.0, n_steps=100, save_every=10)
    diagnostics = trapode.cloud_diagnostics(trapode.simulate(config, progress=False))
    figure = plotting.plot_cloud_diagnostics(diagnostics)
    renderer = rendered(figure.axes[0])
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None]
    assert len(legends) == 2
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in figure.axes:
            assert not box.overlaps(ax.get_window_extent(renderer))
        assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1 and box.y1 <= figure.bbox.y1


# --- one style for every figure kind ---------------------------------------------------------------------


def test_every_figure_kind_shares_one_style(axial_runs, pair_run, spectrum_run, static_trap):
    axes = [make() for make in _figures(axial_runs, pair_run, spectrum_run, static_trap).values()]
    unit_label = re.compile(r"^.+ \([^()]+\)$")  # "quantity (unit)"
    for ax in axes:
        rendered(ax)
        assert unit_label.match(ax.get_xlabel()), ax.get_xlabel()
        assert any(line.get_visible() for line in ax.xaxis.get_gridlines()) or ax.name == "3d"
    for read in (
        lambda ax: ax.title.get_fontsize(),
        lambda ax: ax.xaxis.label.get_fontsize(),
        lambda ax: ax.yaxis.label.get_fontsize(),
        lambda ax: ax.xaxis.get_ticklabels()[0].get_fontsize(),
        lambda ax: {text.get_fontsize() for text in ax.get_legend().get_texts()},
    ):
        assert len({repr(read(ax)) for ax in axes}) == 1


# --- frequencies in rad/µs, Hz, kHz or MHz ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "per_khz"), [("Hz", 1e3), ("kHz", 1.0), ("MHz", 1e-3)]
)  # the value 1 kHz in each unit
def test_the_fraction_trapped_plot_draws_nu_in_the_unit_asked(unit, per_khz):
    omegas = ONE_KHZ * np.array([1.0, 2.0, 3.0, 4.0, 5.0])  # 1 … 5 kHz as angular frequencies in rad/µs
    near = [resonance("2ωz", ONE_KHZ * 3.0, ONE_KHZ * 3.1)]
    ax = plotting.plot_fraction_trapped(hand_made_sweep(omegas), resonances=near, frequency_unit=unit)
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), per_khz * np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    (mark,) = [line for line in ax.get_lines() if line.get_marker() == "v"]
    (predicted,) = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert mark.get_xdata()[0] == pytest.approx(3.1 * per_khz)
    assert predicted.get_xdata()[0] == pytest.approx(3.0 * per_khz)
    assert ax.texts[0].xy[0] == pytest.approx(3.0 * per_khz)
    assert ax.get_xlabel() == rf"drive frequency $\nu_V = \omega_V/2\pi$ ({unit})"


def test_the_fraction_trapped_plot_keeps_rad_per_us_by_default():
    omegas = np.array([1.0, 1.39, 1.5])
    ax = plotting.plot_fraction_trapped(hand_made_sweep(omegas))
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), omegas)
    assert ax.get_xlabel() == r"drive angular frequency $\omega_V$ (rad/µs)"
    again = plotting.plot_fraction_trapped(hand_made_sweep(omegas), frequency_unit="rad/µs")
    np.testing.assert_array_equal(again.get_lines()[0].get_xdata(), omegas)


def test_the_loss_bands_are_converted_with_the_curves(static_trap):
    omegas = np.linspace(1.2, 1.6, 9)
    chart = trapode.stability_chart(static_trap, trapode.report_particle_1(), [0.1, 0.4], np.linspace(1.1, 1.7, 60))
    spans = {}
    for unit in ("rad/µs", "kHz"):
        ax = plotting.plot_fraction_trapped(hand_made_sweep(omegas), chart=chart, frequency_unit=unit)
        spans[unit] = [
            patch.get_patch_transform().transform(patch.get_path().vertices)[:, 0].min() for patch in ax.patches
        ]
    assert spans["rad/µs"]
    np.testing.assert_allclose(spans["kHz"], np.array(spans["rad/µs"]) / ONE_KHZ)


def test_the_scan_plot_converts_its_angular_frequencies():
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    first, second = ONE_KHZ * np.array([100.0, 200.0]), ONE_KHZ * np.array([50.0, 80.0])
    scan = hand_made_scan(trap, first, second)
    ax = plotting.plot_scan(scan, theory=False, frequency_unit="kHz")
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [100.0, 200.0])
    assert ax.get_xlabel() == "excitations[0].omega: ν = ω/2π (kHz)"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "drive.omega: ν = 50 kHz",
        "drive.omega: ν = 80 kHz",
    ]
    default = plotting.plot_scan(scan, theory=False)
    np.testing.assert_array_equal(default.get_lines()[0].get_xdata(), first)
    assert default.get_xlabel() == "excitations[0].omega (rad/µs)"


def test_the_spectrum_is_drawn_in_the_unit_asked(spectrum_run):
    default = plot_spectrum(spectrum_run)  # MHz, as before
    assert default.get_xlabel() == "frequency ν = ω/2π (MHz)"
    megahertz = default.get_lines()[0].get_xdata()
    kilohertz = plot_spectrum(spectrum_run, frequency_unit="kHz")
    assert kilohertz.get_xlabel() == "frequency ν = ω/2π (kHz)"
    np.testing.assert_allclose(kilohertz.get_lines()[0].get_xdata(), 1e3 * megahertz)
    angular = plot_spectrum(spectrum_run, frequency_unit="rad/µs")
    assert angular.get_xlabel() == "angular frequency ω (rad/µs)"
    np.testing.assert_allclose(angular.get_lines()[0].get_xdata(), 2 * math.pi * megahertz)
    # The names stand on their peaks in every unit: ω₊ of the report's particle 1 is near 0.3665 MHz.
    for ax, per_mhz in ((default, 1.0), (kilohertz, 1e3), (angular, 2 * math.pi)):
        (plus,) = [text for text in ax.texts if text.get_text() == "ω₊"]
        assert plus.xy[0] == pytest.approx(0.36653 * per_mhz, rel=1e-3)


def test_the_cloud_rotation_frequency_is_drawn_in_the_unit_asked():
    trap = trapode.PenningTrap()
    cloud = trapode.random_particles(20, trap, seed=3)
    config = trapode.SimulationConfig(trap=trap, particles=cloud, t_end=1.0, n_steps=50, save_every=10)
    diagnostics = trapode.cloud_diagnostics(trapode.simulate(config, progress=False))
    figure = plotting.plot_cloud_diagnostics(diagnostics, frequency_unit="kHz")
    rotation = figure.axes[2]
    assert rotation.get_ylabel() == "rotation frequency ν = ω/2π (kHz)"
    np.testing.assert_allclose(rotation.get_lines()[0].get_ydata(), diagnostics.rotation_frequency / ONE_KHZ)
    plt.close("all")
    with pytest.raises(trapode.ConfigError, match=r"frequency_unit must be one of .* got 'GHz'"):
        plotting.plot_cloud_diagnostics(diagnostics, frequency_unit="GHz")
    assert plt.get_fignums() == []


@pytest.mark.parametrize("value", ["GHz", "khz", "rad/us", 1e3, None])
def test_a_bad_frequency_unit_is_refused_with_the_units_allowed(value, static_trap):
    sweep = hand_made_sweep([1.0, 1.39, 1.5])
    scan = hand_made_scan(static_trap, [2.3, 2.4], [1.0, 1.39])
    calls = [
        lambda: plotting.plot_fraction_trapped(sweep, frequency_unit=value),
        lambda: plotting.plot_scan(scan, frequency_unit=value),
        # Refused before any work: the result is not even read.
        lambda: plot_spectrum(None, frequency_unit=value),
    ]
    for call in calls:
        with pytest.raises(trapode.ConfigError) as raised:
            call()
        message = str(raised.value)
        assert message.startswith("frequency_unit must be one of 'rad/µs', 'Hz', 'kHz', 'MHz', got ")
        assert repr(value) in message
    assert plt.get_fignums() == []  # no figure left behind by a refused call


def test_the_result_plot_methods_pass_the_frequency_unit_on(monkeypatch):
    import trapode.plotting as plotting

    seen = []
    monkeypatch.setattr(plotting, "plot_fraction_trapped", lambda *a, **k: seen.append(k["frequency_unit"]))
    monkeypatch.setattr(plotting, "plot_scan", lambda *a, **k: seen.append(k["frequency_unit"]))
    trap = trapode.PenningTrap()
    sweep = trapode.sweep(trap, trapode.random_particles(2, trap, seed=1), [0.1], [1.4], t_end=1.0, n_steps=10,
                          progress=False)  # fmt: skip
    sweep.plot(frequency_unit="kHz")
    trapode.ResonanceScan((), sweep, {}, 0.5, 0.01).plot(frequency_unit="MHz")
    config = trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1()], t_end=1.0, n_steps=10)
    trapode.scan(config, {"B0": [1.0, 1.1]}, progress=False).plot(frequency_unit="Hz")
    assert seen == ["kHz", "MHz", "Hz"]
