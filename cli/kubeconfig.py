"""Merging a cluster's kubeconfig into the user's, and taking it out again.

Files are chosen like kubectl does: $KUBECONFIG is a list of files (default
~/.kube/config); an entry is changed in the file that defines it, a new one goes to the
first file that exists, or to the last one when none does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli.errors import CliError
from cli.files import write_private_file

SECTIONS = ("clusters", "contexts", "users")
# kubectl runs these on the user's machine to get credentials. A kind cluster never needs one,
# so a kubeconfig that has one came from a compromised or hostile server.
COMMAND_RUNNING_CREDENTIALS = ("exec", "auth-provider")


@dataclass(frozen=True)
class Merged:
    path: Path
    context: str
    previous_context: str


def context_name(cluster_name: str) -> str:
    return f"pyk8s-{cluster_name}"


def kubeconfig_files() -> list[Path]:
    chain = [part for part in os.environ.get("KUBECONFIG", "").split(os.pathsep) if part]
    return [Path(part).expanduser() for part in chain] or [Path.home() / ".kube" / "config"]


def check_runs_no_command(kubeconfig_text: str) -> None:
    """Refuse a kubeconfig from the server whose credentials would run a program here."""
    config = _parse(kubeconfig_text, "The kubeconfig from the server")
    for entry in config.get("users") or []:
        user = entry.get("user") if isinstance(entry, dict) else None
        for key in COMMAND_RUNNING_CREDENTIALS:
            if isinstance(user, dict) and key in user:
                raise CliError(
                    f"The kubeconfig from the server has user {entry.get('name')!r} with "
                    f"{key!r}, which would run a program on this machine at your next kubectl "
                    "command; PyK8s-Lab never sends one, so the server may be compromised. "
                    "Nothing was written."
                )


def merge(cluster_name: str, kubeconfig_text: str) -> Merged:
    """Add the cluster as context pyk8s-<name> and make it the current context."""
    import yaml

    name = context_name(cluster_name)
    new = _parse(kubeconfig_text, "The kubeconfig from the server")
    context = _current_context(new)
    cluster = _entry(new, "clusters", context["context"]["cluster"])
    user = _entry(new, "users", context["context"]["user"])

    path = _file_defining(name) or _first_existing() or kubeconfig_files()[-1]
    config = {"apiVersion": "v1", "kind": "Config", **_load(path)}
    previous = str(config.get("current-context") or "")
    for section, entry in (
        ("clusters", {"name": name, "cluster": cluster["cluster"]}),
        ("users", {"name": name, "user": user["user"]}),
        ("contexts", {"name": name, "context": {"cluster": name, "user": name}}),
    ):
        config[section] = [*_without(config, section, name), entry]
    config["current-context"] = name
    write_private_file(path, yaml.safe_dump(config, sort_keys=False))
    return Merged(path=path, context=name, previous_context=previous)


def remove(cluster_name: str) -> Path | None:
    """Take context pyk8s-<name> (and its cluster and user) out; the file changed, if any.

    A current context pointing at it is unset, as `kind delete cluster` does."""
    import yaml

    name = context_name(cluster_name)
    path = _file_defining(name)
    if path is None:
        return None
    config = _load(path)
    for section in SECTIONS:
        config[section] = _without(config, section, name)
    if config.get("current-context") == name:
        config["current-context"] = ""
    write_private_file(path, yaml.safe_dump(config, sort_keys=False))
    return path


def _file_defining(context: str) -> Path | None:
    for path in kubeconfig_files():
        if path.exists() and any(
            entry.get("name") == context for entry in _load(path).get("contexts") or []
        ):
            return path
    return None


def _first_existing() -> Path | None:
    return next((path for path in kubeconfig_files() if path.exists()), None)


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CliError(f"Cannot read the kubeconfig {path}: {exc.strerror}.") from exc
    return _parse(text, f"The kubeconfig {path}")


def _parse(text: str, source: str) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CliError(f"{source} is not valid YAML; nothing was changed.") from exc
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(
        isinstance(data.get(section) or [], list) for section in SECTIONS
    ):
        raise CliError(f"{source} is not a kubeconfig; nothing was changed.")
    return data


def _current_context(config: dict[str, Any]) -> dict[str, Any]:
    contexts = config.get("contexts") or []
    current = config.get("current-context")
    for context in contexts:
        if context.get("name") == current:
            return dict(context)
    if contexts:
        return dict(contexts[0])
    raise CliError("The kubeconfig from the server has no context; nothing was changed.")


def _entry(config: dict[str, Any], section: str, name: str) -> dict[str, Any]:
    for entry in config.get(section) or []:
        if entry.get("name") == name:
            return dict(entry)
    raise CliError(f"The kubeconfig from the server has no {section} entry {name!r}.")


def _without(config: dict[str, Any], section: str, name: str) -> list[Any]:
    return [entry for entry in config.get(section) or [] if entry.get("name") != name]
