"""Run the gateway: `python -m gateway_service` (listens on HTTP_HOST:HTTP_PORT).

The same server as `uvicorn gateway_service.app:create_app --factory`, except that a stop asked by SIGTERM or
Ctrl-C ends with exit code 0 once the shutdown is done (uvicorn raises the signal again, which ends the process
with 143 or 130 however cleanly it stopped).
"""

import contextlib
import signal
from collections.abc import Iterator

import uvicorn

from .settings import load_settings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        original = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def main() -> None:
    settings = load_settings()
    config = uvicorn.Config(
        "gateway_service.app:create_app",
        factory=True,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,  # the app's own logging setup takes uvicorn's loggers
        timeout_graceful_shutdown=3,  # requests still open then are cut: a stop takes seconds, not minutes
    )
    Server(config).run()


if __name__ == "__main__":
    main()
