"""`pyk8s cluster shell` under a real pseudo-terminal, against daphne and the terminal relay
(real processes), with the fake kind and the fake docker CLI running a real shell."""

import contextlib
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.cli.test_full_stack import login
from tests.clusters.terminal import new_host_name, running_cluster

pytestmark = pytest.mark.stack

PYK8S = str(Path(sys.executable).parent / "pyk8s")


@pytest.fixture
def _fast_password_hashing():
    """The server processes only know the production hashers: keep them here too."""


def set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Shell:
    """`pyk8s cluster shell NAME` on the slave side of a new pty; this test types on the
    master side, like a user at a terminal."""

    def __init__(self, name: str, env: dict[str, str] | None = None) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the CLI, on a 25x81 terminal
            set_size(0, 25, 81)
            os.execve(PYK8S, [PYK8S, "cluster", "shell", name], env or dict(os.environ))  # noqa: S606
        self.output = b""

    def expect(self, pattern: bytes, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.output):
            left = deadline - time.monotonic()
            assert left > 0, f"no {pattern!r} in {self.output[-500:]!r}"
            if select.select([self.fd], [], [], left)[0]:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:  # the CLI exited and closed the terminal
                    assert re.search(pattern, self.output), self.output[-500:]
                    return

    def type(self, text: bytes) -> None:
        os.write(self.fd, text)

    def exit_code(self, timeout: float = 20) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            if select.select([self.fd], [], [], 0.1)[0]:
                with contextlib.suppress(OSError):  # closed: the CLI exited
                    self.output += os.read(self.fd, 65536)
        os.kill(self.pid, 9)
        raise AssertionError(f"pyk8s did not exit: {self.output[-500:]!r}")

    def cooked(self) -> bool:
        """The terminal is back as the user had it: line editing and echo."""
        lflag = termios.tcgetattr(self.fd)[3]
        return bool(lflag & termios.ICANON and lflag & termios.ECHO)


@pytest.fixture
def terminal_stack(stack, fake_kind, fake_terminal_docker, run, user):
    host = new_host_name()
    image = {"PYK8S_TERMINAL_IMAGE": "pyk8s-terminal:test"}
    stack.start_terminal_relay(
        host,
        PYK8S_KIND_BINARY=fake_kind.binary,
        PYK8S_DOCKER_BINARY=fake_terminal_docker.binary,
        **image,
    )
    stack.start_web(**image)
    login(run, stack.web_url, user)
    return running_cluster(fake_kind, host_name=host, owner=user, name="lab")


def test_a_shell_in_the_users_own_terminal(terminal_stack, stack):
    shell = Shell("lab")
    try:
        shell.expect(rb"[#$] ")  # the remote shell's prompt: typing before it would be lost
        shell.type(b"stty size\n")
        shell.expect(rb"25 81")
        set_size(shell.fd, 30, 100)  # the window grows: the CLI gets SIGWINCH
        time.sleep(0.3)
        shell.type(b"stty size\n")
        shell.expect(rb"30 100")
        assert not shell.cooked()  # raw: keys go to the remote shell as typed
        shell.type(b"exit 3\n")
        assert shell.exit_code() == 3, stack.logs()
        assert shell.cooked()
    finally:
        os.close(shell.fd)


def test_a_deployment_without_a_terminal_says_so(stack, fake_kind, run, user):
    stack.start_web(PYK8S_TERMINAL_IMAGE="")
    login(run, stack.web_url, user)
    running_cluster(fake_kind, host_name=new_host_name(), owner=user, name="lab")
    shell = Shell("lab")
    try:
        assert shell.exit_code() == 1
        assert b"the terminal is not available on this deployment: no terminal image" in (
            shell.output
        )
        assert b"Traceback" not in shell.output
        assert shell.cooked()
    finally:
        os.close(shell.fd)
