"""The ``trapode`` command line.

=======================  =====================================================
``trapode reproduce``    every figure and table of the report, with a summary
``trapode run``          one simulation from a TOML configuration, saved
``trapode plot``         a figure of a saved simulation
``trapode convergence``  the error and convergence table
``trapode sweep``        a resonance sweep (flags mirror :func:`trapode.sweep`)
``trapode info``         a trap's frequencies, confinement and equations
``trapode analyse``      a saved simulation's modes, energies and frequencies
=======================  =====================================================

User mistakes print one line on stderr and exit with status 2, without a
traceback; a run that fails prints one line and exits with status 1 (writing
what it computed where its output was asked for); Ctrl-C stops within a
second, keeping what is done, and exits with status 130. Output places are
checked before the work. Text the terminal cannot show (Greek letters on a
cp1252 console) is written as escapes, and a closed pipe (``trapode info |
head``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import sys
import threading

import numpy as np

from ._files import atomic_write, check_figure_path, check_writable, save_figure
from ._validate import real

__all__ = ["main"]


def _sweep_parser(subparsers):
    parser = subparsers.add_parser(
        "sweep",
        help="fraction of random ions left after a driven run, against the drive frequency",
        description="Run random Ca+ ions in a trap driven as V0 (1 + f cos(ωV t)) for each amplitude f and angular "
        "frequency ωV, and print the fraction of ions left in the trap (report fig. 14).",
    )
    grid = parser.add_argument_group("drive grid")
    grid.add_argument(
        "--amplitudes",
        type=float,
        nargs="+",
        default=[0.1, 0.4, 0.7],
        metavar="F",
        help="drive amplitudes f (default: 0.1 0.4 0.7)",
    )
    grid.add_argument("--omega-min", type=float, default=0.2, help="first ωV in rad/µs (default: 0.2)")
    grid.add_argument("--omega-max", type=float, default=2.5, help="last ωV in rad/µs (default: 2.5)")
    grid.add_argument("--omega-step", type=float, default=0.02, help="ωV step in rad/µs (default: 0.02)")
    ions = parser.add_argument_group("ions and trap")
    ions.add_argument("--ions", type=int, default=100, help="number of random ions (default: 100)")
    ions.add_argument("--seed", type=int, default=2022, help="seed of the random ions (default: 2022)")
    ions.add_argument(
        "--species", help="species of the ions, e.g. 40Ca+ or 9Be+ (default: the report's Ca+, q = 1 e, m = 40.077 u)"
    )
    ions.add_argument(
        "--config",
        metavar="FILE.toml",
        help="take the trap (any terms: multipoles, bottle, tilt, user fields, constants) from this configuration; "
        "--B0, --V0 and --d are then not used",
    )
    ions.add_argument("--B0", type=float, default=1.0, help="magnetic field in tesla (default: 1.0)")
    ions.add_argument("--V0", type=float, default=0.025, help="trap voltage in volt (default: 0.025)")
    ions.add_argument("--d", type=float, default=500.0, help="trap size d in µm (default: 500)")
    run = parser.add_argument_group("each run")
    run.add_argument("--t-end", type=float, default=500.0, help="duration in µs (default: 500)")
    run.add_argument(
        "--n-steps", type=int, default=5000, help="steps (for --method adaptive: output intervals) (default: 5000)"
    )
    run.add_argument("--interactions", action="store_true", help="include the Coulomb interaction between ions")
    run.add_argument(
        "--method",
        default="rk4",
        help="integration method, e.g. boris, splitting or adaptive (default: rk4, the report's)",
    )
    run.add_argument("--rtol", type=float, default=None, help="relative tolerance of --method adaptive")
    run.add_argument("--atol", type=float, default=None, help="absolute tolerance of --method adaptive (µm, µm/µs)")
    execution = parser.add_argument_group("execution")
    execution.add_argument(
        "--checkpoint", metavar="FILE", help="SQLite file keeping finished runs; rerunning the same command resumes"
    )
    execution.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://127.0.0.1:8786 (needs trapode[dask])"
    )
    execution.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds to wait for the scheduler to answer and for a worker (default: 30)",
    )
    execution.add_argument("--batch-size", type=int, default=None, help="runs per batch (default: numba's threads)")
    execution.add_argument("--quiet", action="store_true", help="no progress bar")
    output = parser.add_argument_group("output")
    output.add_argument("--output", metavar="FILE.csv", help="write ωV and the fraction for each amplitude as CSV")
    output.add_argument("--plot", metavar="FILE", help="save the figure (PNG, PDF, SVG, ... by the suffix)")
    output.add_argument(
        "--find-resonances",
        action="store_true",
        help="find the dips, refine their edges and name them after the trap's frequencies",
    )
    output.add_argument("--threshold", type=float, default=0.5, help="a dip is below this fraction (default: 0.5)")
    output.add_argument(
        "--tolerance", type=float, default=0.005, help="refine dip edges to this width in rad/µs (default: 0.005)"
    )
    parser.set_defaults(handler=_run_sweep)


def _dask_client(address, timeout):
    import trapode

    try:
        from distributed import Client
    except ImportError:
        raise trapode.ConfigError("--scheduler needs dask.distributed: pip install 'trapode[dask]'") from None
    # Client's own timeout does not cover every way a connection can stall (a server that is not a
    # scheduler, such as the dashboard's HTTP port, keeps it waiting for ever): connect in a thread
    # and stop waiting at the deadline.
    outcome: dict = {}

    def connect():
        try:
            outcome["client"] = Client(address, timeout=timeout)
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=connect, name="trapode-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if "client" in outcome:
        return outcome["client"]
    error = outcome.get("error")
    why = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else 'no reply'}" if error else "no reply"
    raise trapode.ConfigError(
        f"--scheduler {address}: no Dask scheduler answered within {timeout:g} s ({why}). Check the address "
        "(tcp://HOST:8786, not the dashboard's port) or raise --timeout."
    )


def _omega_grid(arguments):
    """The ωV grid of --omega-min/max/step, checked before it is built."""
    import trapode

    low = real("--omega-min", arguments.omega_min, "> 0 and finite, in rad/µs", minimum=0.0, strict=True)
    high = real("--omega-max", arguments.omega_max, "finite, in rad/µs")
    step = real("--omega-step", arguments.omega_step, "> 0 and finite, in rad/µs", minimum=0.0, strict=True)
    if low > high:
        raise trapode.ConfigError(f"--omega-min must be ≤ --omega-max, got {low!r} and {high!r}.")
    points = (high - low) / step + 1
    if points > 1_000_000:
        raise trapode.ConfigError(
            f"--omega-min {low:g} to --omega-max {high:g} in steps of {step:g} is {points:.3g} drives; "
            "at most a million: take a larger --omega-step."
        )
    end = high + 0.5 * step
    if not np.isfinite(end):
        raise trapode.ConfigError(f"--omega-max {high:g} and --omega-step {step:g} are beyond floating point.")
    return np.arange(low, end, step)


def _run_sweep(arguments):
    import trapode

    if arguments.config:
        trap = trapode.load_config(arguments.config).trap
    else:
        trap = trapode.PenningTrap(B0=arguments.B0, V0=arguments.V0, d=arguments.d)
    kind = {"species": arguments.species} if arguments.species else {}
    ions = trapode.random_particles(arguments.ions, trap, seed=arguments.seed, **kind)
    omegas = _omega_grid(arguments)
    if arguments.output is not None:
        check_writable("--output", arguments.output)
    if arguments.plot is not None:
        check_figure_path("--plot", arguments.plot)
    if arguments.find_resonances and (arguments.method != "rk4" or arguments.rtol or arguments.atol):
        raise trapode.ConfigError(
            f"--find-resonances runs the report's RK4; drop --method {arguments.method} (and --rtol, --atol) or "
            "--find-resonances."
        )
    real("--timeout", arguments.timeout, "a positive number of seconds", minimum=0.0, strict=True)
    client = _dask_client(arguments.scheduler, arguments.timeout) if arguments.scheduler else None
    options = dict(
        t_end=arguments.t_end,
        n_steps=arguments.n_steps,
        interactions=arguments.interactions,
        checkpoint=arguments.checkpoint,
        executor=client,
        progress=not arguments.quiet,
        timeout=arguments.timeout,
    )
    try:
        if arguments.find_resonances:
            scan = trapode.find_resonances(
                trap,
                ions,
                arguments.amplitudes,
                omegas,
                threshold=arguments.threshold,
                tolerance=arguments.tolerance,
                **options,
            )
            result = scan.coarse
        else:
            scan = None
            result = trapode.sweep(
                trap,
                ions,
                arguments.amplitudes,
                omegas,
                batch_size=arguments.batch_size,
                method=arguments.method,
                rtol=arguments.rtol,
                atol=arguments.atol,
                **options,
            )
    finally:
        if client is not None:
            client.close()
    header = "omega_rad_per_us," + ",".join(f"fraction_f={a:g}" for a in result.amplitudes)
    rows = [
        f"{w:.6g}," + ",".join(f"{x:.4f}" for x in result.fraction_trapped[:, k]) for k, w in enumerate(result.omegas)
    ]
    if arguments.output is not None:
        with atomic_write(arguments.output) as file:
            file.write("\n".join([header, *rows]) + "\n")
    else:
        print("\n".join([header, *rows]))
    if scan is not None:
        if arguments.output is None:
            print()  # a blank line between the CSV and the table
        print(scan.table())
    if arguments.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        ax = result.plot(resonances=scan.resonances if scan is not None else None)
        save_figure(ax.figure, arguments.plot, dpi=150)
    return 0


def _reproduce_parser(subparsers):
    parser = subparsers.add_parser(
        "reproduce",
        help="regenerate every figure and table of the report",
        description="Regenerate the report's figures 2-16 (PNG and PDF), the convergence and resonance tables and a "
        "summary page OUT/README.md. Sweeps are checkpointed in OUT/checkpoints and reused.",
    )
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument(
        "--quick", action="store_true", help="20 ions and coarser grids: the same code paths in a fraction of the time"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--constants",
        choices=("codata", "report"),
        default="codata",
        help="unit factors: CODATA (default) or the report's rounded digits, for digit-for-digit comparison with it",
    )
    parser.set_defaults(handler=_run_reproduce)


def _run_reproduce(arguments):
    import matplotlib

    matplotlib.use("Agg")  # a command draws into files, never a window (a stale DISPLAY must not matter)
    from trapode.reproduce import reproduce

    summary = reproduce(
        arguments.out, quick=arguments.quick, progress=not arguments.quiet, constants=arguments.constants
    )
    print(f"wrote {summary}")
    return 0


def _run_parser(subparsers):
    parser = subparsers.add_parser(
        "run",
        help="run one simulation from a TOML configuration",
        description="Run the simulation described by a TOML file (see examples/two_particles.toml) and save it. "
        'A configuration with `output = "cloud.h5"` streams its states to that HDF5 file instead.',
    )
    parser.add_argument("config", help="TOML configuration file")
    parser.add_argument("-o", "--output", default="result.npz", help="result file (default: result.npz)")
    parser.add_argument("--threads", type=int, default=None, help="threads of the compiled kernels (default: all)")
    parser.set_defaults(handler=_run_run)
    resume = subparsers.add_parser(
        "resume",
        help="go on with a streamed run that was killed or interrupted",
        description="Go on with a run streamed to an HDF5 file (output = ...) from the last state it wrote.",
    )
    resume.add_argument("stream", help="the run's HDF5 file")
    resume.add_argument("--threads", type=int, default=None, help="threads of the compiled kernels (default: all)")
    resume.set_defaults(handler=_run_resume)


def _summary(config, trapped: int, saved) -> str:
    return (
        f"{config.method}, {config.n_particles} particle(s), {config.n_steps} steps over {config.t_end:g} µs: "
        f"{trapped} of {config.n_particles} still trapped; saved {saved}"
    )


def _run_run(arguments):
    import trapode

    config = trapode.load_config(arguments.config)
    if config.output is not None:  # streamed: the states go to that file, as they come
        with trapode.simulate(config, threads=arguments.threads) as streamed:
            print(_summary(config, int(streamed.trapped.sum()), streamed.path))
        return 0
    check_writable("--output", arguments.output)
    try:
        result = trapode.simulate(config, threads=arguments.threads)
    except (trapode.IntegrationError, trapode.Interrupted) as error:
        if isinstance(error.result, trapode.SimulationResult) and error.result.t.size:
            saved = error.result.save(arguments.output)
            error.args = (f"{error.args[0]} Saved the {error.result.t.size} state(s) computed to {saved}.",)
        raise
    assert isinstance(result, trapode.SimulationResult)
    saved = result.save(arguments.output)
    print(_summary(config, int(result.trapped.sum()), saved))
    return 0


def _run_resume(arguments):
    import trapode

    with trapode.resume(arguments.stream, threads=arguments.threads) as streamed:
        print(_summary(streamed.config, int(streamed.trapped.sum()), streamed.path))
    return 0


_PLOT_KINDS = ("xy", "z", "phase-x", "phase-z", "3d", "error")


def _plot_parser(subparsers):
    parser = subparsers.add_parser(
        "plot",
        help="draw a saved simulation",
        description="Draw a result saved by `trapode run` (or SimulationResult.save).",
    )
    parser.add_argument("result", help="result file (.npz)")
    parser.add_argument(
        "--kind",
        choices=_PLOT_KINDS,
        default="xy",
        help="xy path, z(t), phase space (x, v_x) or (z, v_z), 3-D path, or the relative error "
        "against the closed form (default: xy)",
    )
    parser.add_argument("-o", "--output", help="figure file, format by suffix (default: RESULT-KIND.png)")
    parser.set_defaults(handler=_run_plot)


def _run_plot(arguments):
    import pathlib

    import matplotlib

    matplotlib.use("Agg")
    import trapode
    from trapode import plotting

    output = (
        arguments.output
        if arguments.output is not None
        else str(pathlib.Path(arguments.result).with_suffix("")) + f"-{arguments.kind}.png"
    )
    check_figure_path("--output", output)
    result = trapode.load_result(arguments.result)
    draw = {
        "xy": plotting.plot_xy,
        "z": plotting.plot_axial_motion,
        "3d": plotting.plot_3d,
        "error": plotting.plot_error,
        "phase-x": lambda r: plotting.plot_phase(r, "x"),
        "phase-z": lambda r: plotting.plot_phase(r, "z"),
    }[arguments.kind]
    save_figure(draw(result).figure, output, dpi=150)
    print(f"saved {output}")
    return 0


def _analyse_parser(subparsers):
    parser = subparsers.add_parser(
        "analyse",
        help="print the modes, energies and measured frequencies of a saved simulation next to theory",
        description="Analyse a result saved by `trapode run` (or SimulationResult.save): each mode's radius and "
        "energy at the start and the end, the total energy, and the frequencies measured from the trajectory "
        "next to the trap's frequencies with the first-order shifts at the particle's radii.",
    )
    parser.add_argument("result", help="result file (.npz)")
    parser.add_argument(
        "--particle", default="0", help="index of the particle to analyse, or 'com' for the centre of mass (default 0)"
    )
    parser.set_defaults(handler=_run_analyse)


def _run_analyse(arguments):
    import trapode
    from trapode.errors import ConfigError

    result = trapode.load_result(arguments.result)
    config = result.config
    n = len(config.particles)
    if arguments.particle == "com":
        particle, index = "com", 0
    else:
        try:
            index = int(arguments.particle)
        except ValueError:
            raise ConfigError(f"--particle must be an index 0..{n - 1} or 'com', got {arguments.particle!r}.") from None
        if not 0 <= index < n:
            raise ConfigError(f"--particle must be an index 0..{n - 1} or 'com', got {index}.")
        particle = index
    trap = config.trap
    ion = config.particles[index]
    print(_trap_line(trap))
    print(
        f"run: {n} particle(s), method {config.method}, {config.t_end:g} µs in {config.n_steps} steps, "
        f"{result.t.size} states kept; analysing {'the centre of mass' if particle == 'com' else ion.label()}"
    )
    energy = result.energy()
    modes = None
    if particle != "com":  # the modes of one particle; the centre of mass has the frequencies only
        modes = trapode.mode_amplitudes(trap, result)
        print(f"{'mode':<12} {'ρ start (µm)':>14} {'ρ end (µm)':>12} {'E start (eV)':>14} {'E end (eV)':>12}")
        for name, key in (("cyclotron +", "plus"), ("magnetron −", "minus"), ("axial z", "z")):
            rho, mode_energy = getattr(modes, f"rho_{key}")[:, index], getattr(modes, f"energy_{key}")[:, index]
            print(f"{name:<12} {rho[0]:>14.6g} {rho[-1]:>12.6g} {mode_energy[0]:>14.6g} {mode_energy[-1]:>12.6g}")
    print(
        f"total energy: {energy.total[0]:.9g} eV at the start, {energy.total[-1]:.9g} eV at the end "
        f"(relative change {energy.relative_change[-1]:.2g})"
    )
    try:
        measured = trapode.measure_frequencies(result, particle=particle)
    except ConfigError as why:
        print(f"frequencies: not measured: {why}")
        return 0
    linear = trap.frequencies(ion)
    theory = None
    if modes is not None:
        radii = {f"rho_{key}": getattr(modes, f"rho_{key}")[0, index] for key in ("plus", "minus", "z")}
        try:
            theory = trapode.frequency_shifts(trap, ion, **radii)
        except ConfigError as why:
            print(f"first-order shifts: not computed: {why}")
    shifted_header = "+ first-order shifts (Hz)" if theory is not None else ""
    print(f"{'mode':<12} {'measured (Hz)':>22} {'linear trap (Hz)':>18} {shifted_header:>26} {'σ off':>8}")
    for name, key in (("cyclotron +", "plus"), ("axial z", "z"), ("magnetron −", "minus")):
        nu, sigma = getattr(measured, f"nu_{key}"), getattr(measured, f"sigma_nu_{key}")
        expected = getattr(theory if theory is not None else linear, f"nu_{key}")
        off = f"{(nu - expected) / sigma:>8.2g}" if sigma > 0 else f"{'—':>8}"  # NaN σ: a mode not excited
        shifted = f"{expected:>26.10g}" if theory is not None else f"{'':>26}"
        print(f"{name:<12} {nu:>14.10g} ± {sigma:<6.2g} {getattr(linear, f'nu_{key}'):>18.10g} {shifted} {off}")
    return 0


def _convergence_parser(subparsers):
    parser = subparsers.add_parser(
        "convergence",
        help="print the error and convergence table of the report",
        description="Particle 1 of the report for T µs with each step count: the largest error of forward Euler "
        "and RK4 against the closed form (or DOP853) and their convergence rates. With --config, the trap and the "
        "first particle of a configuration instead.",
    )
    parser.add_argument(
        "--config",
        metavar="FILE.toml",
        help="take the trap and the first particle from this configuration (a trap with multipoles or a bottle "
        "has no closed form: use --reference dop853)",
    )
    parser.add_argument(
        "--n-steps",
        type=int,
        nargs="+",
        default=[4000, 8000, 16000, 32000],
        help="step counts (default: 4000 8000 16000 32000)",
    )
    parser.add_argument("--t-end", type=float, default=50.0, help="duration in µs (default: 50)")
    parser.add_argument("--methods", nargs="+", default=["euler", "rk4"], help="methods (default: euler rk4)")
    parser.add_argument(
        "--reference",
        default="analytic",
        help="'analytic' (the closed form) or a method such as 'dop853' (default: analytic)",
    )
    parser.set_defaults(handler=_run_convergence)


def _run_convergence(arguments):
    import trapode

    if arguments.config:
        loaded = trapode.load_config(arguments.config)
        trap, particle = loaded.trap, loaded.particles[0]
    else:
        trap, particle = trapode.PenningTrap(), trapode.report_particle_1()
    config = trapode.SimulationConfig(
        trap=trap, particles=[particle], t_end=arguments.t_end, n_steps=1, rtol=1e-13, atol=1e-13
    )
    from trapode.integrators import get_method

    # Unknown names are reported before any work starts.
    for name in arguments.methods:
        get_method(name, "--methods")
    if arguments.reference != "analytic":
        get_method(arguments.reference, "--reference")
    else:
        try:
            trapode.analytic_solution(trap, particle, [0.0])
        except trapode.ConfigError as error:
            raise trapode.ConfigError(f"{error} Here: --reference dop853.") from None
    print(trapode.convergence_study(config, arguments.methods, arguments.n_steps, arguments.reference).table())
    return 0


def _info_parser(subparsers):
    parser = subparsers.add_parser(
        "info",
        help="a trap's fields, equations of motion and, per species, its frequencies",
        description="Print the trap's terms, its potential, electric and magnetic fields and the equations of motion "
        "as SymPy derives them, then, for each kind of particle of the configuration (default: the "
        "report's trap and Ca+), its frequencies and whether the trap confines it.",
    )
    parser.add_argument("config", nargs="?", help="TOML configuration file (default: the report's setup)")
    parser.set_defaults(handler=_run_info)


def _pretty(expression, indent="    "):
    import sympy

    return indent + sympy.pretty(expression, use_unicode=True, wrap_line=False).replace("\n", "\n" + indent)


def _trap_line(trap):
    return f"trap: {trap.summary()}"


def _frequency_lines(trap, particle, count):
    problems = trap.confinement_problems(particle)
    header = (
        f"{particle.species} (q = {particle.q:g} e, m = {particle.m:.9g} u)"
        if particle.species
        else f"q = {particle.q:g} e, m = {particle.m:.9g} u"
    ) + f", {count} particle(s):"
    if problems:
        return [header, "  NOT confined: " + "; ".join(problems)]
    f = trap.frequencies(particle)
    rows = [
        (name, getattr(f, f"omega_{key}"), getattr(f, f"nu_{key}"))
        for name, key in (("ωc", "c"), ("ω+", "plus"), ("ωz", "z"), ("ω−", "minus"))
    ]
    lines = [header] + [f"  {name} = {omega:.10g} rad/µs  (ν = {nu / 1e3:.9g} kHz)" for name, omega, nu in rows]
    lines.append(
        f"  ω+² + ωz² + ω−² − ωc² = {f.omega_plus**2 + f.omega_z**2 + f.omega_minus**2 - f.omega_c**2:.3g} "
        f"rad²/µs²; radial motions turn {f.rotation} seen from the tip of B; confined"
    )
    return lines


def _run_info(arguments):
    import sympy

    import trapode
    from trapode.physics.fields import trap_fields
    from trapode.physics.model import SymbolicModel

    if arguments.config:
        config = trapode.load_config(arguments.config)
    else:
        config = trapode.SimulationConfig(
            trap=trapode.PenningTrap(),
            particles=[trapode.report_particle_1(), trapode.report_particle_2()],
            t_end=50.0,
            n_steps=4000,
        )
    trap = config.trap
    print(_trap_line(trap))
    print("terms: " + ", ".join(term.label for term in trap.terms()))
    fields = trap_fields(trap)
    model = SymbolicModel(fields)
    print("\npotential Φ in V (x, y, z in µm, t in µs):")
    print(_pretty(sympy.Eq(sympy.Symbol("Φ"), fields.potential)))
    print("electric field E = −∇Φ in V/µm:")
    print(_pretty(model.electric_field().T))
    print("magnetic field B in T:")
    print(_pretty(fields.magnetic_field.T))
    interactions = config.interactions and config.n_particles > 1
    print(
        f"\nequations of motion of particle 1 inside the trap (|r| < d), "
        f"{'with the Coulomb force of the others' if interactions else 'without interaction'}; every particle "
        "obeys the same with its own q and m:"
    )
    for equation in trapode.equations_of_motion(trap, n_particles=2 if interactions else 1, interactions=interactions)[
        :3
    ]:
        print(_pretty(equation))
    kinds = {}
    for particle in config.particles:
        kinds.setdefault(particle.kind, [particle, 0])[1] += 1
    print()
    for particle, count in kinds.values():
        print("\n".join(_frequency_lines(trap, particle, count)))
    return 0


def _tolerant_streams():
    """Let stdout and stderr write what their encoding lacks as escapes (ω on a cp1252 console)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _quiet_closed_pipe():
    """After the reader of stdout went away, send the rest to /dev/null so that exit does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class _Parser(argparse.ArgumentParser):
    """argparse, with a mistake in one line (argparse prints the whole usage first) and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def main(argv=None):
    """Entry point of the ``trapode`` command."""
    _tolerant_streams()
    parser = _Parser(prog="trapode", description="Charged particles in a Penning trap.")
    from trapode import __version__

    parser.add_argument("--version", action="version", version=f"trapode {__version__}")
    subparsers = parser.add_subparsers(title="commands", required=True)
    _reproduce_parser(subparsers)
    _run_parser(subparsers)
    _plot_parser(subparsers)
    _convergence_parser(subparsers)
    _sweep_parser(subparsers)
    _info_parser(subparsers)
    _analyse_parser(subparsers)
    arguments = parser.parse_args(argv)
    from trapode.errors import ConfigError, IntegrationError, Interrupted
    from trapode.sweep import SweepError

    try:
        status = arguments.handler(arguments)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        _quiet_closed_pipe()
        return 0
    except ConfigError as error:
        print(f"trapode: {error}", file=sys.stderr)
        return 2
    except (IntegrationError, SweepError, TimeoutError) as error:
        print(f"trapode: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"trapode: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as error:
        kept = f" {error}" if isinstance(error, Interrupted) else ""
        print(f"trapode: interrupted.{kept}", file=sys.stderr)
        return 130


def run():
    """The ``trapode`` command as a process: :func:`main`, then an exit that skips the final collection.

    Python's exit runs the cyclic garbage collector over every object left (SymPy's expression
    trees, matplotlib's figures): half a second here, more on a loaded machine, which would spend
    Ctrl-C's one second. Files are closed by then; :func:`gc.freeze` leaves the rest to the OS.
    """
    status = main()
    import gc

    gc.freeze()
    return status


if __name__ == "__main__":
    sys.exit(run())
