import click


@click.command(short_help="Print a shell completion script.")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL; commands, options and your cluster names
    then complete with TAB.

    \b
    bash: add to ~/.bashrc   eval "$(pyk8s completion bash)"
    zsh:  add to ~/.zshrc    eval "$(pyk8s completion zsh)"
    fish: run once           pyk8s completion fish > ~/.config/fish/completions/pyk8s.fish
    """
    from click.shell_completion import get_completion_class

    completion_class = get_completion_class(shell)
    if completion_class is None:  # click.Choice has already refused anything else
        raise click.BadParameter(f"unsupported shell {shell!r}")
    root = ctx.find_root().command
    click.echo(completion_class(root, {}, "pyk8s", "_PYK8S_COMPLETE").source())
