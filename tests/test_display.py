"""What users see of trapode's objects: short summaries in a terminal, tables in a notebook, quiet progress.

Issue 13, part 2: a result displays as a few lines, not a dump of its arrays; a notebook shows an
HTML table with every text escaped; progress bars in a notebook without ipywidgets stay quiet instead
of warning.
"""

from __future__ import annotations

import io
import sys
import warnings

import pytest

import trapode
from trapode import monitor
from trapode._display import html_table, text_table

TRAP = trapode.PenningTrap(C4=1e-3)
PARTICLES = [trapode.report_particle_1(), trapode.report_particle_2()]


def _short(obj, *facts):
    text, table = repr(obj), obj._repr_html_()
    assert text.startswith(type(obj).__name__ + "\n") and len(text) < 1000 and "array(" not in text
    assert table.startswith("<table>") and len(table) < 4000
    for fact in facts:
        assert fact in text and fact in table
    return text


def test_a_result_shows_its_trap_method_particles_and_states_not_its_arrays():
    config = trapode.SimulationConfig(trap=TRAP, particles=PARTICLES, t_end=5.0, n_steps=100)
    result = trapode.simulate(config, progress=False)
    _short(result, "C4 = 0.001", "rk4, 100 steps of 0.05 µs to 5 µs", "2 in the trap at the end", "101: 0 … 5 µs")


def test_a_streamed_result_shows_its_file_and_whether_it_finished(tmp_path):
    config = trapode.SimulationConfig(trap=TRAP, particles=PARTICLES, t_end=1.0, n_steps=10, method="boris",
                                      output=str(tmp_path / "run.h5"))  # fmt: skip
    with trapode.simulate(config, progress=False) as streamed:
        _short(streamed, "run.h5", "complete")
        assert "yes" in repr(streamed)


def test_a_sweep_a_scan_and_a_convergence_study_show_their_grids_and_outcome():
    ions = trapode.random_particles(3, TRAP, seed=1)
    sweep = trapode.sweep(TRAP, ions, [0.1], [1.0, 1.5], t_end=5.0, n_steps=100, progress=False)
    _short(sweep, "2: 1 … 1.5 rad/µs", "2 of 2 completed", "fraction trapped")
    config = trapode.SimulationConfig(trap=TRAP, particles=PARTICLES[:1], t_end=2.0, n_steps=50, interactions=False)
    scan = trapode.scan(config, {"trap.C4": [0.0, 1e-3, 2e-3]}, progress=False)
    _short(scan, "3: 0 … 0.002", "3 of 3 completed", "1 in each run")
    study = trapode.convergence_study(config, ["euler", "rk4"], [100, 200], reference="dop853")
    text = _short(study, "dop853", "100, 200 to 2 µs", "rk4 ")
    order = float(text.split("rk4 ")[-1].split()[0])
    assert order == pytest.approx(4.0, abs=0.3)  # the rate shown is the study's
    assert str(study) == study.table()  # print() still gives the whole table


def test_a_trap_shows_a_table_in_a_notebook_and_keeps_its_constructor_repr():
    trap = trapode.PenningTrap(B2=3e4, drive=trapode.Drive(0.1, 1.2))
    assert repr(trap).startswith("PenningTrap(B0=1.0")
    table = trap._repr_html_()
    for fact in ("B2", "30000 T/m²", "drive ωV", "1.2 rad/µs", "CODATA"):
        assert fact in table
    assert trap.summary().startswith("B0 = 1 T, V0 = 0.025 V, d = 500 µm, B2 = 30000 T/m², drive f = 0.1")


def test_tables_escape_what_they_show():
    rows = [("file", "<script>alert(1)</script> & more")]
    table = html_table("A & B", rows)
    assert "<script>" not in table and "&lt;script&gt;" in table and "A &amp; B" in table
    assert text_table("A", rows) == "A\n  file  <script>alert(1)</script> & more"


def test_progress_in_a_notebook_without_ipywidgets_is_quiet_not_a_warning(monkeypatch):
    monkeypatch.setattr(monitor, "_in_notebook", lambda: True)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a kernel's stderr is not a terminal
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bar = monitor.progress_bar(range(3), progress=True, desc="test")
        assert list(bar) == [0, 1, 2] and bar.disable  # a notebook's stderr is not a terminal
    assert monitor.progress_bar(range(3), progress=False).disable
    monkeypatch.undo()
    assert not monitor._in_notebook()  # pytest is not a Jupyter kernel
