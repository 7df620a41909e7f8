"""The notebook live view: a journey's snapshot as HTML that follows every change, as an
ipywidgets ``HTML`` widget or a ``display(..., display_id=True)`` updated in place; either way
the stored output keeps the last state as static HTML, which an HTML export (nbconvert) shows.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from reactivex import abc
from reactivex import operators as ops

from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models._html import snapshot_html
from fanfare_rx.models.journey import JourneySnapshot

__all__ = ["LiveView", "live", "require"]


def require(module: str, extra: str = "notebook") -> ModuleType:
    """Import ``module`` or raise an ImportError naming the extra that provides it.

    Usage: ``plt = require("matplotlib.pyplot")``
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{module} is needed for this; install it with: pip install 'fanfare_rx[{extra}]'"
        ) from exc


_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class LiveView:
    """A display of a journey's snapshot that follows every change until :meth:`close` or
    until the journey is destroyed.

    The widget is displayed with a static ``text/html`` (and ``text/plain``) copy of the same
    snapshot, kept current through the display id: a live notebook shows the widget, a stored
    notebook without widget state (an nbconvert HTML export, a code host) shows the last state.
    :meth:`close` (also when the journey is destroyed) leaves only the static copy.

    Usage: ``view = live(journey); ...; view.close()``
    """

    def __init__(self, journey: ExperienceJourney, *, widget: bool | None = None) -> None:
        self.journey = journey
        self.updates = 0
        """How many times the view was re-rendered."""
        self._title = f"ExperienceJourney {journey.experience_id}"
        self._widget: Any = None
        self._handle: Any = None
        display_mod = require("IPython.display")
        if widget is None or widget:
            try:
                widgets = importlib.import_module("ipywidgets")
            except ImportError:
                if widget:
                    require("ipywidgets")
                widgets = None
            if widgets is not None:
                snapshot = journey.state.get()
                self._widget = widgets.HTML(value=self._render(snapshot))
                self._handle = display_mod.display(self._bundle(snapshot), raw=True,
                                                   display_id=True)
        if self._widget is None:
            self._html_cls = display_mod.HTML
            self._handle = display_mod.display(
                display_mod.HTML(self._render(journey.state.get())), display_id=True
            )
        self._subscription: abc.DisposableBase | None = journey.state.pipe(ops.skip(1)).subscribe(
            on_next=self._update, on_error=lambda _: self.close(), on_completed=self.close
        )

    @property
    def uses_widget(self) -> bool:
        """Whether the view is an ipywidgets ``HTML`` widget (else a display update)."""
        return self._widget is not None

    def _render(self, snapshot: JourneySnapshot) -> str:
        return snapshot_html(snapshot, title=self._title)

    def _text(self, snapshot: JourneySnapshot) -> str:
        return (f"{self._title}: {snapshot.journey_stage.value} / "
                f"{snapshot.sequence_stage.value}")

    def _bundle(self, snapshot: JourneySnapshot) -> dict[str, Any]:
        """The widget's view with a static copy of ``snapshot`` for readers without widgets."""
        view = self._widget._repr_mimebundle_().get(_WIDGET_VIEW)
        bundle: dict[str, Any] = {"text/html": self._render(snapshot),
                                  "text/plain": self._text(snapshot)}
        if view is not None:
            bundle[_WIDGET_VIEW] = view
        return bundle

    def _update(self, snapshot: JourneySnapshot) -> None:
        html = self._render(snapshot)
        if self._widget is not None:
            self._widget.value = html
            if self._handle is not None:
                self._handle.update(self._bundle(snapshot), raw=True)
        elif self._handle is not None:
            self._handle.update(self._html_cls(html))
        self.updates += 1

    def close(self) -> None:
        """Stop following the journey (the last rendering stays). A widget is then replaced
        by its static copy, so a saved notebook holds no widget whose view an HTML export
        would need JavaScript (and the network) to draw. Usage: ``view.close()``"""
        subscription = getattr(self, "_subscription", None)
        if subscription is not None:
            subscription.dispose()
            self._subscription = None
        if self._widget is not None:
            snapshot = self.journey.state.get()
            if self._handle is not None:
                self._handle.update({"text/html": self._render(snapshot),
                                     "text/plain": self._text(snapshot)}, raw=True)
            self._widget.close()
            self._widget = None


def live(journey: ExperienceJourney, *, widget: bool | None = None) -> LiveView:
    """Display ``journey`` and keep the display current while it runs (top-level ``await``).

    With ipywidgets installed the view is an ``HTML`` widget; without it (or ``widget=False``)
    it is an ``IPython.display.display(..., display_id=True)`` updated in place. Both leave the
    last state as static HTML in the stored notebook, so an HTML export shows it.

    Usage: ``view = live(journey)``
    """
    return LiveView(journey, widget=widget)


