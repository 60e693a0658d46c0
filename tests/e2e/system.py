"""Runs the whole system as `make run` does (deploy/local/run.sh), for end-to-end tests."""

import asyncio
import os
import signal
import socket
import subprocess
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningSystem:
    """`deploy/local/run.sh` in its own process group, on a free HTTP port."""

    def __init__(self, env: dict[str, str], state_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "HTTP_PORT": str(self.port), "PROFILEHUB_STATE_DIR": str(state_dir)}
        self.process: subprocess.Popen[bytes] | None = None
        self.state_dir = state_dir

    def start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        out = (self.state_dir / "run.out").open("ab")
        self.process = subprocess.Popen(
            [str(ROOT / "deploy/local/run.sh")],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def wait_healthy(self, timeout: float = 120.0) -> dict:  # type: ignore[type-arg]
        """Poll /health until it says ok; fail with the last answer and the logs' tails otherwise."""
        last: object = None
        async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
            for _ in range(int(timeout * 2)):
                assert self.process is not None and self.process.poll() is None, self.logs()
                try:
                    answer = await client.get("/health")
                    last = answer.json()
                    if answer.status_code == 200:
                        return answer.json()  # type: ignore[no-any-return]
                except httpx.HTTPError as exc:
                    last = repr(exc)
                await asyncio.sleep(0.5)
        raise AssertionError(f"system not healthy in {timeout}s; last /health: {last}\n{self.logs()}")

    def stop(self, timeout: float = 60.0) -> int:
        """Ctrl-C, as a user would; returns the exit code. Started from a shell in the background (`&`, nohup),
        the system inherits Ctrl-C ignored and cannot trap it: it is then stopped as a service manager would, by
        SIGTERM."""
        assert self.process is not None
        ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        os.kill(self.process.pid, signal.SIGTERM if ignored else signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise

    def logs(self) -> str:
        tails = []
        for log in sorted((self.state_dir / "logs").glob("*.log")):
            tails.append(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:]))
        return "\n".join(tails)

    def ops_ports(self) -> dict[str, int]:
        """The ops port (/metrics, /health/live, /health/ready) of each service process `make run` started."""
        lines = (self.state_dir / "ops-ports").read_text().split("\n")
        return {name: int(port) for name, port in (line.split() for line in lines if line.strip())}

    def supervisor_said(self) -> str:
        """What `make run` printed (restarts and the exit code of each service that stopped)."""
        return (self.state_dir / "run.out").read_text(errors="replace")

    def service_processes(self, service: str) -> list[psutil.Process]:
        """The running processes of one service (`make run` restarts a service that dies)."""
        assert self.process is not None
        children = psutil.Process(self.process.pid).children(recursive=True)
        return [p for p in children if _runs(p.cmdline(), service)]

    def group_alive(self) -> bool:
        assert self.process is not None
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True


def _runs(args: list[str], service: str) -> bool:
    """`faststream run <service>_service.app:…` or `python -m <service>_service`."""
    return f"{service}_service.app" in " ".join(args) or f"{service}_service" in (
        args[args.index("-m") + 1 :][:1] if "-m" in args else []
    )
