"""How sphinx-gallery runs trapode's examples: where each writes its files, and how its figures are found.

Every script in ``examples/`` runs as it stands from the command line and
writes its figures (and tables) to the paths its command line names. The
gallery runs each with paths under ``docs/_generated/examples/<name>/``
(:func:`reset_argv`) and shows the PNG files it wrote there, in the order it
wrote them (:func:`written_figures`); the narrative pages include figures and
tables from the same folders, so that every figure in the documentation is
made by the build.
"""

from __future__ import annotations

import pathlib
import shutil

from sphinx_gallery.scrapers import figure_rst

OUTPUT = pathlib.Path(__file__).resolve().parent / "_generated" / "examples"

#: The command-line arguments of examples that take other than one figure path ("" is the folder itself).
ARGUMENTS = {
    "two_particles.py": ("",),
    "convergence.py": ("",),
    "resonance_scan.py": ("",),
    "report_figures.py": ("",),
    "long_run.py": ("long_run.png", "long_run.txt"),
    "validation.py": ("validation.png", "validation.txt"),
}


def output_folder(script: str | pathlib.Path) -> pathlib.Path:
    """The folder the gallery's run of ``script`` writes into (made empty first by :func:`reset_argv`)."""
    return OUTPUT / pathlib.Path(script).stem


def reset_argv(gallery_conf: dict, script_vars: dict) -> list[str]:
    """The example's output paths, in a fresh folder of its own."""
    script = pathlib.Path(script_vars["src_file"])
    folder = output_folder(script)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    names = ARGUMENTS.get(script.name, (script.stem + ".png",))
    return [str(folder / name) if name else str(folder) for name in names]


def written_figures(block: object, block_vars: dict, gallery_conf: dict) -> str:
    """A sphinx-gallery image scraper: the PNG files the example has written since its last code block."""
    folder = output_folder(block_vars["src_file"])
    shown = block_vars.setdefault("trapode_shown", set())
    written = sorted(
        (path for path in folder.rglob("*.png") if path not in shown), key=lambda path: path.stat().st_mtime_ns
    )
    targets = []
    for path, target in zip(written, block_vars["image_path_iterator"], strict=False):
        shutil.copyfile(path, target)
        shown.add(path)
        targets.append(target)
    return figure_rst(targets, gallery_conf["src_dir"])
