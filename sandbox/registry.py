"""Sandbox platforms: the test suite's fake servers, served on fixed local ports for `make run`.

One line per fake server in SANDBOXES: its port offset from SOCIALDIST_SANDBOX_PORT (default
8701), the dotted path of the FakeServer subclass in tests/fakes/, the platform slugs it plays,
and optionally the fake's method that stands for time passing there (a creator posting the drafts
sent to their inbox), which `manage.py sandbox_metrics` calls.
Adding a platform's sandbox once its fake exists is one line here.

This module is imported by socialdist/settings.py (only when sandbox mode is on), so it imports
nothing from Django apps: the fake classes are loaded by dotted path, lazily.
Sandbox mode only exists with DEBUG on, in a source checkout, where tests/fakes/ is present; the
fakes stay in tests/fakes/ (one copy, shared with the suite and with the engineers adding new ones).
"""

import importlib
from dataclasses import dataclass


class SandboxUnavailable(ImportError):
    pass


@dataclass(frozen=True)
class Sandbox:
    port_offset: int
    fake: str  # "package.module.ClassName", a tests.fakes.server.FakeServer subclass
    platforms: tuple[str, ...]
    time_passes: str = ""  # a method of the fake, called with no arguments

    def fake_class(self) -> type:
        module, _, name = self.fake.rpartition(".")
        try:
            return getattr(importlib.import_module(module), name)
        except ImportError as exc:  # an install without tests/ (a trimmed image) that has DEBUG on
            raise SandboxUnavailable(
                f"Sandbox mode serves the fake platforms of tests/fakes/, which this installation "
                f"lacks ({exc}); set SOCIALDIST_SANDBOX=0, or run from a full source checkout."
            ) from None


SANDBOXES: list[Sandbox] = [
    Sandbox(0, "tests.fakes.instagram.FakeInstagram", ("instagram", "facebook")),
    Sandbox(1, "tests.fakes.tiktok.FakeTikTok", ("tiktok",), time_passes="user_posts_drafts"),
    Sandbox(2, "tests.fakes.youtube.FakeYouTube", ("youtube",)),
    Sandbox(3, "tests.fakes.x.FakeX", ("x",)),
    Sandbox(4, "tests.fakes.linkedin.FakeLinkedIn", ("linkedin",)),
]


@dataclass
class Wiring:
    """What settings need to point the providers at the sandbox servers."""

    rewrites: list[tuple[str, str]]
    credentials: dict[str, dict[str, str]]
    platforms: list[str]
    urls: dict[str, str]  # Sandbox.fake -> where it serves


def sandboxes_for(real: set[str]) -> list[Sandbox]:
    """The sandboxes to serve: a fake whose platforms all lack real credentials (a fake that
    plays two platforms shares their origins, so one real platform keeps both real)."""
    return [s for s in SANDBOXES if not set(s.platforms) & real]


def wiring(fakes: list[tuple[Sandbox, object]]) -> Wiring:
    """Rewrites and client credentials from fake instances (started or only addressed)."""
    result = Wiring(rewrites=[], credentials={}, platforms=[], urls={})
    for sandbox, fake in fakes:
        result.urls[sandbox.fake] = fake.url
        for pair in fake.rewrites.split(","):
            origin, replacement = pair.split("=", 1)
            result.rewrites.append((origin.rstrip("/"), replacement.rstrip("/")))
        # Fakes name the client id as their platform does (Meta client_id, TikTok client_key).
        client_id = getattr(fake, "client_id", None) or getattr(fake, "client_key", "")
        for platform in sandbox.platforms:
            result.credentials[platform] = {
                "client_id": client_id,
                "client_secret": getattr(fake, "client_secret", ""),
            }
            result.platforms.append(platform)
    return result


def settings_wiring(*, port: int, real: set[str]) -> Wiring:
    """For socialdist/settings.py: the sandboxes at their fixed ports, nothing started."""
    from sandbox.server import sandbox_class

    return wiring(
        [
            (s, sandbox_class(s)(url=f"http://127.0.0.1:{port + s.port_offset}"))
            for s in sandboxes_for(real)
        ]
    )
