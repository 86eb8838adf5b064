"""Private servers and real worker processes for the fault-injection suite.

Everything here is started on free ports in a temporary folder and stopped afterwards:
the suite never touches the shared PostgreSQL or Redis. Faults are real: SIGKILL,
SIGSTOP, a stopped or flushed Redis, a restarted PostgreSQL.
"""

from __future__ import annotations

import email
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def eventually(check: Callable[[], object], *, timeout: float = 90.0, every: float = 0.5,
               between: Callable[[], None] | None = None, what: str = "condition"):
    """Poll ``check`` until it returns something true; run ``between`` after each miss.

    The deadline is generous: it bounds a hang, it does not measure speed.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        if between is not None:
            between()
        time.sleep(every)


class PrivateRedis:
    """A redis-server of our own, on a free port, that we may stop, flush and freeze."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        eventually(self._answers, timeout=20, every=0.1, what="redis-server start")

    def _answers(self) -> bool:
        from redis import Redis
        from redis.exceptions import RedisError

        try:
            return Redis.from_url(self.url, socket_timeout=1).ping()
        except RedisError:
            return False

    def client(self):
        from redis import Redis

        return Redis.from_url(self.url, socket_timeout=5)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def flush(self) -> None:
        self.client().flushall()

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)


class SmtpSink:
    """A minimal SMTP server that keeps every message it accepts.

    ``tarpit`` connections are accepted and then left hanging (no greeting), so that
    a job sending mail is stuck mid-send until it is killed.
    """

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.tarpit = 0
        self.hanging = threading.Event()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                if sink.tarpit > 0:
                    sink.tarpit -= 1
                    sink.hanging.set()
                    while self.rfile.read(1):  # until the client dies or gives up
                        pass
                    return
                self._reply("220 sink ESMTP")
                data = None
                for raw in self.rfile:
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    verb = line[:4].upper()
                    if data is not None:
                        if line == ".":
                            sink.messages.append(email.message_from_bytes(b"".join(data)))
                            data = None
                            self._reply("250 queued")
                        else:
                            data.append(raw[1:] if raw.startswith(b"..") else raw)
                    elif verb in ("EHLO", "HELO"):
                        self._reply("250 sink")
                    elif verb == "DATA":
                        data = []
                        self._reply("354 go on")
                    elif verb == "QUIT":
                        self._reply("221 bye")
                        return
                    else:
                        self._reply("250 ok")

            def _reply(self, text: str) -> None:
                self.wfile.write(text.encode() + b"\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address: str) -> list[email.message.Message]:
        """Messages accepted for ``address``."""
        return [m for m in self.messages if m["To"] == address]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Processes:
    """``coopfed`` commands run as real processes, with the rig's settings."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env = env
        self.logs = logs
        self.running: list[subprocess.Popen] = []
        self.started = 0

    def start(self, *args: str, **settings) -> subprocess.Popen:
        """Start ``coopfed *args``; ``settings`` (``WORKER_TTL=30``) for this process only."""
        self.started += 1
        env = {**self.env, **{f"COOPFED_{k}": str(v) for k, v in settings.items()}}
        path = self.logs / f"{args[0]}-{self.started}.log"
        with open(path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", "from federation.cli import main; main()", *args],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        process.log_path = path
        self.running.append(process)
        return process

    @staticmethod
    def log_of(process: subprocess.Popen) -> str:
        """What one process has written so far (``log_tail`` holds every process's)."""
        return process.log_path.read_text(errors="replace")

    def run(self, *args: str) -> subprocess.CompletedProcess:
        """Run a ``coopfed`` command to its end."""
        return subprocess.run([sys.executable, "-c", "from federation.cli import main; main()",
                               *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
                              timeout=300)

    @staticmethod
    def children(pid: int) -> list[int]:
        """Processes whose parent is ``pid`` (an RQ worker's work horse)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
        return found

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                for child in self.children(process.pid):
                    with _quiet():
                        os.kill(child, signal.SIGKILL)
                process.kill()
                process.wait(10)
        self.running = []

    def log_tail(self, lines: int = 40) -> str:
        texts = []
        for path in sorted(self.logs.glob("*.log")):
            texts.append(f"== {path.name}\n" + "\n".join(
                path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(texts)


class _quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(exc[0], OSError)


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in a temporary folder) that we may restart."""

    def __init__(self):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise FileNotFoundError("no PostgreSQL binaries under /usr/lib/postgresql")
        self.bin = bins[-1]
        # Not under pytest's private tmp folder: the server runs as the postgres user.
        folder = Path(tempfile.mkdtemp(prefix="coopfed-faults-pg-"))
        folder.chmod(0o755)
        self.data = folder / "pgdata"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, timeout=120,
                       **self._as_postgres())

    @staticmethod
    def _as_postgres() -> dict:
        if os.geteuid() != 0:
            return {}
        import pwd

        user = pwd.getpwnam("postgres")
        return {"user": user.pw_uid, "group": user.pw_gid}

    def init(self) -> None:
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam("postgres")
            os.chown(self.data.parent, user.pw_uid, user.pw_gid)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-l",
                  str(self.data.parent / "pg.log"), "-o",
                  f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off", "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop")

    def remove(self) -> None:
        """Stop the server if it runs, and delete its folder."""
        subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60, **self._as_postgres())
        shutil.rmtree(self.data.parent, ignore_errors=True)

    def restart(self) -> None:
        """Stop (fast: clients are cut off) and start again on the same port."""
        self.stop()
        self.start()
