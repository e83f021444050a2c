"""Short summaries of trapode's results and traps: a few lines in a terminal, a table in a notebook.

A class lists what it shows in ``_summary_rows()`` (label, value as text);
:class:`Summarised` turns the rows into ``__repr__`` (the class name, then one
indented line a row) and ``_repr_html_`` (an HTML table, every text escaped),
so a result in a notebook shows its shape and outcome instead of a dump of its
arrays. A dataclass that takes this ``__repr__`` is declared with
``repr=False``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["Summarised", "html_table", "range_text", "run_rows", "setup_rows", "text_table"]

Rows = Sequence[tuple[str, str]]


def text_table(title: str, rows: Rows) -> str:
    """``title`` then one line a row, labels padded to one column."""
    width = max((len(label) for label, _ in rows), default=0)
    return "\n".join([title, *(f"  {label:<{width}}  {value}" for label, value in rows)])


def html_table(title: str, rows: Rows) -> str:
    """An HTML table with ``title`` as its caption and one row a (label, value); all text escaped."""
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
        f"<td style='text-align:left'>{html.escape(value)}</td></tr>"
        for label, value in rows
    )
    return f"<table><caption style='text-align:left'><b>{html.escape(title)}</b></caption>{body}</table>"


class Summarised:
    """Gives a class a short ``__repr__`` and a notebook table from its ``_summary_rows()``."""

    def _summary_rows(self) -> Rows:
        raise NotImplementedError

    def __repr__(self) -> str:
        return text_table(type(self).__name__, self._summary_rows())

    def _repr_html_(self) -> str:
        return html_table(type(self).__name__, self._summary_rows())


def range_text(values, unit: str = "") -> str:
    """``"5: 0.1 … 2.5 rad/µs"``: how many values, the first and the last."""
    values = list(values)
    if not values:
        return "none"
    unit = f" {unit}" if unit else ""
    return (
        f"{len(values)}: {values[0]:g}{unit}"
        if len(values) == 1
        else f"{len(values)}: {values[0]:g} … {values[-1]:g}{unit}"
    )


def setup_rows(config: Any) -> list[tuple[str, str]]:
    """The rows of a configuration's setting: its trap, and its method and steps."""
    return [
        ("trap", config.trap.summary()),
        ("method", f"{config.method}, {config.n_steps} steps of {config.step_size:g} µs to {config.t_end:g} µs"),
    ]


def run_rows(config: Any, trapped: np.ndarray) -> list[tuple[str, str]]:
    """The rows every run shows: :func:`setup_rows`, then its particles and how many stayed in the trap."""
    n = config.n_particles
    particles = f"{n}" if n == 1 else f"{n} ({'Coulomb' if config.interactions else 'no interaction'})"
    return [*setup_rows(config), ("particles", f"{particles}, {int(trapped.sum())} in the trap at the end")]
