"""A student without a browser: a client that speaks Streamlit's websocket protocol, for load tests.

Thirty headless Chromiums on the server's own 2 cores measure mostly the Chromiums (78% of the CPU
in ``bench_classroom``). A class's browsers run on the students' machines, so this client does
only what the server sees a browser do, and nothing of the drawing:

- ``GET /_stcore/health`` for the XSRF cookie (where the frontend gets it) (the app binds a student's workspace to it), then the websocket
  ``/_stcore/stream`` with the token as the second subprotocol, as the frontend does;
- ``rerun_script`` back messages with the page's name and script hash and the widget values the student set
  (a button press is a trigger sent once; every other value is sent on every rerun, as the
  frontend's widget manager does);
- the fragment timers the server asks for (``auto_rerun``), cleared when a full run starts, so a
  live chart polls the server exactly as a page in a browser does;
- the forward-message cache: hashes of cacheable messages are reported, and ``ref_hash`` replies are
  resolved, so the server sends what it sends a browser.

Elements are kept by delta path and script run, and a finished full run drops what it did not
redraw, so ``text()`` is what the page shows. ``wait_for(pattern)`` returns once a shown text
matches. Only what the classroom bench needs is here (buttons, sliders, text areas, page names).
"""

from __future__ import annotations

import asyncio
import re
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

XSRF_COOKIE = "_streamlit_xsrf"
MAIN, SIDEBAR = 0, 1  # the first index of an element's delta path: the root container it is in
TEXT_FIELDS = ("body", "text", "label")  # where an element keeps what a reader sees
ESCAPE = re.compile(r"\\([^\w\s])")  # markdown's backslash escapes: "run 1\: LSTM"
MARKS = re.compile(r"^#+\s*|\*\*")  # a heading's hashes, bold
SKIPPED = {"plotly_chart", "arrow_data_frame", "vega_lite_chart", "imgs", "html"}  # figures, not text


@dataclass
class Shown:
    """One element on the page: its type, the run that drew it, its words, its proto."""
    kind: str
    run: str
    words: str
    element: Any


@dataclass
class Page:
    """What the server has drawn for one session, as the frontend would hold it."""
    elements: dict[tuple[int, ...], Shown] = field(default_factory=dict)
    run: str = ""
    running: bool = False

    def text(self, *, headings: bool = False, root: int | None = None) -> list[str]:
        """Every element's words as a reader sees them (markdown's escapes and marks taken out);
        only the headings' (``st.title``, ``#### …``) with ``headings=True``; only those in one
        root container with ``root`` (``MAIN`` or ``SIDEBAR``)."""
        return [plain(s.words) for path, s in self.elements.items()
                if s.words and (not headings or s.kind == "heading" or s.words.startswith("#"))
                and (root is None or path[:1] == (root,))]


def plain(markdown: str) -> str:
    return MARKS.sub("", ESCAPE.sub(r"\1", markdown)).strip()


def words(message: Any) -> str:
    """The visible words of a proto element: its body, text and label fields, nested ones too."""
    found: list[str] = []
    for descriptor, value in message.ListFields():
        if descriptor.message_type is not None:
            values = [value] if hasattr(value, "ListFields") else value  # one message or a repeated field
            found += [w for v in values if (w := words(v))]
        elif descriptor.name in TEXT_FIELDS and isinstance(value, str):
            found.append(value)
    return " ".join(found)


class Tab:
    """One browser tab of one student: ``await open(path)``, then clicks, values and waits."""

    def __init__(self, url: str, cookie: str | None = None):
        self.url, self.cookie = url.rstrip("/"), cookie
        self.page = Page()
        self.page_name = ""
        self.page_hash = ""  # the page the server resolved (its ``navigation``), sent back on every rerun
        self._pages: dict[str, str] = {}  # url path → page script hash, from ``navigation``
        self._values: dict[str, WidgetState] = {}
        self._cache: dict[str, ForwardMsg] = {}
        self._timers: dict[str, asyncio.Task] = {}
        self._changed = asyncio.Event()
        self._ws = None
        self._reader: asyncio.Task | None = None

    async def open(self, path: str) -> None:
        """Load ``path`` as a new tab (or a reload) does: a new session, the same cookie."""
        await self.close()
        self.cookie = self.cookie or await asyncio.to_thread(self._fetch_cookie)
        ws_url = self.url.replace("http", "ws", 1) + "/_stcore/stream"
        self._ws = await websockets.connect(
            ws_url, subprotocols=["streamlit", self.cookie], origin=self.url,
            additional_headers={"Cookie": f"{XSRF_COOKIE}={self.cookie}"}, max_size=2**26)
        self.page, self._values, self.page_name, self.page_hash = Page(), {}, path.strip("/"), ""
        self._reader = asyncio.create_task(self._read())
        await self._rerun()

    async def close(self) -> None:
        self._stop_timers()
        if self._reader is not None:
            self._reader.cancel()
            self._reader = None
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    def _fetch_cookie(self) -> str:
        with urllib.request.urlopen(self.url + "/_stcore/health", timeout=120) as reply:
            for header in reply.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                if name.strip() == XSRF_COOKIE:
                    return rest.split(";", 1)[0]
        raise RuntimeError("the server set no XSRF cookie")

    # --- what a student does -------------------------------------------------------------------
    async def go(self, page_name: str) -> None:
        """Follow a sidebar link: a full run of another page (its widgets start afresh)."""
        self.page_name, self._values = page_name, {}
        self.page_hash = self._pages.get(page_name, "")
        await self._rerun()

    async def click(self, label: str) -> None:
        await self._rerun(trigger=self.widget("button", label=label).id)

    async def set_slider(self, label: str, value: float) -> None:
        state = WidgetState(id=self.widget("slider", label=label).id)
        state.double_array_value.data.append(value)
        self._values[state.id] = state
        await self._rerun()

    async def set_text(self, key: str, value: str) -> None:
        """A text area's new value, submitted (Ctrl+Enter or leaving the box)."""
        wid = self.widget("text_area", key=key).id
        self._values[wid] = WidgetState(id=wid, string_value=value)
        await self._rerun()

    def widget(self, kind: str, *, label: str | None = None, key: str | None = None) -> Any:
        for shown in reversed(list(self.page.elements.values())):
            proto = getattr(shown.element, kind, None) if shown.kind == kind else None
            if proto is not None and (label is None or proto.label == label) and (key is None or proto.id.endswith(key)):
                return proto
        raise LookupError(f"no {kind} {label or key!r} on the page")

    async def wait_for(self, pattern: re.Pattern[str], timeout: float, *, besides: str | None = None,
                       heading: bool = False) -> str:
        """The first shown text (a heading's, with ``heading``) matching ``pattern``, other than
        ``besides``, once it is drawn."""
        async def seen() -> str:
            while True:
                self._changed.clear()
                for text in self.page.text(headings=heading):
                    if pattern.search(text) and text != besides:
                        return text
                await self._next()
        return await asyncio.wait_for(seen(), timeout)

    async def wait_idle(self, timeout: float, settle: float = 0.3) -> None:
        """Until no script of this session runs (the browser's status widget hidden). ``settle``
        gives a rerun just sent time to start; 0 when something it drew was already seen."""
        async def idle() -> None:
            await asyncio.sleep(settle)
            while self.page.running:
                self._changed.clear()
                await self._next()
        await asyncio.wait_for(idle(), timeout)

    async def _next(self) -> None:
        """Until the server sends something; the connection's failure, if it failed."""
        if self._reader is not None and self._reader.done():
            self._reader.result()  # raises what ended it
            raise ConnectionError("the server closed the connection")
        waiter = asyncio.ensure_future(self._changed.wait())
        await asyncio.wait({waiter, self._reader}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()

    def boxes(self) -> list[str]:
        """The words of every exception box and error alert shown."""
        return [s.words for s in self.page.elements.values()
                if s.kind == "exception" or (s.kind == "alert" and s.element.alert.format == Alert.ERROR)]

    # --- the protocol ------------------------------------------------------------------------
    async def _rerun(self, *, trigger: str | None = None, fragment: str = "") -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_name, state.fragment_id = "", self.page_name, fragment
        state.page_script_hash = self.page_hash
        state.is_auto_rerun = bool(fragment)
        state.widget_states.widgets.extend(self._values.values())
        if trigger is not None:
            state.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        state.cached_message_hashes.extend(self._cache)
        if not fragment:
            self._stop_timers()
        if self._ws is not None:
            await self._ws.send(msg.SerializeToString())

    def _stop_timers(self) -> None:
        for task in self._timers.values():
            task.cancel()
        self._timers.clear()

    async def _every(self, interval: float, fragment: str) -> None:
        while True:
            await asyncio.sleep(interval)
            await self._rerun(fragment=fragment)

    async def _read(self) -> None:
        async for data in self._ws:
            msg = ForwardMsg()
            msg.ParseFromString(data)
            if msg.HasField("ref_hash"):
                cached = self._cache.get(msg.ref_hash)
                if cached is None:
                    continue
                metadata = msg.metadata
                msg = ForwardMsg()
                msg.CopyFrom(cached)
                msg.metadata.CopyFrom(metadata)
            elif msg.metadata.cacheable and msg.hash:
                self._cache[msg.hash] = msg
            self._handle(msg)
            self._changed.set()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        page = self.page
        run = msg.metadata.run
        if run.script_run_id and not run.fragment_ids:
            page.run = run.script_run_id  # a full run: what it does not draw is stale when it ends
        if kind == "new_session" and not run.fragment_ids:  # a full run starts: the timers go
            self._stop_timers()
        elif kind == "session_status_changed":
            page.running = msg.session_status_changed.script_is_running
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            what = element.WhichOneof("type")
            page.elements[tuple(msg.metadata.delta_path)] = Shown(
                what, run.script_run_id or page.run,
                "" if what in SKIPPED else words(element), element)
        elif kind == "navigation":
            self._pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "auto_rerun":
            fragment = msg.auto_rerun.fragment_id
            if fragment in self._timers:
                self._timers[fragment].cancel()
            self._timers[fragment] = asyncio.create_task(self._every(msg.auto_rerun.interval, fragment))
        elif kind == "stop_auto_rerun":
            task = self._timers.pop(msg.stop_auto_rerun.fragment_id, None)
            if task is not None:
                task.cancel()
        elif kind == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            page.elements = {path: s for path, s in page.elements.items() if s.run == page.run}
