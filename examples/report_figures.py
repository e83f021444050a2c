"""Every figure of the report, reproduced
=======================================

``trapode.reproduce.reproduce`` (the ``trapode reproduce`` command)
regenerates the figures (2–16) and tables of the student report *Numerical
simulation of a Penning trap* (Canclini & von der Lippe, 2022): one ion with
forward Euler and RK4 against the closed form, two ions without and with
their Coulomb interaction, the error and convergence analysis, and the
resonances of the driven trap. This example runs it with the quick settings
(20 ions, coarser grids: the same code paths in about a minute);
``trapode reproduce`` on the command line runs the report's own settings.
The summary printed below names each figure and the unit factors used
(CODATA, or the report's rounded digits with ``constants="report"``).

Run it from the repository root::

    python examples/report_figures.py [OUTPUT_FOLDER]
"""

import pathlib
import sys

from trapode.reproduce import reproduce

folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "report_figures")
summary = reproduce(folder, quick=True, progress=False)
text = summary.read_text(encoding="utf-8")
print("\n".join(line for line in text.splitlines() if not line.startswith("![")))
print(f"figures and tables in {folder}/")
