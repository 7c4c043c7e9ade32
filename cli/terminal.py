"""All output goes through here: results on stdout, diagnostics and errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

STATUS_STYLES = {
    "PROVISIONING": "yellow",
    "RUNNING": "green",
    "DELETING": "magenta",
    "DELETED": "bright_black",
    "ERROR": "red",
}


class Terminal:
    @property
    def stdout_is_terminal(self) -> bool:
        return sys.stdout.isatty()

    @property
    def stderr_is_terminal(self) -> bool:
        return sys.stderr.isatty()

    def display(self, text: str = "", *, newline: bool = True) -> None:
        click.echo(text, nl=newline)

    def display_success(self, text: str) -> None:
        click.secho(text, fg="green")

    def display_info(self, text: str) -> None:
        click.echo(text, err=True)

    def display_waiting(self, text: str) -> None:
        click.secho(text, dim=True, err=True)

    def display_warning(self, text: str) -> None:
        click.secho(f"Warning: {text}", fg="yellow", err=True)

    def display_error(self, text: str) -> None:
        click.secho(f"Error: {text}", fg="red", err=True)

    def display_pairs(self, pairs: Sequence[tuple[str, str]]) -> None:
        width = max(len(label) for label, _ in pairs) + 2
        for label, value in pairs:
            click.echo(f"{label}:".ljust(width) + value)

    def display_json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2))

    def display_for_scripts(self, output: str, data: Any, *, names: list[str]) -> bool:
        """Print `data` as -o json, yaml or name asked (`names`: what name prints), and say
        whether it did; for -o table, the caller prints its own lines."""
        if output == "json":
            self.display_json(data)
        elif output == "yaml":
            self.display_yaml(data)
        elif output == "name":
            for name in names:
                click.echo(name)
        return output != "table"

    def display_yaml(self, data: Any) -> None:
        import yaml

        click.echo(yaml.safe_dump(data, sort_keys=False), nl=False)

    def display_table(
        self, columns: Sequence[str], rows: Sequence[Sequence[str]], *, status_column: int = -1
    ) -> None:
        """A rich table on a terminal; plain, space-aligned columns (like kubectl) otherwise,
        so `| awk '{print $1}'` works."""
        if self.stdout_is_terminal:
            self._display_rich_table(columns, rows, status_column)
            return
        header = [column.upper().replace(" ", "_") for column in columns]
        widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
        for row in [header, *rows]:
            click.echo(
                "   ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )

    def _display_rich_table(
        self, columns: Sequence[str], rows: Sequence[Sequence[str]], status_column: int
    ) -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, header_style="bold", pad_edge=False)
        for column in columns:
            table.add_column(column.upper())
        for row in rows:
            cells = [Text(cell) for cell in row]
            if status_column >= 0:
                cells[status_column].stylize(STATUS_STYLES.get(row[status_column], ""))
            table.add_row(*cells)
        Console().print(table)
