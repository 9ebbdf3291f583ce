"""The sandbox server around a fake: state kept across restarts, no request log."""

import socket

import pytest
import requests

from sandbox.registry import SANDBOXES
from sandbox.server import sandbox_class
from sandbox.services import SandboxDown, sandboxes_start

META = next(s for s in SANDBOXES if "instagram" in s.platforms)


def _token(server) -> str:
    server.tokens.add("EAAsandbox-token")  # as the fake's token endpoint would
    return "EAAsandbox-token"


def test_a_restarted_sandbox_still_knows_its_tokens_and_posts(tmp_path):
    state = tmp_path / "instagram.pickle"
    first = sandbox_class(META)(state_file=state).start()
    token = _token(first)
    me = requests.get(f"{first.url}/v25.0/me", params={"access_token": token}, timeout=5)
    assert me.status_code == 200  # a request saves the state
    created = requests.post(
        f"{first.url}/v25.0/{first.pages[0]['ig']['id']}/media",
        data={"image_url": "http://127.0.0.1:8000/media/a.jpg?e=1&s=x", "access_token": token},
        timeout=5,
    )
    assert created.status_code == 200, created.text  # a local media URL is fine in the sandbox
    first.stop()

    second = sandbox_class(META)(state_file=state).start()
    try:
        me = requests.get(f"{second.url}/v25.0/me", params={"access_token": token}, timeout=5)
        assert me.status_code == 200, me.text
        assert created.json()["id"] in second.containers
        assert second.requests == []  # the sandbox keeps no request log (uploads included)
    finally:
        second.stop()


def test_an_unreadable_state_file_starts_afresh(tmp_path):
    state = tmp_path / "instagram.pickle"
    state.write_bytes(b"not a pickle")
    server = sandbox_class(META)(state_file=state)
    assert server.tokens == set()


def test_a_taken_port_is_named_with_the_fix(settings, db):
    settings.SOCIALDIST_SANDBOX = True
    settings.SOCIALDIST_SANDBOX_PLATFORMS = ["instagram", "facebook", "tiktok"]
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(SandboxDown, match=f"cannot listen on 127.0.0.1:{port} .*"
                           "Set SOCIALDIST_SANDBOX_PORT to another port."):  # fmt: skip
            sandboxes_start(port=port, persist=False)
    finally:
        taken.close()


def test_an_install_without_the_fakes_says_how_to_turn_the_sandbox_off():
    from sandbox.registry import Sandbox, SandboxUnavailable

    missing = Sandbox(0, "tests.fakes.nowhere.FakeNowhere", ("nowhere",))
    with pytest.raises(SandboxUnavailable, match="set SOCIALDIST_SANDBOX=0"):
        missing.fake_class()
