"""A fake resolver: chosen host names answer chosen addresses; every other name resolves normally.

`dns.answer("hooks.test", "127.0.0.1", then="127.0.0.2")` answers the first lookup with 127.0.0.1
and every later one with 127.0.0.2 (a DNS-rebinding attacker); `dns.lookups` lists the names asked.
"""

import socket

_real_getaddrinfo = socket.getaddrinfo


class FakeDNS:
    def __init__(self) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []

    def answer(self, host: str, *addresses: str, then: str | tuple[str, ...] = ()) -> None:
        later = [then] if isinstance(then, str) else list(then)
        self.answers[host] = [list(addresses)] + ([later] if later else [])

    def getaddrinfo(self, host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        self.lookups.append(name)
        queue = self.answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        port = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    def install(self, monkeypatch) -> "FakeDNS":
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)
        return self
