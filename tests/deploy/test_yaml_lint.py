"""Every hand-written deployment YAML file passes yamllint with deploy/yamllint.yaml."""

import pytest
from yamllint import linter  # type: ignore[import-untyped]
from yamllint.config import YamlLintConfig  # type: ignore[import-untyped]

from tests.deploy.chart import CHART, REPO

CONFIG = YamlLintConfig(file=str(REPO / "deploy" / "yamllint.yaml"))
YAML_FILES = sorted(
    [
        REPO / "compose.yaml",
        CHART / "Chart.yaml",
        CHART / "values.yaml",
        *CHART.glob("ci/*.yaml"),
        *(REPO / "deploy").glob("*.yaml"),
        *(REPO / ".github" / "workflows").glob("*.y*ml"),
    ]
)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda path: str(path.relative_to(REPO)))
def test_yaml_file_passes_yamllint(path):
    problems = [
        f"{path.relative_to(REPO)}:{p.line}:{p.column} {p.level} {p.desc} ({p.rule})"
        for p in linter.run(path.read_text(), CONFIG, str(path))
    ]
    assert problems == []


def test_yamllint_reports_bad_yaml():
    problems = list(linter.run("key: value\nkey: again\nlist: [a,b]   \n", CONFIG))
    assert {p.rule for p in problems} >= {"key-duplicates", "trailing-spaces"}
