"""`make demo` from a fresh clone while the machine is busy (issue 17).

Run it from the project folder::

    .venv/bin/python -m bench.demo_under_load                # 2 CPU burners per core
    .venv/bin/python -m bench.demo_under_load --burners 0    # an idle machine, to compare
    .venv/bin/python -m bench.demo_under_load --burners 0 --install   # while `make test`
                                                                 # runs: the real first hour

It clones the committed tree (``git clone``, so nothing of the working tree leaks in),
starts ``--burners`` processes that spin on the CPU, runs ``make demo PORT=<free>`` in the
clone with this virtualenv (``-o`` the install stamp: nothing is reinstalled), and stops
the clock when the demo serves its home page. With ``--install`` the clone's ``make demo``
does everything a newcomer's does: it creates its own virtualenv and installs into it.
It fails if the demo exits or never serves (the guard is a hang guard, not a target).
It prints the seed's progress lines as they come, the time, and the load average before
and after.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.prefix)  # this virtualenv
HANG_GUARD = 1800.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stamp() -> Path:
    stamps = sorted(VENV.glob(".installed-*"))
    if not stamps:
        raise SystemExit(f"{VENV} was not installed by make (no .installed-* stamp)")
    return stamps[-1]


def _burn(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(count)]


def run(burners: int, install: bool = False) -> float:
    """Seconds from `make demo` to the home page being served."""
    with tempfile.TemporaryDirectory(prefix="coopfed-demo-bench-") as scratch:
        clone = Path(scratch) / "coopfed"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        port = _free_port()
        env = {k: v for k, v in os.environ.items()
               if k not in ("COOPFED_DATABASE_URL", "COOPFED_REDIS_URL", "COOPFED_PUBLIC_URL")}
        env.update(PYTHONPATH=str(clone), COOPFED_INSTANCE_PATH=str(clone / "instance"))
        log_path = Path(scratch) / "demo.log"
        spinning = _burn(burners)
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        with log_path.open("w") as log:
            command = ["make", "-C", str(clone), "demo", f"PORT={port}"]
            if not install:
                command[3:3] = ["-o", str(_stamp())]
                command.append(f"VENV={VENV}")
            demo = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            shown = 0
            try:
                while True:
                    lines = log_path.read_text().splitlines()
                    for line in lines[shown:]:
                        if line.startswith("demo:"):
                            print(f"  {time.monotonic() - started:7.1f} s  {line}", flush=True)
                    shown = len(lines)
                    if demo.poll() is not None:
                        raise SystemExit(f"make demo exited ({demo.returncode}):\n"
                                         + "\n".join(lines[-40:]))
                    if time.monotonic() - started > HANG_GUARD:
                        raise SystemExit("make demo did not serve (hung?)")
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                            break
                    except OSError:
                        time.sleep(0.5)
                elapsed = time.monotonic() - started
            finally:
                os.killpg(demo.pid, 15)
                demo.wait(timeout=30)
                for process in spinning:
                    process.kill()
                    process.wait()
        checked = "federation" in subprocess.run(
            [sys.executable, "-c", "import federation; print(federation.__file__)"],
            env=env, capture_output=True, text=True, cwd=scratch).stdout.replace(
            str(ROOT), "")
        print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; "
              f"code from the clone: {checked}")
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burners", type=int, default=2 * (os.cpu_count() or 1),
                        help="CPU-spinning processes while the demo seeds")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--install", action="store_true",
                        help="let the clone's make create and install its own virtualenv")
    args = parser.parse_args()
    times = []
    for number in range(1, args.runs + 1):
        print(f"run {number}: make demo from a fresh clone, {args.burners} CPU burners, "
              f"{os.cpu_count()} cores")
        times.append(run(args.burners, args.install))
        print(f"run {number}: served after {times[-1]:.1f} s")
    times.sort()
    print(f"median {times[len(times) // 2]:.1f} s over {len(times)} run(s)")


if __name__ == "__main__":
    main()
