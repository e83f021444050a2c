"""Speed of trapode's compiled kernels, next to plain NumPy and the report's C++ code.

    python benchmarks/run.py [--repeat N] [--skip-startup] [--skip-sweeps]

Every figure is the best of several runs of ``trapode.simulate`` after a
warm-up run (so compilation is excluded), measured in this process next to
the plain NumPy implementation in ``benchmarks/numpy_reference.py``. The C++
figures are those measured on this kind of machine for the report's
C++/Armadillo code (``shared/PERFORMANCE.md``): 0.33 µs per ion per RK4 step
without interaction and 2.3 ms per RK4 step for 100 interacting ions.

The start-up figures run fresh Python processes: one with an empty numba
cache (a fresh install: everything compiles), then one that finds the cache.

The sweep figures are the workloads of the resonance experiments: the full
coarse sweep without interaction, the fine scan with interaction, and one RK4
step of 10 000 interacting ions (time and peak memory, in a fresh process).
NumPy is timed on a part of each and scaled.
"""

import argparse
import dataclasses
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

import trapode

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import numpy_reference

CPP_SECONDS_PER_ION_STEP = 0.33e-6
CPP_SECONDS_PER_STEP_100_INTERACTING = 2.3e-3


def best_time(function, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def workloads():
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    ions = trapode.random_particles(100, trap, seed=2022)
    one = trapode.SimulationConfig(trap=trap, particles=[trapode.report_particle_1()], t_end=50.0, n_steps=32000)
    coulomb = trapode.SimulationConfig(trap=trap, particles=ions, t_end=500.0, n_steps=5000, interactions=True)
    free = dataclasses.replace(coulomb, interactions=False)
    # (label, config, limit in s from the issue, C++ estimate in s, NumPy steps to time)
    return [
        ("1 particle, 32000 RK4 steps", one, 0.010, CPP_SECONDS_PER_ION_STEP * 32000, 32000),
        ("100 ions, Coulomb, 5000 RK4 steps", coulomb, 0.5, CPP_SECONDS_PER_STEP_100_INTERACTING * 5000, 250),
        ("100 ions, no interaction, 5000 RK4 steps", free, 0.030, CPP_SECONDS_PER_ION_STEP * 100 * 5000, 5000),
    ]


def run_speed(repeat):
    print(f"{'workload':<42} {'trapode':>10} {'limit':>8} {'NumPy':>10} {'×NumPy':>8} {'C++':>9} {'×C++':>7} "
          f"{'ns/ion-step':>12} {'ns/pair':>8}")
    for label, config, limit, cpp, numpy_steps in workloads():
        trapode.simulate(config)  # compile / warm up
        seconds = best_time(lambda: trapode.simulate(config), repeat)
        numpy_seconds = best_time(lambda: numpy_reference.rk4(config, numpy_steps), 1) * config.n_steps / numpy_steps
        n = config.n_particles
        ion_steps = n * config.n_steps
        pairs = 4 * config.n_steps * n * (n - 1) if config.interactions and n > 1 else 0
        per_pair = f"{seconds / pairs * 1e9:8.2f}" if pairs else f"{'—':>8}"
        verdict = "ok" if seconds <= limit else "SLOW"
        print(f"{label:<42} {seconds * 1e3:8.2f}ms {limit * 1e3:6.0f}ms {numpy_seconds:9.2f}s "
              f"{numpy_seconds / seconds:7.0f}× {cpp:8.3f}s {cpp / seconds:6.1f}× "
              f"{seconds / ion_steps * 1e9:12.2f} {per_pair}  {verdict}")
    print("NumPy times of the Coulomb run are measured over 250 steps and scaled to 5000.")
    print("ns/pair counts every ordered pair (i, j ≠ i) of each of the four RK4 stages.")


STARTUP_CODE = """
import time
start = time.perf_counter()
import trapode
config = trapode.SimulationConfig(trap=trapode.PenningTrap(), particles=[trapode.report_particle_1(),
    trapode.report_particle_2()], t_end=50.0, n_steps=4000)
trapode.simulate(config)
print(time.perf_counter() - start)
"""


def run_startup():
    with tempfile.TemporaryDirectory() as cache:
        environment = dict(os.environ, NUMBA_CACHE_DIR=cache)
        timings = []
        for _ in range(2):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", STARTUP_CODE], env=environment, check=True, capture_output=True)
            timings.append(time.perf_counter() - start)
    cold, warm = timings
    print(f"{'first simulate() of a fresh install (compiles)':<48} {cold:6.2f} s   limit 20 s  "
          f"{'ok' if cold <= 20 else 'SLOW'}")
    print(f"{'a later process: start, import, run':<48} {warm:6.2f} s   limit  2 s  "
          f"{'ok' if warm <= 2 else 'SLOW'}")


def run_sweeps(repeat):
    trap = trapode.PenningTrap(B0=1.0, V0=0.025, d=500.0)
    ions = trapode.random_particles(100, trap, seed=2022)
    full = dict(amplitudes=[0.1, 0.4, 0.7], omegas=np.arange(0.2, 2.5 + 1e-9, 0.02), interactions=False)
    fine = dict(amplitudes=[0.1, 0.4, 0.7], omegas=np.linspace(2.05, 2.35, 31), interactions=True)
    print(f"{'sweep':<52} {'trapode':>9} {'limit':>7} {'NumPy':>9} {'×NumPy':>7} {'ns/ion-step':>12} {'ns/pair':>8}")
    for label, grid, limit, numpy_steps in (
        ("full sweep, 3 × 116 drives, 100 ions, no interaction", full, 1.0, 5000),
        ("fine scan, 3 × 31 drives, 100 ions, Coulomb", fine, 15.0, 100),
    ):
        arguments = dict(t_end=500.0, n_steps=5000, progress=False, **grid)
        trapode.sweep(trap, ions, amplitudes=[0.1], omegas=[1.0], t_end=5.0, n_steps=10,
                      interactions=grid["interactions"], progress=False)  # compile
        seconds = best_time(lambda: trapode.sweep(trap, ions, **arguments), repeat if limit < 5 else 1)
        runs = len(grid["amplitudes"]) * len(grid["omegas"])
        config = trapode.SimulationConfig(trap=dataclasses.replace(trap, drive=trapode.Drive(0.1, 1.0)),
                                          particles=ions, t_end=500.0, n_steps=5000,
                                          interactions=grid["interactions"])
        numpy_seconds = best_time(lambda: numpy_reference.rk4(config, numpy_steps), 1) * 5000 / numpy_steps * runs
        ion_steps = runs * 100 * 5000
        pairs = runs * 5000 * 4 * 100 * 99 if grid["interactions"] else 0
        per_pair = f"{seconds / pairs * 1e9:8.2f}" if pairs else f"{'—':>8}"
        print(f"{label:<52} {seconds:8.2f}s {limit:6.0f}s {numpy_seconds:8.0f}s {numpy_seconds / seconds:6.0f}× "
              f"{seconds / ion_steps * 1e9:12.2f} {per_pair}  {'ok' if seconds <= limit else 'SLOW'}")
    print("NumPy: one run at a time, timed over part of a run and scaled to the sweep. ns/ion-step and ns/pair")
    print("are wall time per ion per RK4 step and per ordered pair per stage, all cores together.")
    output = subprocess.run([sys.executable, "-c", LARGE_N_CODE], check=True, capture_output=True, text=True)
    step_seconds, peak_mib, state_mib = (float(x) for x in output.stdout.split())
    pair_ns = step_seconds / (4 * 10000 * 9999) * 1e9
    print(f"{'one RK4 step, 10 000 ions, Coulomb':<52} {step_seconds:8.3f}s {0.25:6.2f}s {'—':>9} {'—':>7} "
          f"{'':>12} {pair_ns:8.3f}  {'ok' if step_seconds <= 0.25 else 'SLOW'}")
    print(f"  peak memory during the run: {peak_mib:.0f} MiB above the loaded process "
          f"(its state and output: {state_mib:.1f} MiB; an N × N array of doubles would be {10000**2 * 8 / 2**20:.0f} "
          "MiB). NumPy's (N, N, 3) version needs about 6 GB and is not run.")


LARGE_N_CODE = """
import time, trapode
trap = trapode.PenningTrap()
ions = trapode.random_particles(10000, trap, seed=1)
config = trapode.SimulationConfig(trap=trap, particles=ions, t_end=0.1, n_steps=1, interactions=True)
trapode.simulate(config)  # compile
def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # reset the peak
before = peak_kib()
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    trapode.simulate(config)
    best = min(best, time.perf_counter() - start)
state_mib = 10000 * 3 * 8 * (2 * 2 + 7) / 2**20
print(best, (peak_kib() - before) / 1024, state_mib)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure; the best is kept (default 7)")
    parser.add_argument("--skip-startup", action="store_true", help="skip the fresh-process start-up figures")
    parser.add_argument("--skip-sweeps", action="store_true", help="skip the resonance-sweep workloads")
    arguments = parser.parse_args()
    print(f"trapode {trapode.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs\n")
    run_speed(arguments.repeat)
    if not arguments.skip_sweeps:
        print()
        run_sweeps(arguments.repeat)
    if not arguments.skip_startup:
        print()
        run_startup()


if __name__ == "__main__":
    main()
