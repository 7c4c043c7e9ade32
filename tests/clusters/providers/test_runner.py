import ast
import os
import sys
import textwrap
import time

import pytest

from clusters.providers import runner
from clusters.providers.runner import CommandNotFound, run_command


def python_script(tmp_path, body: str) -> list[str]:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(body))
    return [sys.executable, str(script)]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as stat:
            # A zombie is dead for our purposes: it runs nothing and only awaits reaping.
            return stat.read().split()[2] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def gone_soon(pid: int) -> bool:
    """SIGKILL is asynchronous: give the kernel a moment to finish the process."""
    deadline = time.monotonic() + 2
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_it_delivers_lines_as_they_arrive(tmp_path):
    argv = python_script(
        tmp_path,
        """
        import sys, time
        for i in range(3):
            print(f"step {i}", flush=True)
            time.sleep(0.3)
        """,
    )
    arrivals = []
    result = run_command(
        argv, timeout=10, on_line=lambda line: arrivals.append((time.monotonic(), line))
    )
    assert result.ok
    assert [line for _, line in arrivals] == ["step 0", "step 1", "step 2"]
    assert arrivals[2][0] - arrivals[0][0] > 0.4  # streamed, not delivered at exit


def test_it_merges_stderr_in_order(tmp_path):
    argv = python_script(
        tmp_path,
        """
        import sys
        print("out", flush=True)
        print("err", file=sys.stderr, flush=True)
        sys.exit(3)
        """,
    )
    result = run_command(argv, timeout=10)
    assert result.exit_code == 3
    assert result.lines == ["out", "err"]


def test_it_keeps_stdout_apart_when_asked(tmp_path):
    argv = python_script(
        tmp_path,
        """
        import sys
        print("warning: noise", file=sys.stderr, flush=True)
        print("x" * 5000, flush=True)
        """,
    )
    result = run_command(argv, timeout=10, split_stderr=True, max_line_chars=10**6)
    assert result.lines == ["x" * 5000]
    assert "warning: noise" in result.stderr


def test_it_passes_only_allowlisted_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "must-not-leak")
    monkeypatch.setenv("DOCKER_HOST", "tcp://docker.example:2376")
    argv = python_script(
        tmp_path,
        """
        import os
        print(sorted(os.environ))
        print(os.environ.get("SECRET_KEY"), os.environ.get("DOCKER_HOST"))
        """,
    )
    result = run_command(argv, timeout=10)
    assert result.lines[1] == "None tcp://docker.example:2376"
    assert set(ast.literal_eval(result.lines[0])) <= set(runner.ENV_ALLOWLIST) | {"LC_CTYPE"}


def test_it_bounds_captured_output(tmp_path):
    argv = python_script(
        tmp_path,
        f"""
        for i in range({runner.MAX_LINES + 50}):
            print(i)
        print("y" * {runner.MAX_LINE_CHARS * 2})
        """,
    )
    result = run_command(argv, timeout=10)
    assert len(result.lines) == runner.MAX_LINES
    assert len(result.lines[-1]) == runner.MAX_LINE_CHARS


def test_it_kills_the_whole_process_group_at_the_timeout(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    argv = python_script(
        tmp_path,
        f"""
        import signal, subprocess, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a stubborn child: needs SIGKILL
        child = subprocess.Popen(["sleep", "300"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        print("hanging", flush=True)
        time.sleep(300)
        """,
    )
    started = time.monotonic()
    result = run_command(argv, timeout=1)
    assert result.timed_out
    assert result.lines == ["hanging"]
    assert time.monotonic() - started < 1 + runner.KILL_GRACE_SECONDS + 2
    grandchild = int(pid_file.read_text())
    assert gone_soon(grandchild)


def test_it_reaps_what_the_command_left_running(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    argv = python_script(
        tmp_path,
        f"""
        import subprocess
        child = subprocess.Popen(["sleep", "300"], stdout=subprocess.DEVNULL)
        open({str(pid_file)!r}, "w").write(str(child.pid))
        """,
    )
    result = run_command(argv, timeout=10)
    assert result.ok
    assert gone_soon(int(pid_file.read_text()))


def test_a_missing_binary_is_a_clear_error(tmp_path):
    with pytest.raises(CommandNotFound, match="No such file"):
        run_command([str(tmp_path / "nope")], timeout=5)
