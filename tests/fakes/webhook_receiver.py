"""A local HTTP receiver that records webhook deliveries and can be told to fail."""

from tests.fakes.server import FakeServer, Request, Response


class WebhookReceiver(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.status = 200

    def handle(self, request: Request) -> Response:
        return Response(self.status, {"ok": self.status < 300})
