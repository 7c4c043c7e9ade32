def test_it_exits_5_with_one_line_when_the_server_is_down(run, unreachable_url, user):
    result = run(
        "auth",
        "login",
        "--api-url",
        unreachable_url,
        "--email",
        user.email,
        "--password-stdin",
        input="whatever\n",
    )

    assert result.exit_code == 5
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: Cannot reach the PyK8s-Lab API at {unreachable_url} (")
    assert "Is the server running?" in result.stderr


def test_it_explains_a_server_that_is_not_the_api(run, live_server, user):
    result = run(
        "auth",
        "login",
        "--api-url",
        f"{live_server.url}/nothing-here",
        "--email",
        user.email,
        "--password-stdin",
        input="whatever\n",
    )

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "is " + live_server.url + "/nothing-here a PyK8s-Lab API?" in result.stderr
