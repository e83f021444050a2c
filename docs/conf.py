"""Sphinx configuration for trapode's documentation.

Everything that shows a result is made at build time, so that it cannot drift
from the code: the equations (rendered from the SymPy model), the
command-line reference (from the argument parsers), the gallery (sphinx-gallery
runs every script in ``examples/``; see ``_gallery.py``), whose figures and
tables the narrative pages include, and the tutorial notebook (executed by
myst-nb).

Links to NumPy, SciPy, SymPy, Matplotlib and xarray (intersphinx) are made
when their inventories can be reached; an offline build (as in CI) leaves
those names as plain code rather than failing.
"""

import contextlib
import io
import pathlib
import sys
import urllib.request

import sympy

import trapode
from trapode import cli
from trapode.physics import closed_form
from trapode.physics.model import equations_of_motion

project = "trapode"
author = "the trapode developers"
release = trapode.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
    "myst_nb",
]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_typehints = "none"
# _generated holds what pages include, not pages; sphinx-gallery leaves notebooks and scripts beside its pages.
exclude_patterns = ["_build", "_generated", "jupyter_execute", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "pydata_sphinx_theme"  # wide code blocks, a page outline, light and dark
html_static_path = ["_static"]
html_css_files = ["trapode.css"]
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
sys.path.insert(0, str(HERE))  # _gallery.py, named by sphinx-gallery's settings below

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",  # run every example, not only plot_*.py
    "reset_argv": "_gallery.reset_argv",  # each writes its figures into docs/_generated/examples/<name>/
    "image_scrapers": ("_gallery.written_figures",),  # and those files are its figures
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "min_reported_time": 1e9,  # no per-example timing table on the pages
    "write_computation_times": False,
    "show_signature": False,
}

# The tutorial notebook is executed by the build (and by the tests, with nbval).
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_merge_streams = True

_INVENTORIES = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "scipy": "https://docs.scipy.org/doc/scipy/",
    "sympy": "https://docs.sympy.org/latest/",
    "matplotlib": "https://matplotlib.org/stable/",
    "xarray": "https://docs.xarray.dev/en/stable/",
}


def _online(url, timeout=5.0):
    try:
        with urllib.request.urlopen(url + "objects.inv", timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


if _online(_INVENTORIES["numpy"]):
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {name: (url, None) for name, url in _INVENTORIES.items()}
else:
    print("intersphinx: the inventories cannot be reached (offline build); links to other projects are left out")


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
        parser_help += [f"``trapode {command}``", "-" * (len(command) + 12), "", ".. code-block:: text", ""]
        parser_help += ["   " + line for line in buffer.getvalue().splitlines()] + [""]
    (GENERATED / "cli.rst").write_text("\n".join(parser_help), encoding="utf-8")


_write_equations()
_write_cli_reference()
sys.stdout.flush()
