"""A fake platform server as a sandbox: the same fake, plus what a person needs in a browser.

- The OAuth authorize request shows a small "Sandbox <Platform> — Allow" page first; Allow sends
  the request on to the fake, which redirects back to the app's callback with a code.
- State (tokens, posts, media) is kept in a file under var/sandbox/, so restarting `make run`
  neither disconnects sandbox channels nor loses their posts' metrics.
- No request log: the suite's fakes record every request (uploads included) for assertions.
"""

import html
import itertools
import logging
import os
import pickle  # noqa: S403  (our own state file under var/, written by this module only)
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tests.fakes.server import Request, Response

logger = logging.getLogger("socialdist.sandbox")

ALLOW_PARAM = "sandbox_allow"
TIME_PASSES_PATH = "/_sandbox/time-passes"
# Runtime attributes, never saved: locks, sockets, threads, the request log, injected faults.
_VOLATILE = {"_lock", "_httpd", "_thread", "requests", "in_flight", "faults", "_ids"}


class SandboxMixin:
    """Mixed in before a FakeServer subclass by sandbox_class()."""

    def __init__(self, *args, url: str = "", state_file: Path | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sandbox_url = url
        self._state_file = state_file
        self._state_load()

    @property
    def url(self) -> str:
        # Settings address a sandbox before (and without) starting it: its fixed port.
        return super().url if getattr(self, "_httpd", None) else self._sandbox_url

    sandbox_time_passes = ""

    def handle(self, request: Request) -> Response:
        self.requests.clear()
        if _is_authorize(request) and request.query.get(ALLOW_PARAM) != "1":
            return _allow_page(request)
        if request.path == TIME_PASSES_PATH and request.method == "POST":
            if self.sandbox_time_passes:
                getattr(self, self.sandbox_time_passes)()
                self._state_save()
            return Response(200, {"ok": True})
        response = super().handle(request)
        self._state_save()
        return response

    # state -------------------------------------------------------------------------------------
    _mixin_keys = {"_sandbox_url", "_state_file"}

    def _state_save(self) -> None:
        if not self._state_file:
            return
        state = {
            k: v
            for k, v in self.__dict__.items()
            if k not in _VOLATILE and k not in self._mixin_keys
        }
        if "_ids" in self.__dict__:  # an itertools.count: keep where it got to
            state["_ids_next"] = next(self._ids)
            self._ids = itertools.count(state["_ids_next"] + 1)
        self._state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._state_file.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps(state))
        os.replace(temporary, self._state_file)

    def _state_load(self) -> None:
        if not self._state_file or not self._state_file.is_file():
            return
        try:
            state = pickle.loads(self._state_file.read_bytes())  # noqa: S301  (our own file)
        except Exception:  # a fake changed shape since: start afresh rather than not at all
            logger.warning("Sandbox state %s is unreadable; starting afresh.", self._state_file)
            return
        if "_ids_next" in state:
            self._ids = itertools.count(state.pop("_ids_next"))
        self.__dict__.update(state)


def sandbox_class(sandbox) -> type:
    """The registry entry's fake class with SandboxMixin in front."""
    fake_class = sandbox.fake_class()
    return type(
        f"Sandbox{fake_class.__name__}",
        (SandboxMixin, fake_class),
        {"sandbox_time_passes": sandbox.time_passes},
    )


def _is_authorize(request: Request) -> bool:
    # Every OAuth authorize dialog is a GET carrying redirect_uri and state; token calls POST.
    return request.method == "GET" and "redirect_uri" in request.query and "state" in request.query


def platform_label(redirect_uri: str) -> str:
    """The platform's proper name from the app's callback URL (/channels/callback/<slug>/)."""
    from channels.providers import platform_name

    parts = [p for p in urlsplit(redirect_uri).path.split("/") if p]
    return platform_name(parts[-1]) if parts else "platform"


def _allow_page(request: Request) -> Response:
    name = html.escape(platform_label(request.query["redirect_uri"]))
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in request.query.items()
    )
    deny = html.escape(
        request.query["redirect_uri"]
        + "?"
        + urlencode({"error": "access_denied", "state": request.query["state"]})
    )
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Sandbox {name} — Allow</title>
<style>
body {{ font: 16px system-ui, sans-serif; background: #f3f0ff; margin: 0; padding: 2rem 1rem; }}
main {{ max-width: 28rem; margin: auto; background: #fff; border-radius: 10px; padding: 1.5rem;
        box-shadow: 0 2px 8px #0002; }}
.tag {{ display: inline-block; background: #7048e8; color: #fff; border-radius: 4px;
        padding: .1rem .5rem; font-size: .8rem; font-weight: 600; letter-spacing: .03em; }}
button {{ font: inherit; background: #7048e8; color: #fff; border: 0; border-radius: 6px;
          padding: .6rem 1.4rem; cursor: pointer; }}
a {{ margin-left: 1rem; color: #555; }}
</style></head>
<body><main>
<span class="tag">SANDBOX</span>
<h1>Sandbox {name} — Allow</h1>
<p>socialdist asks to publish to this sandbox {name} account and to read its metrics.</p>
<p>This is not {name}: it is a fake {name} running on this machine for trying socialdist. Nothing
is posted anywhere.</p>
<form method="get" action="">{fields}<input type="hidden" name="{ALLOW_PARAM}" value="1">
<button type="submit">Allow</button><a href="{deny}">Cancel</a></form>
</main></body></html>"""
    return Response(200, body, {"Content-Type": "text/html; charset=utf-8"})
