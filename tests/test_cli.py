"""The command line: every command, its help, and its handling of mistakes."""

import numpy as np
import pytest

import trapode
from trapode import cli


@pytest.fixture
def saved_run(tmp_path, examples_dir):
    output = tmp_path / "pair.npz"
    assert cli.main(["run", str(examples_dir / "two_particles.toml"), "-o", str(output)]) == 0
    return output


def test_run_saves_what_simulate_computes(tmp_path, examples_dir, capsys):
    saved_run = tmp_path / "pair.npz"
    assert cli.main(["run", str(examples_dir / "two_particles.toml"), "-o", str(saved_run)]) == 0
    assert "2 of 2 still trapped" in capsys.readouterr().out
    expected = trapode.simulate(trapode.load_config(examples_dir / "two_particles.toml"))
    assert trapode.load_result(saved_run) == expected


@pytest.mark.parametrize("kind", ["xy", "z", "phase-x", "phase-z", "3d"])
def test_plot_every_kind(saved_run, kind, tmp_path):
    figure = tmp_path / f"{kind}.png"
    assert cli.main(["plot", str(saved_run), "--kind", kind, "-o", str(figure)]) == 0
    assert figure.read_bytes().startswith(b"\x89PNG")


def test_error_plot_needs_a_closed_form(saved_run, capsys):
    assert cli.main(["plot", str(saved_run), "--kind", "error"]) == 2
    assert "needs a closed form" in capsys.readouterr().err


def test_convergence_command_prints_the_rates(capsys):
    assert cli.main(["convergence", "--n-steps", "4000", "8000", "16000"]) == 0
    out = capsys.readouterr().out
    rates = next(line for line in out.splitlines() if line.strip().startswith("rate")).split()[1:]
    assert 1.3 < float(rates[0]) < 1.6 and abs(float(rates[1]) - 4.0) < 0.02


def test_info_prints_fields_equations_and_frequencies(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    f = trapode.PenningTrap().frequencies(trapode.report_particle_1())
    assert f"ωc = {f.omega_c:.10g} rad/µs" in out and f"ω+ = {f.omega_plus:.10g} rad/µs" in out
    assert "confined" in out and "with the Coulomb force of the others" in out
    assert "V₀⋅q₁⋅x₁(t)" in out and "kₑ⋅q₁⋅q₂" in out  # the pretty-printed equations, Coulomb term included
    assert "unit factors: CODATA" in out and "electric field E = −∇Φ" in out


def test_info_prints_once_per_species_not_once_per_particle(tmp_path, capsys):
    ions = "\n".join(
        f'[[particles]]\nspecies = "40Ca+"\nr = [{k}.0, 0.0, 1.0]\nv = [0.0, 1.0, 0.0]\n' for k in range(1, 31)
    )
    pbar = '[[particles]]\nspecies = "9Be+"\nr = [0.0, 5.0, 0.0]\nv = [1.0, 0.0, 0.0]\n'
    path = tmp_path / "cloud.toml"
    path.write_text(f"t_end = 1.0\nn_steps = 10\n[trap]\nB0 = 1.0\n{ions}{pbar}", encoding="utf-8")
    assert cli.main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("40Ca+ (q = 1 e") == 1 and "30 particle(s)" in out and out.count("9Be+ (q = 1 e") == 1
    assert len(out) < 20000 and out.count("d ") < 60  # equations printed once


def test_version_is_the_package_version_and_the_citation_file_s(capsys):
    import pathlib
    import re

    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"trapode {trapode.__version__}\n"
    citation = (pathlib.Path(__file__).parents[1] / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r'^version: "([^"]+)"$', citation, re.MULTILINE).group(1) == trapode.__version__
    assert "Numerical simulation of a Penning trap" in citation


@pytest.mark.parametrize("command", ["reproduce", "run", "plot", "convergence", "sweep", "info"])
def test_every_command_has_complete_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: trapode {command}") and len(out.splitlines()) > 4


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["run", "no-such-file.toml"], "No such file or directory"),
        (["plot", "no-such-file.npz"], "No such file or directory"),
        (["convergence", "--reference", "rk5"], "must be one of"),
        (["convergence", "--n-steps", "4000"], "n_steps must be a sequence of at least 2"),
    ],
)
def test_mistakes_exit_2_without_a_traceback(arguments, message, capsys):
    assert cli.main(arguments) == 2
    error = capsys.readouterr().err
    assert error.startswith("trapode: ") and message in error and "Traceback" not in error


def test_bad_configuration_file(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("t_end = 50.0\nnsteps = 10\n")
    assert cli.main(["run", str(path)]) == 2
    assert "Did you mean 'n_steps'?" in capsys.readouterr().err


@pytest.mark.slow
def test_reproduce_writes_every_figure_and_the_summary(tmp_path):
    from trapode.reproduce import ReproductionSettings, reproduce

    tiny = ReproductionSettings(ions=6, omega_step=0.5, fine_points=3, seeds=2, trajectory_steps=1000)
    import matplotlib.pyplot as plt

    plt.switch_backend("svg")  # the user's backend (a notebook's inline one, say) stays theirs
    open_before = plt.get_fignums()  # earlier tests may leave figures open
    try:
        summary = reproduce(tmp_path, progress=False, settings=tiny)
        assert plt.get_backend() == "svg" and plt.get_fignums() == open_before  # none of its figures left open
    finally:
        plt.switch_backend("agg")
    figures = sorted(path.stem for path in tmp_path.glob("fig*.png"))
    # figs. 2-16, and fig. 16 a second time, converged
    assert len(figures) == 16 and {int(name[3:].split("_")[0]) for name in figures} == set(range(2, 17))
    assert "fig16_fine_scan_with_interaction_converged" in figures
    assert len(list(tmp_path.glob("fig*.pdf"))) == 16
    text = summary.read_text()
    assert "rate" in text and "Floquet band" in text
    assert all(f"({name}.png)" in text for name in figures)
    assert np.isclose(float(text.split("convergence rate ")[2].split()[0]), 4.0, atol=0.02)  # RK4, fig. 13
    # Every sweep is checkpointed; a second run reads them back and writes the same tables.
    assert len(list((tmp_path / "checkpoints").glob("*.db"))) == 1 + 3 * tiny.seeds  # coarse; fine: 2 + converged
    resonances = (tmp_path / "resonances.txt").read_text()
    reproduce(tmp_path, progress=False, settings=tiny)
    assert (tmp_path / "resonances.txt").read_text() == resonances


# Each example prints its numbers beside theory; the pattern picks them out and the bound is what its page quotes.
EXAMPLES = [
    ("single_particle.py", r"rk4: largest relative error over 50 µs = (\S+)", lambda x: x < 1e-6),
    ("two_particles.py", r"moves the final positions by (\S+) µm and (\S+) µm", lambda x: x > 1),
    ("real_trap.py", r"^\s+[\d.]+\s+\S+\s+\S+\s+(\S+)\s+\S+\s+\S+\s+(\S+)$", lambda x: abs(x - 1) < 1e-3),
    ("tof_icr.py", r"FWHM of the simulated line: .*; ratio (\S+)", lambda x: abs(x - 1) < 0.01),
    ("buffer_gas_centering.py", r"theory γ/2 = \S+ /µs; ratio (\S+)", lambda x: abs(x - 1) < 0.01),
    ("dipole_excitation.py", r"ratio (\S+)$", lambda x: abs(x - 1) < 2e-3),
    ("electron_g2.py", r"^ratio (\S+)", lambda x: abs(x - 1) < 1e-4),
    ("long_run.py", r"(left the trap)", None),
    ("antiproton.py", r"splitting\s+\d+ steps: largest deviation from the closed form (\S+) µm", lambda x: x < 1e-9),
    ("frequencies.py", r"^ν\S*\s+.*\s(\S+)$", lambda x: abs(x) < 1e-4),
]


@pytest.mark.parametrize("script, pattern, bound", EXAMPLES)
def test_examples_run_as_they_stand(script, pattern, bound, tmp_path, examples_dir):
    import re
    import subprocess
    import sys

    target = tmp_path / ("figures" if script == "two_particles.py" else "figure.png")
    completed = subprocess.run(
        [sys.executable, str(examples_dir / script), str(target)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    found = [group for match in re.findall(pattern, completed.stdout, re.MULTILINE) for group in np.atleast_1d(match)]
    assert found, f"{script} printed no line matching {pattern!r}:\n{completed.stdout}"
    if bound is not None:
        assert all(bound(float(value)) for value in found), (script, found)
    assert target.exists()


def test_sweep_takes_the_trap_and_species_from_a_configuration(tmp_path, examples_dir, capsys):
    config = examples_dir / "real_trap.toml"
    arguments = ["sweep", "--config", str(config), "--species", "9Be+", "--ions", "8", "--quiet"]
    grid = ["--amplitudes", "0.3", "--omega-min", "0.5", "--omega-max", "1.5", "--omega-step", "0.5"]
    timing = ["--t-end", "50", "--n-steps", "1000", "--output", str(tmp_path / "scan.csv")]
    assert cli.main(arguments + grid + timing) == 0
    rows = (tmp_path / "scan.csv").read_text().splitlines()
    trap = trapode.load_config(config).trap
    ions = trapode.random_particles(8, trap, seed=2022, species="9Be+")
    expected = trapode.sweep(trap, ions, [0.3], [0.5, 1.0, 1.5], t_end=50.0, n_steps=1000, progress=False)
    assert rows[0] == "omega_rad_per_us,fraction_f=0.3"
    assert [float(row.split(",")[1]) for row in rows[1:]] == pytest.approx(expected.fraction_trapped[0], abs=1e-4)


def test_convergence_takes_a_real_trap_from_a_configuration(examples_dir, capsys):
    config = str(examples_dir / "real_trap.toml")
    arguments = ["convergence", "--config", config, "--reference", "dop853", "--methods", "rk4"]
    assert cli.main([*arguments, "--t-end", "20", "--n-steps", "1000", "2000", "4000"]) == 0
    rates = next(line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("rate")).split()
    assert abs(float(rates[1]) - 4.0) < 0.1


def test_convergence_of_a_real_trap_against_a_closed_form_is_refused(examples_dir, capsys):
    assert cli.main(["convergence", "--config", str(examples_dir / "real_trap.toml")]) == 2
    assert "no closed form" in (error := capsys.readouterr().err) and "--reference dop853" in error


def test_analyse_prints_modes_energies_and_frequencies_next_to_theory(tmp_path, capsys):
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0, C4=1e-3)
    config = trapode.SimulationConfig(
        trap=trap, particles=[trapode.report_particle_1()], t_end=400.0, n_steps=8000, method="splitting4",
        interactions=False,
    )  # fmt: skip
    path = tmp_path / "run.npz"
    trapode.simulate(config, progress=False).save(path)
    assert cli.main(["analyse", str(path)]) == 0
    out = capsys.readouterr().out
    rows = {
        line.split()[0] + line.split()[1]: line.split() for line in out.splitlines() if line.startswith(("cy", "ax"))
    }
    assert "magnetron −" in out and "total energy" in out and "relative change" in out
    measured, shifted = float(rows["axialz"][2]), float(rows["axialz"][6])
    assert measured == pytest.approx(shifted, rel=1e-8)  # C4's first-order shift, measured
    assert measured != pytest.approx(trap.frequencies(trapode.report_particle_1()).nu_z, rel=1e-6)


def test_analyse_of_a_short_run_says_how_long_it_must_be_and_refuses_a_bad_particle(saved_run, capsys):
    assert cli.main(["analyse", str(saved_run)]) == 0
    assert "not measured" in capsys.readouterr().out
    assert cli.main(["analyse", str(saved_run), "--particle", "7"]) == 2
    assert "--particle must be an index 0..1 or 'com', got 7" in capsys.readouterr().err


def test_sweep_takes_a_method_and_tolerances(tmp_path, capsys):
    output = tmp_path / "scan.csv"
    grid = ["--amplitudes", "0.4", "--omega-min", "2.17", "--omega-max", "2.2", "--omega-step", "0.03"]
    run = ["--ions", "5", "--t-end", "40", "--n-steps", "40", "--interactions", "--quiet", "--output", str(output)]
    method = ["--method", "adaptive", "--rtol", "1e-8", "--atol", "1e-8"]
    assert cli.main(["sweep", *grid, *run, *method]) == 0
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    ions = trapode.random_particles(5, trapode.PenningTrap(), seed=2022)
    ions = [trapode.Particle(q=1.0, m=40.077, r=ion.r, v=ion.v) for ion in ions]
    expected = trapode.sweep(
        trap, ions, [0.4], [2.17, 2.2], t_end=40.0, n_steps=40, interactions=True, progress=False,
        method="adaptive", rtol=1e-8, atol=1e-8,
    )  # fmt: skip
    fractions = [float(line.split(",")[1]) for line in output.read_text().splitlines()[1:]]
    assert fractions == pytest.approx(expected.fraction_trapped[0])
    assert cli.main(["sweep", *grid, *run, "--method", "boris", "--find-resonances"]) == 2
    assert "--find-resonances runs the report's RK4" in capsys.readouterr().err
