"""Error measures and convergence rates."""

import dataclasses
import math
import subprocess
import sys

import numpy as np
import pytest

import trapode
from trapode import ConfigError

from .conftest import EXAMPLES, single_config


def test_relative_and_max_error_by_hand():
    numeric = np.array([[1.0, 2.0, 2.0], [0.0, 0.0, 1.0]])
    exact = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]])
    np.testing.assert_allclose(trapode.relative_error(numeric, exact), [2.0 * math.sqrt(2) / 1.0, 0.5])
    assert trapode.max_error(numeric, exact) == pytest.approx(2.0 * math.sqrt(2))


def test_convergence_rate_formula_by_hand():
    # log(e2/e1)/log(h2/h1) = log(1/16)/log(1/2) = 4 and log(1/4)/log(1/2) = 2: the mean is 3.
    assert trapode.convergence_rate([1.0, 0.5, 0.25], [1.0, 1 / 16, 1 / 64]) == pytest.approx(3.0)
    assert trapode.convergence_rate([0.2, 0.1], [2.0, 1.0]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "h, errors, match",
    [
        ([1.0], [1.0], "same length ≥ 2"),
        ([1.0, 0.5], [1.0], "same length ≥ 2"),
        ([1.0, 0.5], [1.0, 0.0], "positive and finite"),
        ([1.0, 1.0], [1.0, 0.5], "must differ"),
    ],
)
def test_convergence_rate_rejects_bad_input(h, errors, match):
    with pytest.raises(ConfigError, match=match):
        trapode.convergence_rate(h, errors)


def test_error_shapes_must_match():
    with pytest.raises(ConfigError, match=r"same shape \(\.\.\., 3\), got \(2, 3\) and \(3, 3\)"):
        trapode.relative_error(np.zeros((2, 3)), np.ones((3, 3)))


def test_report_convergence_study_against_analytic(trap, particle_1):
    """The issue's numbers: RK4 4.00 ± 0.02 (no round-off loss at n = 32000), Euler between 1.3 and 1.5."""
    study = trapode.convergence_study(single_config(trap, particle_1), reference="analytic")
    assert study.n_steps == (4000, 8000, 16000, 32000)
    np.testing.assert_allclose(study.step_sizes, [0.0125, 0.00625, 0.003125, 0.0015625])
    assert study.rates["rk4"] == pytest.approx(4.0, abs=0.02)
    assert 1.3 <= study.rates["euler"] <= 1.5
    # Every successive RK4 ratio is 16 to within 2 %: the last refinement is not lost to round-off.
    rk4 = study.max_errors[study.methods.index("rk4")]
    np.testing.assert_allclose(rk4[:-1] / rk4[1:], 16.0, rtol=0.02)
    assert study.relative_errors["rk4", 4000].shape == (4001, 1)
    assert "rate" in study.table() and "Δmax rk4 (µm)" in study.table()


@pytest.mark.slow
def test_report_convergence_study_against_dop853(trap, particle_1):
    config = single_config(trap, particle_1, rtol=1e-13, atol=1e-13)
    study = trapode.convergence_study(config, reference="dop853")
    assert study.rates["rk4"] == pytest.approx(4.0, abs=0.02)
    assert 1.3 <= study.rates["euler"] <= 1.5


def test_analytic_reference_needs_one_particle(trap, particle_1, particle_2):
    config = trapode.SimulationConfig(trap=trap, particles=[particle_1, particle_2], t_end=1.0, n_steps=10)
    with pytest.raises(ConfigError, match=r"exactly one particle, got 2; use reference='dop853'"):
        trapode.convergence_study(config)


@pytest.mark.slow
def test_convergence_example_prints_rates_and_saves_figures(tmp_path):
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "convergence.py"), str(tmp_path)], capture_output=True, text=True, check=True
    )
    lines = completed.stdout.splitlines()
    rates = [line.split()[1:] for line in lines if line.strip().startswith("rate")]
    assert len(rates) == 2
    for euler, rk4 in rates:
        assert 1.3 <= float(euler) <= 1.5 and abs(float(rk4) - 4.0) <= 0.02
    saved = sorted(path.name for path in tmp_path.glob("*.png"))
    assert saved == [
        "fig12_relative_error_euler_vs_analytic.png",
        "fig12_relative_error_euler_vs_dop853.png",
        "fig13_relative_error_rk4_vs_analytic.png",
        "fig13_relative_error_rk4_vs_dop853.png",
    ]


def test_relative_error_figure_is_labelled_with_units(trap, particle_1):
    import matplotlib

    matplotlib.use("Agg")
    from trapode.plotting import plot_relative_error

    study = trapode.convergence_study(single_config(trap, particle_1, t_end=5.0), n_steps=(400, 800))
    ax = plot_relative_error(study, "rk4")
    assert ax.get_xlabel() == "t (µs)" and "relative error" in ax.get_ylabel() and ax.get_yscale() == "log"
    assert len(ax.get_lines()) == 2
    # The curves are the study's errors (t = 0 dropped: zero error has no logarithm).
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), study.relative_errors["rk4", 800][1:, 0])
    ax.figure.clf()


def test_the_study_checks_energy_conservation_rk4_losing_it_as_h_to_the_fifth():
    config = trapode.SimulationConfig(
        trap=trapode.PenningTrap(), particles=[trapode.report_particle_1()], t_end=50.0, n_steps=1
    )
    study = trapode.convergence_study(config, methods=["rk4"], n_steps=[2000, 4000])
    # |G(iωh)|² = 1 − (ωh)⁶/72 + … per step (PHYSICS.md): over a fixed time the loss goes as h⁵
    ratio = study.energy_errors["rk4", 2000] / study.energy_errors["rk4", 4000]
    assert ratio == pytest.approx(2**5, rel=0.1)
    assert "max |ΔE|/E rk4" in study.table()
    driven = dataclasses.replace(config, trap=trapode.PenningTrap(drive=trapode.Drive(0.1, 1.0)))
    assert trapode.convergence_study(driven, ["rk4"], [2000, 4000], reference="dop853").energy_errors == {}
