"""Sphinx configuration for trapode's documentation.

Three pages, three figures and two tables are generated at build time, so
that they cannot drift from the code: the equations (rendered from the SymPy
model), the command-line reference (from the argument parsers), the gallery
(figures made by ``trapode reproduce --quick``, or copied from the folder
named by the environment variable ``TRAPODE_GALLERY``), and the figures of
``examples/real_trap.py``, ``examples/long_run.py`` and
``examples/validation.py`` (with their tables), made by running them.
"""

import contextlib
import io
import os
import pathlib
import shutil
import sys

import sympy

import trapode
from trapode import cli
from trapode.physics import closed_form
from trapode.physics.model import equations_of_motion

project = "trapode"
author = "the trapode developers"
release = trapode.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "numpydoc", "sphinx_copybutton"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_typehints = "none"
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"  # wide code blocks, a page outline, light and dark
html_static_path = []
html_title = "trapode"
html_sidebars = {"**": []}  # the pages are one level deep: the top bar lists them, so no left column
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
# Copy the code of a block, not its prompts or its output.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

HERE = pathlib.Path(__file__).resolve().parent
GENERATED = HERE / "_generated"
GENERATED.mkdir(exist_ok=True)


def _math(expression):
    return "\n".join(["   .. math::", "", "      " + sympy.latex(expression), ""])


def _write_equations():
    single = equations_of_motion()
    pair = equations_of_motion(n_particles=2, interactions=True)
    driven = equations_of_motion(trapode.PenningTrap(drive=trapode.Drive(0.1, 1.0)))
    real = equations_of_motion(trapode.PenningTrap(C4=1e-3, B2=3e4, tilt=0.01))
    solution = closed_form.analytic_solution_expressions()
    t = closed_form.t
    lines = [
        "The equations below are printed by SymPy from :mod:`trapode.physics.model` when the documentation is built.",
        "",
        "One particle in the static ideal trap (report eqs. 10–12):",
        "",
    ]
    for equation in single:
        lines.append(_math(equation))
    lines += ["Particle 1 of two interacting particles (report eqs. 23–25; particle 2 likewise):", ""]
    for equation in pair[:3]:
        lines.append(_math(equation))
    lines += ["With the drive :math:`V_0 \\to V_0 (1 + f \\cos \\omega_V t)`, the axial equation becomes", ""]
    lines.append(_math(driven[2]))
    lines += [
        "A real trap, with an octupole :math:`C_4`, a magnetic bottle :math:`B_2` and B tilted by "
        ":math:`\\theta_B` (``PenningTrap(C4=..., B2=..., tilt=...)``), gives for the axial motion",
        "",
    ]
    lines.append(_math(real[2]))
    lines += ["The closed form for one particle in the ideal trap: the characteristic roots", ""]
    lines.append(_math(sympy.Eq(sympy.Symbol("omega_+"), solution["omega_plus"])))
    lines.append(_math(sympy.Eq(sympy.Symbol("omega_-"), solution["omega_minus"])))
    lines += [
        "the coefficients of :math:`f = x + i y = C_+ e^{-i \\omega_+ t} + C_- e^{-i \\omega_- t}` fitted to "
        "the initial state,",
        "",
    ]
    lines.append(_math(sympy.Eq(sympy.Symbol("C_+"), solution["C_plus"])))
    lines.append(_math(sympy.Eq(sympy.Symbol("C_-"), solution["C_minus"])))
    lines += ["and the axial motion from ``dsolve``:", ""]
    lines.append(_math(sympy.Eq(sympy.Function("z")(t), solution["z"])))
    (GENERATED / "equations.rst").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _write_cli_reference():
    parser_help = []
    for command in ("reproduce", "run", "plot", "convergence", "sweep", "info"):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
            cli.main([command, "--help"])
        parser_help += [f"``trapode {command}``", "-" * (len(command) + 12), "", "::", ""]
        parser_help += ["   " + line for line in buffer.getvalue().splitlines()] + [""]
    (GENERATED / "cli.rst").write_text("\n".join(parser_help), encoding="utf-8")


def _write_gallery():
    images = GENERATED / "gallery"
    source = os.environ.get("TRAPODE_GALLERY")
    if source:
        folder = pathlib.Path(source)
    else:
        from trapode.reproduce import reproduce

        folder = GENERATED / "reproduction"
        reproduce(folder, quick=True, progress=False)
    images.mkdir(exist_ok=True)
    summary = (folder / "README.md").read_text(encoding="utf-8").split("\n## ")
    lines = [
        "Made by ``trapode reproduce --quick`` (20 ions, coarser grids) when the documentation was built; "
        "``trapode reproduce`` makes them at the report's settings.",
        "",
    ]
    for section in summary[1:]:
        title, *body = section.splitlines()
        text = [line for line in body if line and not line.startswith("![")]
        picture = [line for line in body if line.startswith("![")]
        if not picture:
            continue
        name = picture[0].split("](")[1].rstrip(")")
        shutil.copy(folder / name, images / name)
        lines += [
            title,
            "~" * len(title),
            "",
            *text,
            "",
            f".. image:: /_generated/gallery/{name}",
            "   :width: 80%",
            "",
        ]
    (GENERATED / "gallery.rst").write_text("\n".join(lines), encoding="utf-8")


def _run_example(name, *outputs):
    """Run ``examples/NAME`` as it stands, with its output files (figure, table) under _generated/."""
    import subprocess

    example = HERE.parent / "examples" / name
    paths = [str(GENERATED / output) for output in outputs]
    subprocess.run([sys.executable, str(example), *paths], check=True, capture_output=True)


_write_equations()
_write_cli_reference()
_write_gallery()
_run_example("real_trap.py", "real_trap.png")
_run_example("long_run.py", "long_run.png", "long_run.txt")  # the long-run comparison
_run_example("validation.py", "validation.png", "validation.txt")  # frequency shifts against theory
_run_example("rotating_wall.py", "rotating_wall.png")  # a Coulomb crystal at the cold-fluid density
sys.stdout.flush()
