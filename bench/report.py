"""The markdown table of a run."""

from bench.harness import Figure


def markdown_table(figures: list[Figure], machine: str) -> str:
    lines = [
        f"Benchmarks on {machine}; each figure against a baseline measured in the same run.",
        "",
        "| figure | value | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for figure in figures:
        baseline = (
            f"{_number(figure.baseline)} ({figure.baseline_name})"
            if figure.baseline is not None
            else ""
        )
        ratio = f"{figure.ratio:.2f}" if figure.ratio is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[figure.met]
        lines.append(
            f"| {figure.name} | {_number(figure.value)} {figure.unit} | {baseline} | {ratio} "
            f"| {figure.target} | {met} |"
        )
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
