"""The ``trapode`` command line.

``trapode sweep`` runs a resonance sweep (see :func:`trapode.sweep`), with
flags mirroring the function's arguments. User mistakes print one line on
stderr and exit with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

__all__ = ["main"]


def _sweep_parser(subparsers):
    parser = subparsers.add_parser(
        "sweep",
        help="fraction of random ions left after a driven run, against the drive frequency",
        description="Run random Ca+ ions in a trap driven as V0 (1 + f cos(ωV t)) for each amplitude f and angular "
                    "frequency ωV, and print the fraction of ions left in the trap (report fig. 14).",
    )
    grid = parser.add_argument_group("drive grid")
    grid.add_argument("--amplitudes", type=float, nargs="+", default=[0.1, 0.4, 0.7], metavar="F",
                      help="drive amplitudes f (default: 0.1 0.4 0.7)")
    grid.add_argument("--omega-min", type=float, default=0.2, help="first ωV in rad/µs (default: 0.2)")
    grid.add_argument("--omega-max", type=float, default=2.5, help="last ωV in rad/µs (default: 2.5)")
    grid.add_argument("--omega-step", type=float, default=0.02, help="ωV step in rad/µs (default: 0.02)")
    ions = parser.add_argument_group("ions and trap")
    ions.add_argument("--ions", type=int, default=100, help="number of random Ca+ ions (default: 100)")
    ions.add_argument("--seed", type=int, default=2022, help="seed of the random ions (default: 2022)")
    ions.add_argument("--B0", type=float, default=1.0, help="magnetic field in tesla (default: 1.0)")
    ions.add_argument("--V0", type=float, default=0.025, help="trap voltage in volt (default: 0.025)")
    ions.add_argument("--d", type=float, default=500.0, help="trap size d in µm (default: 500)")
    run = parser.add_argument_group("each run")
    run.add_argument("--t-end", type=float, default=500.0, help="duration in µs (default: 500)")
    run.add_argument("--n-steps", type=int, default=5000, help="RK4 steps (default: 5000)")
    run.add_argument("--interactions", action="store_true", help="include the Coulomb interaction between ions")
    execution = parser.add_argument_group("execution")
    execution.add_argument("--checkpoint", metavar="FILE",
                           help="SQLite file keeping finished runs; rerunning the same command resumes")
    execution.add_argument("--scheduler", metavar="ADDRESS",
                           help="run on a Dask cluster, e.g. tcp://127.0.0.1:8786 (needs trapode[dask])")
    execution.add_argument("--batch-size", type=int, default=None, help="runs per batch (default: numba's threads)")
    execution.add_argument("--quiet", action="store_true", help="no progress bar")
    output = parser.add_argument_group("output")
    output.add_argument("--output", metavar="FILE.csv", help="write ωV and the fraction for each amplitude as CSV")
    output.add_argument("--plot", metavar="FILE", help="save the figure (PNG, PDF, SVG, ... by the suffix)")
    output.add_argument("--find-resonances", action="store_true",
                        help="find the dips, refine their edges and name them after the trap's frequencies")
    output.add_argument("--threshold", type=float, default=0.5, help="a dip is below this fraction (default: 0.5)")
    output.add_argument("--tolerance", type=float, default=0.005,
                        help="refine dip edges to this width in rad/µs (default: 0.005)")
    parser.set_defaults(handler=_run_sweep)


def _dask_client(address):
    try:
        from distributed import Client
    except ImportError:
        raise SystemExit("trapode: --scheduler needs dask.distributed: pip install 'trapode[dask]'") from None
    return Client(address)


def _run_sweep(arguments):
    import trapode

    trap = trapode.PenningTrap(B0=arguments.B0, V0=arguments.V0, d=arguments.d)
    ions = trapode.random_particles(arguments.ions, trap, seed=arguments.seed)
    if not arguments.omega_step > 0:
        raise trapode.ConfigError(f"--omega-step must be > 0, got {arguments.omega_step!r}.")
    omegas = np.arange(arguments.omega_min, arguments.omega_max + 0.5 * arguments.omega_step, arguments.omega_step)
    client = _dask_client(arguments.scheduler) if arguments.scheduler else None
    options = dict(t_end=arguments.t_end, n_steps=arguments.n_steps, interactions=arguments.interactions,
                   checkpoint=arguments.checkpoint, executor=client, progress=not arguments.quiet)
    try:
        if arguments.find_resonances:
            scan = trapode.find_resonances(trap, ions, arguments.amplitudes, omegas, threshold=arguments.threshold,
                                           tolerance=arguments.tolerance, **options)
            result = scan.coarse
        else:
            scan = None
            result = trapode.sweep(trap, ions, arguments.amplitudes, omegas, batch_size=arguments.batch_size,
                                   **options)
    finally:
        if client is not None:
            client.close()
    header = "omega_rad_per_us," + ",".join(f"fraction_f={a:g}" for a in result.amplitudes)
    rows = [f"{w:.6g}," + ",".join(f"{x:.4f}" for x in result.fraction_trapped[:, k])
            for k, w in enumerate(result.omegas)]
    if arguments.output:
        with open(arguments.output, "w", encoding="utf-8") as file:
            file.write("\n".join([header, *rows]) + "\n")
    else:
        print("\n".join([header, *rows]))
    if scan is not None:
        print()
        print(scan.table())
    if arguments.plot:
        import matplotlib

        matplotlib.use("Agg")
        ax = result.plot(resonances=scan.resonances if scan is not None else None)
        ax.figure.savefig(arguments.plot, dpi=150)
    return 0


def main(argv=None):
    """Entry point of the ``trapode`` command."""
    parser = argparse.ArgumentParser(prog="trapode", description="Charged particles in a Penning trap.")
    subparsers = parser.add_subparsers(title="commands", required=True)
    _sweep_parser(subparsers)
    arguments = parser.parse_args(argv)
    from trapode.errors import ConfigError

    try:
        return arguments.handler(arguments)
    except (ConfigError, OSError) as error:
        print(f"trapode: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
