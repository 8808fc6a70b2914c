"""The playground's web server: the page over HTTP, and one websocket per browser tab, each tab its own run.

An ASGI app (Starlette, served by uvicorn with websockets)::

    GET  /            the page (static/index.html)
    GET  /static/...  its CSS and ES modules, shipped inside the package; nothing is fetched from elsewhere
    WS   /ws          one session: messages in, frames out (JSON text)

Messages from the page, each a JSON object with a ``type`` (every one is checked: its size, its fields, their
types and ranges; a refused one is answered by an ``error`` frame naming the problem and changes nothing)::

    {"type": "setup", "setup": {field: value, ...}}   change the setup (session.DEFAULTS); the run restarts
    {"type": "play"} | {"type": "pause"} | {"type": "step"} | {"type": "reset"} | {"type": "regenerate"}
    {"type": "explain"}                                 the next step worked through, every number
    {"type": "download", "what": "model" | "script"}    the trained model (.safetensors) or a Python script
    {"type": "upload", "name": str, "csv": str}         train on your own points

Frames to the page: ``hello`` (limits and choices, once), ``data`` (the points, after every restart), ``frame``
(what the network looks like now: see :meth:`Session.frame`), ``explain``, ``download`` and ``error``.

Safety: the server binds 127.0.0.1 unless told otherwise; a websocket is refused unless its ``Origin`` is the
page's own (``http://`` + the ``Host`` it asked for) and, on a loopback address, that host is a loopback name
(so that a web page elsewhere, even one whose name resolves to 127.0.0.1, cannot drive a session). Training runs
in one worker thread, so the event loop keeps answering every tab while a network trains; a closed tab's
training stops with it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import time
import webbrowser
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.responses import FileResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .. import __version__
from . import data
from .session import (
    ACTIVATIONS,
    DEFAULTS,
    LEARNING_RATES,
    LIMITS,
    OPTIMIZERS,
    REGULARIZATIONS,
    Session,
    SetupError,
)

__all__ = ["LOOPBACK", "create_app", "serve"]

#: every data set's picture for its button (the same for every tab: computed once, on first import)
_PREVIEWS = data.previews()

STATIC = Path(__file__).parent / "static"
#: The names of this machine that a page served on a loopback address may be reached by.
LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: While playing, findings are recomputed at most this often (seconds): diagnose reads the whole run.
FINDINGS_EVERY = 0.5
#: The websocket layer's own limit (bytes): a message over it closes the connection (code 1009). Messages
#: between LIMITS["message_bytes"] and this get an error frame instead.
WS_MAX_SIZE = 8 * 1024 * 1024

#: The fields each message type may carry, besides ``type``.
MESSAGES: dict[str, tuple[str, ...]] = {
    "setup": ("setup",), "play": (), "pause": (), "step": (), "reset": (), "regenerate": (), "explain": (),
    "download": ("what",), "upload": ("name", "csv"),
}

_SECURITY_HEADERS = {
    # the page may load only what this server sends, and talk only to it
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(allowed_hosts: tuple[str, ...] | None = LOOPBACK) -> Starlette:
    """The playground's ASGI app. ``allowed_hosts``: the host names a websocket may ask for (None: any, for a
    server bound to a non-loopback address; the Origin must still be the page's own)."""

    async def index(request):
        return FileResponse(STATIC / "index.html", headers=_SECURITY_HEADERS)

    async def socket(websocket: WebSocket):
        refusal = _refusal(websocket, allowed_hosts)
        if refusal:
            await websocket.close(code=1008, reason=refusal)
            return
        await websocket.accept()
        runner = _Runner(websocket, app.state.executor)
        key = next(app.state.ids)
        app.state.sessions[key] = runner
        try:
            await runner.serve()
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass   # the tab went away mid-send
        finally:
            await runner.stop()
            del app.state.sessions[key]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        app.state.executor.shutdown(wait=False, cancel_futures=True)

    app = Starlette(routes=[Route("/", index), Mount("/static", StaticFiles(directory=STATIC), name="static"),
                            WebSocketRoute("/ws", socket)], lifespan=lifespan)
    # one worker thread trains every session in turn: the event loop stays free, and training is never run
    # by two threads at once (a 2-core machine keeps a core for the server)
    app.state.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glassnet-playground")
    app.state.sessions = {}
    app.state.ids = itertools.count()
    return app


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True, echo=print) -> None:
    """Run the playground until interrupted. A host other than a loopback address makes the page reachable from
    other machines: ``echo`` warns about it."""
    import uvicorn

    loopback = host in LOOPBACK
    if not loopback:
        echo(f"Warning: binding {host} makes the playground reachable from other machines on the network; "
             f"anyone who can reach port {port} can train networks on this computer. Use the default "
             f"127.0.0.1 unless you mean it.")
    app = create_app(LOOPBACK if loopback else None)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    config = uvicorn.Config(app, host=host, port=port, ws="auto", ws_max_size=WS_MAX_SIZE,
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    echo(f"The glassnet playground is at {url} (Ctrl+C stops it).")
    if open_browser:
        # the page opens once the server listens (uvicorn's started flag), without holding the server up
        async def open_when_started():
            while not server.started:
                await asyncio.sleep(0.05)
            await asyncio.get_running_loop().run_in_executor(None, webbrowser.open, url)

        async def main():
            task = asyncio.create_task(open_when_started())
            await server.serve()
            task.cancel()

        asyncio.run(main())
    else:
        server.run()


# --------------------------------------------------------------------------------------------------------------
# One tab
# --------------------------------------------------------------------------------------------------------------

class _Runner:
    """One websocket's session: reads messages, drives the session in the worker thread, sends frames."""

    def __init__(self, websocket: WebSocket, executor: ThreadPoolExecutor):
        self.websocket, self.executor = websocket, executor
        self.session: Session | None = None
        self.lock = asyncio.Lock()   # one call into the session at a time
        self.playing = False
        self.play_task: asyncio.Task | None = None
        self.budget = _Budget(LIMITS["messages_per_second"])

    async def serve(self) -> None:
        self.session = await self._run(Session)
        await self._send({"type": "hello", "version": __version__, "limits": LIMITS, "defaults": DEFAULTS,
                          "activations": ACTIVATIONS, "optimizers": OPTIMIZERS, "learning_rates": LEARNING_RATES,
                          "regularizations": REGULARIZATIONS, "classification": data.CLASSIFICATION,
                          "regression": data.REGRESSION, "features": data.FEATURES,
                          "previews": _PREVIEWS})
        await self._send_restart()
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if not self.budget.take():
                await self._error(f"too many messages: a tab may send at most {LIMITS['messages_per_second']} a "
                                  f"second on average; this one was ignored")
                continue
            text = message.get("text")
            if text is None:
                await self._error("messages must be JSON text, not binary data")
                continue
            try:
                await self.handle(text)
            except SetupError as exc:
                await self._error(str(exc))
            except (ValueError, TypeError, RuntimeError, ArithmeticError, OSError) as exc:
                # a request the checks let through but glassnet refused: say so, keep serving
                await self._error(f"the server could not do that: {exc}")

    async def handle(self, text: str) -> None:
        """Check one message and act on it (a refused one raises SetupError and changes nothing)."""
        kind, fields = _parse(text)
        if kind == "play":
            if not self.playing and self.session.status == "ready":
                self.playing = True
                self.play_task = asyncio.create_task(self._play())
            await self._send(await self._frame(findings=False))
            return
        await self._pause()   # every other message stops the play loop first
        if kind == "pause":
            await self._send(await self._frame(findings=True))
        elif kind == "step":
            await self._run(self.session.step)
            await self._send(await self._frame(findings=True))
        elif kind in ("reset", "regenerate", "setup"):
            restarted = True
            if kind == "reset":
                await self._run(self.session.reset)
            elif kind == "regenerate":
                await self._run(self.session.regenerate)
            else:
                restarted = await self._run(self.session.configure, fields["setup"])
            if restarted:
                await self._send_restart()
            else:
                await self._send({"type": "setup", "setup": self.session.setup})
        elif kind == "upload":
            await self._run(self.session.load_csv, fields.get("csv"), fields.get("name", "upload.csv"))
            await self._send_restart()
        elif kind == "explain":
            await self._send({"type": "explain", "text": await self._run(self.session.explain)})
        elif kind == "download":
            what = fields.get("what")
            if what == "model":
                payload, name, mime = await self._run(self.session.model_bytes), "playground-model.safetensors", \
                    "application/octet-stream"
            elif what == "script":
                payload, name, mime = (await self._run(self.session.script)).encode(), "playground_run.py", \
                    "text/x-python"
            else:
                raise SetupError(f"download's 'what' must be 'model' or 'script', received {what!r}")
            await self._send({"type": "download", "filename": name, "mime": mime,
                              "base64": base64.b64encode(payload).decode("ascii")})

    async def stop(self) -> None:
        """The tab closed: its training stops (the play loop ends; the worker finishes at most one epoch)."""
        self.playing = False
        if self.play_task is not None:
            self.play_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.play_task

    # --- the play loop -------------------------------------------------------------------------------------
    async def _play(self) -> None:
        interval = 1 / LIMITS["fps"]
        last_findings = 0.0
        while self.playing:
            started = time.monotonic()
            findings = started - last_findings >= FINDINGS_EVERY
            frame = await self._run(self._tick, interval * 0.6, findings)
            if findings:
                last_findings = started
            if frame["status"] != "ready":
                self.playing = False
                frame["playing"] = False
                if "findings" not in frame:
                    frame.update(await self._frame(findings=True))
            try:
                await self._send(frame)
            except Exception:       # the tab went away mid-send: stop quietly, the socket's handler cleans up
                self.playing = False
                return
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    def _tick(self, budget: float, findings: bool) -> dict:
        """In the worker: epochs for up to ``budget`` seconds (at least one), then a frame."""
        session, start = self.session, time.perf_counter()
        while session.step() and time.perf_counter() - start < budget:
            pass
        frame = session.frame(findings=findings)
        frame["playing"] = self.playing
        return frame

    async def _pause(self) -> None:
        if self.play_task is not None:
            self.playing = False
            await self.play_task
            self.play_task = None

    # --- talking -----------------------------------------------------------------------------------------------
    async def _run(self, function, *args):
        """Call into the session in the worker thread, one call at a time."""
        async with self.lock:
            return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def _frame(self, findings: bool) -> dict:
        frame = await self._run(self.session.frame, findings)
        frame["playing"] = self.playing
        return frame

    async def _send_restart(self) -> None:
        await self._send(await self._run(self.session.data_frame))
        await self._send(await self._frame(findings=True))

    async def _send(self, frame: dict) -> None:
        await self.websocket.send_text(json.dumps(frame, allow_nan=False, separators=(",", ":")))

    async def _error(self, message: str) -> None:
        await self._send({"type": "error", "message": message})


class _Budget:
    """A token bucket: ``rate`` messages a second on average, bursts of up to twice as many."""

    def __init__(self, rate: float, clock=time.monotonic):
        self.rate, self.capacity, self.clock = rate, 2 * rate, clock
        self.tokens, self.last = self.capacity, clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def _parse(text: str) -> tuple[str, dict]:
    """A message's type and fields, or SetupError saying what is wrong with it."""
    size = len(text.encode("utf-8"))
    if size > LIMITS["message_bytes"]:
        raise SetupError(f"the message is {size} bytes; the playground accepts messages of at most "
                         f"{LIMITS['message_bytes']} bytes")
    try:
        message = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise SetupError(f"the message is not valid JSON ({str(exc)[:120]})") from None
    if not isinstance(message, dict):
        raise SetupError("a message must be a JSON object with a 'type'")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in MESSAGES:
        raise SetupError(f"unknown message type {kind!r}; the types are {', '.join(MESSAGES)}")
    fields = {k: v for k, v in message.items() if k != "type"}
    unknown = sorted(set(fields) - set(MESSAGES[kind]))
    if unknown:
        allowed = ", ".join(MESSAGES[kind]) or "none"
        raise SetupError(f"a {kind!r} message has no field {unknown[0]!r} (its fields: {allowed})")
    if kind == "setup" and "setup" not in fields:
        raise SetupError("a 'setup' message needs its 'setup' object")
    if kind == "upload" and "csv" not in fields:
        raise SetupError("an 'upload' message needs its 'csv' text")
    return kind, fields


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number the playground accepts")


def _refusal(websocket: WebSocket, allowed_hosts) -> str:
    """Why a websocket is refused ("" if it is not): its Host must be allowed and its Origin the page's own."""
    host = websocket.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1:host.find("]")]
    if allowed_hosts is not None and name not in allowed_hosts:
        return f"host {host!r} is not this playground's"
    origin = websocket.headers.get("origin")
    if origin != f"http://{host}":
        return "the connection does not come from the playground's own page"
    return ""
