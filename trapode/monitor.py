"""Long work made visible and stoppable: a progress bar, and Ctrl-C between chunks.

Compiled kernels cannot be interrupted: Python raises ``KeyboardInterrupt``
only between bytecodes, and an exception raised between two statements of a
driver loop could leave its bookkeeping half updated. So the drivers (the
fixed-step time loop, the adaptive reference loop, sweeps) run inside a
:class:`Monitor`, which turns SIGINT into a request that they read after each
chunk of about a tenth of a second: they stop at a clean point and raise
:class:`~trapode.Interrupted` with what they have done. Work that reads no
request (compiling a model, drawing a figure) gets ``KeyboardInterrupt``
after 0.3 s, as does a second Ctrl-C at once: Ctrl-C always stops
within a second.

Signal handlers can only be set from the main thread; elsewhere (a worker
thread, a Dask worker) the drivers run as they are and Ctrl-C is the main
thread's business. Nested monitors (a sweep inside a reproduction) share one
request.
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any, Protocol

__all__ = ["QUIET", "Monitor", "Progress", "Quiet", "interruptible", "progress_bar"]


class Progress(Protocol):
    """What a driver loop needs of a monitor: count the work done, and know whether to stop."""

    @property
    def stop_requested(self) -> bool: ...

    def update(self, done: int) -> None: ...


#: Seconds a Ctrl-C request waits for a driver to read it before it becomes a KeyboardInterrupt.
GRACE = 0.3


class _Request:
    """Whether Ctrl-C was pressed since the outermost :func:`interruptible` block began, and whether it was heard."""

    def __init__(self) -> None:
        self.pressed = False
        self.heard = False
        self.timer: threading.Timer | None = None

    def escalate(self) -> None:
        """Interrupt the main thread if no driver has read the request (it is busy elsewhere)."""
        if not self.heard and _active is self:
            _thread.interrupt_main()  # runs the SIGINT handler again: the second press, KeyboardInterrupt


_active: _Request | None = None


@contextmanager
def interruptible() -> Iterator[_Request]:
    """Within the block Ctrl-C sets the yielded request's ``pressed`` instead of raising."""
    global _active
    if _active is not None:
        yield _active
        return
    request = _Request()
    previous = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    if previous is None or previous is signal.SIG_IGN:
        yield request  # not the main thread, or a handler Python cannot restore: leave SIGINT alone
        return

    def handler(signum: int, frame: FrameType | None) -> Any:
        if request.pressed:  # pressed twice: stop now
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        request.pressed = True
        request.timer = threading.Timer(GRACE, request.escalate)
        request.timer.daemon = True
        request.timer.start()

    signal.signal(signal.SIGINT, handler)
    _active = request
    try:
        yield request
    finally:
        _active = None
        if request.timer is not None:
            request.timer.cancel()
        signal.signal(signal.SIGINT, previous)


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython's ZMQ shell), without importing IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def progress_bar(iterable: Any = None, *, progress: bool = True, **options: Any) -> Any:
    """A tqdm progress bar where the user sees it: a widget in a notebook, text on a terminal's stderr.

    In Jupyter with ipywidgets installed the bar is tqdm's notebook widget
    (shown unless ``progress`` is False); elsewhere it is text on stderr,
    shown only when stderr is a terminal, so a notebook without ipywidgets,
    a pipe or a log file stays quiet (and tqdm.auto's "IProgress not found"
    warning never comes). ``options`` go to tqdm.
    """
    if progress and _in_notebook():
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm as notebook_tqdm
        except ImportError:
            pass
        else:
            return notebook_tqdm(iterable, **options)
    from tqdm.std import tqdm as text_tqdm

    return text_tqdm(iterable, disable=None if progress else True, file=sys.stderr, **options)


class Monitor:
    """A progress bar on stderr and the Ctrl-C request, for one piece of long work.

    Parameters
    ----------
    total : int
        Units of work (steps, runs).
    unit : str
        Their name, for the bar.
    description : str
        What is running, for the bar.
    progress : bool
        Show the bar: only on a terminal, and only once the work has taken a
        second, so short work stays silent.

    Use as a context manager; drivers call :meth:`update` after each chunk
    and stop at a clean point once :attr:`stop_requested` is true.
    """

    def __init__(self, total: int, unit: str, description: str, progress: bool = True) -> None:
        self.total, self.unit, self.description, self.progress = total, unit, description, progress
        self._request: _Request | None = None
        self._bar: Any = None
        self._scope: Any = None

    def __enter__(self) -> Monitor:
        self._scope = interruptible()
        self._request = self._scope.__enter__()
        self._bar = progress_bar(
            total=self.total,
            progress=self.progress,
            delay=1.0,
            unit=self.unit,
            unit_scale=True,
            desc=self.description,
            leave=False,
        )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._bar.close()
        self._scope.__exit__(kind, error, traceback)
        if error is None and self._request is not None and self._request.pressed and not self._request.heard:
            # Ctrl-C came, but the work ended before it read it: stop here rather than lose it.
            self._request.heard = True
            raise KeyboardInterrupt

    def update(self, done: int) -> None:
        """Count ``done`` more units of work."""
        self._bar.update(done)

    @property
    def stop_requested(self) -> bool:
        """Whether Ctrl-C was pressed: stop after the current chunk."""
        if self._request is None or not self._request.pressed:
            return False
        self._request.heard = True
        return True


class Quiet:
    """A monitor that shows nothing and never asks to stop: for work run on behalf of another driver."""

    stop_requested = False

    def update(self, done: int) -> None:
        """Nothing to count."""


#: The monitor of runs made on behalf of another driver, or where nobody watches.
QUIET = Quiet()
