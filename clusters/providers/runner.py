"""The one place that runs external commands (kind, docker, and terminal sessions in a pty).

Every command gets an argv list (never a shell), an allowlisted environment (no secrets of
ours reach kind), its own process group (so a timeout kills kind and every docker child it
started), and bounded output delivered line by line as it arrives.
"""

import contextlib
import fcntl
import os
import selectors
import signal
import struct
import subprocess
import tempfile
import termios
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

# What kind and the docker CLI need to find their engine and binaries; nothing else passes.
ENV_ALLOWLIST = (
    "PATH",
    "HOME",
    "USER",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    "DOCKER_HOST",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
    "DOCKER_CONFIG",
    "DOCKER_CONTEXT",
    "KIND_EXPERIMENTAL_PROVIDER",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
)
MAX_LINES = 500
MAX_LINE_CHARS = 2000
KILL_GRACE_SECONDS = 5.0


class CommandNotFound(Exception):
    pass


@dataclass
class CommandResult:
    exit_code: int | None  # None when the command was killed at its timeout
    lines: list[str] = field(default_factory=list)  # the last MAX_LINES lines
    duration: float = 0.0
    stderr: str = ""  # only with split_stderr; otherwise stderr is interleaved in `lines`

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def output(self) -> str:
        return "\n".join([*self.lines, self.stderr])


def run_command(
    argv: Sequence[str],
    *,
    timeout: float,
    on_line: Callable[[str], None] | None = None,
    extra_env: dict[str, str] | None = None,
    split_stderr: bool = False,
    max_line_chars: int = MAX_LINE_CHARS,
) -> CommandResult:
    """Run argv to completion or `timeout`. With split_stderr, `lines` holds stdout only
    (for commands whose stdout is data, like `kind get kubeconfig`)."""
    env = {name: os.environ[name] for name in ENV_ALLOWLIST if name in os.environ}
    env.update(extra_env or {})
    started = time.monotonic()
    with tempfile.TemporaryFile() as stderr_file:
        try:
            process = subprocess.Popen(  # noqa: S603  (argv list, no shell)
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr_file if split_stderr else subprocess.STDOUT,
                env=env,
                start_new_session=True,  # its own process group, killed as a whole
            )
        except (FileNotFoundError, PermissionError) as exc:
            raise CommandNotFound(f"{argv[0]}: {exc.strerror}") from exc

        lines: deque[str] = deque(maxlen=MAX_LINES)
        keep = partial(_keep, lines=lines, on_line=on_line, max_chars=max_line_chars)
        timed_out = _pump_output(process, started + timeout, keep)
        if timed_out:
            _kill_group(process)
        else:
            # The command has exited; nothing it started may outlive it.
            _signal_group(process, signal.SIGKILL)
        exit_code = None if timed_out else process.wait()
        stderr_file.seek(0)
        stderr = stderr_file.read(MAX_LINES * 200).decode("utf-8", "replace")
    return CommandResult(exit_code, list(lines), time.monotonic() - started, stderr)


def _pump_output(
    process: subprocess.Popen[bytes], deadline: float, keep: Callable[[bytes], None]
) -> bool:
    """Read lines until the process exits; True when the deadline passed first."""
    fd = process.stdout.fileno()  # type: ignore[union-attr]
    os.set_blocking(fd, False)
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            if process.poll() is not None and not selector.select(timeout=0):
                break
            if not selector.select(timeout=min(remaining, 0.2)):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:  # EOF: every writer closed the pipe
                process.wait()
                break
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for raw in complete:
                keep(raw)
    if buffer:
        keep(buffer)
    return False


def _keep(
    raw: bytes,
    *,
    lines: deque[str],
    on_line: Callable[[str], None] | None,
    max_chars: int,
) -> None:
    line = raw.decode("utf-8", "replace").rstrip("\r")[:max_chars]
    lines.append(line)
    if on_line is not None:
        on_line(line)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    _signal_group(process, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=KILL_GRACE_SECONDS)
    _signal_group(process, signal.SIGKILL)
    process.wait()


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@dataclass
class PtyProcess:
    """A command on the slave side of a new pseudo-terminal; `fd` is the master side."""

    process: subprocess.Popen[bytes]
    fd: int

    @property
    def pid(self) -> int:
        return self.process.pid

    def resize(self, *, cols: int, rows: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        # The kernel signals the terminal's foreground group only when it is a controlling
        # terminal, which a Popen child's pty is not: the group is told directly.
        _signal_group(self.process, signal.SIGWINCH)

    def kill(self) -> int | None:
        """Kill the whole process group and close the master; the exit code (None: killed)."""
        _signal_group(self.process, signal.SIGKILL)
        code = self.process.wait()
        with contextlib.suppress(OSError):
            os.close(self.fd)
        return code if code >= 0 else None


def run_in_pty(
    argv: Sequence[str], *, cols: int, rows: int, extra_env: dict[str, str] | None = None
) -> PtyProcess:
    """Start argv with a pseudo-terminal as its stdin, stdout and stderr, in its own process
    group (killed as a whole), with the allowlisted environment plus `extra_env` (values
    passed this way stay out of argv, which every local user can read in `ps`)."""
    env = {name: os.environ[name] for name in ENV_ALLOWLIST if name in os.environ}
    env.update(extra_env or {})
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    try:
        process = subprocess.Popen(  # noqa: S603  (argv list, no shell)
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
    except (FileNotFoundError, PermissionError) as exc:
        os.close(master)
        raise CommandNotFound(f"{argv[0]}: {exc.strerror}") from exc
    finally:
        os.close(slave)
    os.set_blocking(master, False)
    return PtyProcess(process, master)
