"""Resonance finding against the trap's closed-form frequencies, the plots and the command line."""

import numpy as np
import pytest

import trapode
from trapode import cli


@pytest.fixture(scope="module")
def report_scan():
    """The report's coarse sweep at f = 0.1: 100 Ca+ ions, 500 µs, 5000 RK4 steps, ωV from 0.2 to 2.5."""
    trap = trapode.PenningTrap()
    ions = trapode.random_particles(100, trap, seed=2022)
    return trapode.find_resonances(trap, ions, [0.1], np.arange(0.2, 2.5 + 1e-9, 0.02), progress=False)


def test_f_0_1_loses_ions_at_2_omega_z_and_omega_plus_minus_omega_minus(report_scan, trap, particle_1):
    """SPEC.md: near 2ωz nearly all ions are lost, near ω+ − ω− many; elsewhere they stay."""
    frequencies = trap.frequencies(particle_1)
    two_omega_z = 2 * frequencies.omega_z  # 1.3878 rad/µs
    difference = frequencies.omega_plus - frequencies.omega_minus  # 2.1984 rad/µs
    found = {r.prediction_label: r for r in report_scan.resonances}
    assert set(found) == {"axial n=1", "radial ω₊ − ω₋"}
    assert found["axial n=1"].prediction == pytest.approx(two_omega_z, rel=1e-12)
    assert found["radial ω₊ − ω₋"].prediction == pytest.approx(difference, rel=1e-12)
    assert abs(found["axial n=1"].centre - two_omega_z) < 0.01 and found["axial n=1"].depth <= 0.05
    assert abs(found["radial ω₊ − ω₋"].centre - difference) < 0.01 and found["radial ω₊ − ω₋"].depth <= 0.5
    # Refined: both edges bracketed to the tolerance; the dips are narrow.
    assert all(r.resolved and 0 < r.width < 0.1 for r in report_scan.resonances)
    omegas, fractions = report_scan.samples[0.1]
    far = np.array([all(abs(w - r.centre) > 0.1 for r in report_scan.resonances) for w in omegas])
    assert fractions[far].min() >= 0.95


def test_resonance_table_and_plot(report_scan):
    import matplotlib

    matplotlib.use("Agg")
    table = report_scan.table()
    assert "axial n=1" in table and "radial ω₊ − ω₋" in table and "Floquet band" in table
    ax = report_scan.plot()
    assert ax.get_xlabel() == r"drive angular frequency $\omega_V$ (rad/µs)"
    assert ax.get_ylabel() == "fraction of ions trapped after 500 µs"
    marked = sorted(line.get_xdata()[0] for line in ax.get_lines() if line.get_marker() == "v")
    assert marked == pytest.approx(sorted(r.centre for r in report_scan.resonances))
    predicted = sorted(line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == ":")
    assert predicted == pytest.approx(sorted({r.prediction for r in report_scan.resonances}))
    ax.figure.clf()


def test_predicted_resonances_from_closed_form_frequencies(trap, particle_1):
    predictions = dict(trapode.predicted_resonances(trap, particle_1))
    f = trap.frequencies(particle_1)
    assert predictions["2ωz"] == pytest.approx(2 * f.omega_z)
    assert predictions["2ωz/3"] == pytest.approx(2 * f.omega_z / 3)
    assert predictions["(ω+ − ω−)/2"] == pytest.approx((f.omega_plus - f.omega_minus) / 2)
    assert predictions["ω+ + ω−"] == pytest.approx(f.omega_c)


def test_averaged_sweeps_are_drawn_with_an_error_band(trap):
    import matplotlib

    matplotlib.use("Agg")
    from trapode.plotting import plot_fraction_trapped

    runs = [
        trapode.sweep(
            trap,
            trapode.random_particles(10, trap, seed=seed),
            [0.4],
            [1.3, 1.39, 1.5],
            t_end=50.0,
            n_steps=500,
            progress=False,
        )
        for seed in (1, 2, 3)
    ]
    ax = plot_fraction_trapped(runs)
    mean = np.mean([run.fraction_trapped[0] for run in runs], axis=0)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), mean)
    assert len(ax.collections) == 1 and "mean of 3 ion sets" in ax.get_title()
    ax.figure.clf()


def test_command_line_sweep_writes_csv_and_finds_resonances(tmp_path, capsys):
    output = tmp_path / "scan.csv"
    figure = tmp_path / "scan.png"
    status = cli.main(
        [
            "sweep",
            "--amplitudes",
            "0.4",
            "--omega-min",
            "1.2",
            "--omega-max",
            "1.6",
            "--omega-step",
            "0.1",
            "--ions",
            "10",
            "--t-end",
            "50",
            "--n-steps",
            "500",
            "--quiet",
            "--output",
            str(output),
            "--plot",
            str(figure),
            "--checkpoint",
            str(tmp_path / "scan.db"),
            "--find-resonances",
            "--tolerance",
            "0.05",
        ]
    )
    assert status == 0
    lines = output.read_text().splitlines()
    assert lines[0] == "omega_rad_per_us,fraction_f=0.4" and len(lines) == 6
    trap = trapode.PenningTrap()
    expected = trapode.sweep(
        trap,
        trapode.random_particles(10, trap, seed=2022),
        [0.4],
        [1.2, 1.3, 1.4, 1.5, 1.6],
        t_end=50.0,
        n_steps=500,
        progress=False,
    )
    assert [float(line.split(",")[1]) for line in lines[1:]] == pytest.approx(expected.fraction_trapped[0])
    out = capsys.readouterr().out
    assert "Floquet band" in out and not out.startswith("\n")  # the table alone, not after a blank line
    assert figure.stat().st_size > 0


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--amplitudes", "-0.1"], "amplitudes must all be ≥ 0"),
        (["--n-steps", "0"], "n_steps must be an integer ≥ 1"),
        (["--omega-step", "0"], "--omega-step must be > 0"),
        (["--ions", "0"], "n must be an integer ≥ 1"),
    ],
)
def test_command_line_mistakes_exit_2_with_one_line(arguments, message, capsys):
    assert cli.main(["sweep", "--quiet", *arguments]) == 2
    error = capsys.readouterr().err
    assert error.startswith("trapode: ") and message in error and "Traceback" not in error


@pytest.mark.slow
def test_resonance_example_runs_and_reuses_its_checkpoints(tmp_path):
    import subprocess
    import sys

    from .conftest import EXAMPLES

    command = [sys.executable, str(EXAMPLES / "resonance_scan.py"), str(tmp_path), "--quick", "--seeds", "2"]
    first = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "Floquet band" in first and "fig. 16 (with interaction)" in first
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "fig14_fraction_trapped.png",
        "fig15_fine_scan_without_interaction.png",
        "fig16_fine_scan_with_interaction.png",
    ]
    # A second run finds every sweep in its checkpoint and prints the same numbers.
    assert subprocess.run(command, capture_output=True, text=True, check=True).stdout == first


def test_every_dip_lies_in_a_predicted_floquet_band_and_every_wide_band_is_a_dip(trap):
    """Without interaction, losses happen where the monodromy matrix predicts growth·T > ln(d/A0), and only there."""
    ions = trapode.random_particles(40, trap, seed=7)
    step = 0.02
    omegas = np.arange(0.3, 2.5 + 1e-9, step)
    result = trapode.sweep(trap, ions, [0.1, 0.4, 0.7], omegas, t_end=500.0, n_steps=5000, progress=False)
    chart = trapode.stability_chart(trap, ions[0], [0.1, 0.4, 0.7], np.linspace(0.25, 2.55, 4601))
    starts = np.sort([np.linalg.norm(ion.r) for ion in ions])
    for index in range(3):
        fractions = result.fraction_trapped[index]
        # Bands for the farthest-out ions (the widest) contain every dip, to a grid step.
        widest = chart.loss_bands(500.0, starts[-1], amplitude_index=index)
        for omega in omegas[fractions < 0.5]:
            assert any(band.left - step <= omega <= band.right + step for band in widest), (index, omega)
        # Bands for the median ion (half the ions lost at least) wider than a step all show up as dips.
        for band in chart.loss_bands(500.0, np.median(starts), amplitude_index=index):
            if band.width > step:
                inside = (omegas >= band.left) & (omegas <= band.right)
                assert fractions[inside].min() < 0.5, (index, band)
