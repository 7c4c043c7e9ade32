"""The docs a newcomer reads: every link in the README and docs/ leads somewhere in the
repository, and docs/configuration.md lists exactly the environment variables the code reads.

Plain file reading: no database, no Redis, no Django setup.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
CONFIGURATION = REPO / "docs" / "configuration.md"

# The Python packages that ship (pyproject.toml's [tool.setuptools.packages.find]).
SHIPPED_PACKAGES = ["pyk8s", "accounts", "clusters", "cli"]
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@pytest.fixture(autouse=True)
def _isolated_redis() -> None:
    """Replaces tests/conftest.py's: these tests read files and touch no data store, so they
    run where no Redis does."""


# --- Links ------------------------------------------------------------------------------------

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE_SPAN = re.compile(r"`[^`\n]*`")
INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _prose(markdown: str) -> str:
    """The text a reader sees as prose: fenced blocks and code spans hold no links."""
    return CODE_SPAN.sub("", FENCE.sub("", markdown))


def _links(doc: Path) -> Iterator[str]:
    prose = _prose(doc.read_text())
    yield from INLINE_LINK.findall(prose)
    yield from REFERENCE_DEFINITION.findall(prose)


def _relative_links() -> Iterator[tuple[Path, str]]:
    for doc in DOCS:
        for link in _links(doc):
            if link and not SCHEME.match(link):
                yield doc, link


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: the rendered text, lowercased, punctuation other
    than '-' and '_' dropped, each space a '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link reads as its text
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def heading_anchors(markdown: str) -> set[str]:
    """Every heading's anchor; a repeated one gets -1, -2... as on GitHub."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for _, heading in HEADING.findall(FENCE.sub("", markdown)):
        slug = github_slug(heading)
        if slug in seen:
            seen[slug] += 1
            anchors.add(f"{slug}-{seen[slug]}")
        else:
            seen[slug] = 0
            anchors.add(slug)
    return anchors


def test_every_relative_link_leads_to_a_file_in_the_repository():
    broken = []
    for doc, link in _relative_links():
        path = link.partition("#")[0]
        if not path:
            continue  # an anchor in the same file
        target = (doc.parent / path).resolve()
        if not target.is_relative_to(REPO):
            broken.append(f"{doc.name}: {link} leaves the repository")
        elif not target.exists():
            broken.append(f"{doc.name}: {link} does not exist")
    assert broken == []


def test_every_anchor_link_leads_to_a_heading_of_its_page():
    broken = []
    for doc, link in _relative_links():
        path, _, anchor = link.partition("#")
        if not anchor:
            continue
        target = (doc.parent / path).resolve() if path else doc
        if target.suffix != ".md" or not target.is_file():
            continue  # reported by the test above, or not a page with headings
        if anchor not in heading_anchors(target.read_text()):
            broken.append(f"{doc.name}: {link} names no heading of {target.name}")
    assert broken == []


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Live events: `/ws`", "live-events-ws"),
        ("The dashboard's development server", "the-dashboards-development-server"),
        ("Provisioning (the worker)", "provisioning-the-worker"),
        ("See [the API](api.md) first", "see-the-api-first"),
        ("snake_case -- kept", "snake_case----kept"),
    ],
)
def test_heading_anchors_follow_githubs_rules(heading, anchor):
    assert github_slug(heading) == anchor


def test_a_repeated_heading_gets_a_numbered_anchor():
    assert heading_anchors("# Install\n\n## Install\n\n### Install\n") == {
        "install",
        "install-1",
        "install-2",
    }


def test_a_link_inside_code_is_not_a_link():
    markdown = "`[x](missing.md)` and\n\n```md\n[y](gone.md)\n```\n\n[z](here.md)\n"
    assert INLINE_LINK.findall(_prose(markdown)) == ["here.md"]


# --- Configuration ----------------------------------------------------------------------------


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "string" constants, so os.environ.get(API_URL_ENV) counts."""
    strings = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    strings[target.id] = node.value.value
    return strings


def _is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _is_django_environ(node: ast.expr) -> bool:
    """`env` (the settings' environ.Env()) or an environ.Env() made on the spot."""
    if isinstance(node, ast.Name):
        return node.id == "env"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "Env"
    )


def _variable_read(node: ast.AST) -> ast.expr | None:
    """The name argument of an environment read, if `node` is one: env.<type>("NAME", ...),
    env("NAME"), os.environ.get(NAME), os.getenv(NAME), os.environ[NAME], or a click option's
    envvar=NAME."""
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        return node.slice if isinstance(node.ctx, ast.Load) else None
    if isinstance(node, ast.Call):
        envvar = next((k.value for k in node.keywords if k.arg == "envvar"), None)
        if envvar is not None:
            return envvar
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    reads = (
        (isinstance(func, ast.Attribute) and _is_django_environ(func.value))
        or (isinstance(func, ast.Name) and func.id == "env")
        or (isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value))
        or (isinstance(func, ast.Attribute) and func.attr == "getenv")
    )
    return node.args[0] if reads else None


def variables_read_by_python(source: str) -> set[str]:
    tree = ast.parse(source)
    strings = _module_strings(tree)
    names = set()
    for node in ast.walk(tree):
        argument = _variable_read(node)
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            names.add(argument.value)
        elif isinstance(argument, ast.Name) and argument.id in strings:
            names.add(strings[argument.id])
    return {name for name in names if ENV_NAME.fullmatch(name)}


def variables_passed_to_kind() -> set[str]:
    """The runner hands kind only the variables named in its ENV_ALLOWLIST."""
    tree = ast.parse((REPO / "clusters" / "providers" / "runner.py").read_text())
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "ENV_ALLOWLIST" for t in node.targets)
            and isinstance(node.value, ast.Tuple)
        ):
            return {ast.literal_eval(element) for element in node.value.elts}
    raise AssertionError("clusters/providers/runner.py no longer defines ENV_ALLOWLIST")


MAKE_BUILTINS = {"MAKE", "MAKEFLAGS", "CURDIR", "SHELL", "MAKECMDGOALS"}


def variables_read_by_makefile(makefile: str) -> set[str]:
    """Variables the Makefile uses but leaves to its caller: never defined, or defined with ?=."""
    used = set(re.findall(r"(?<!\$)\$[({]([A-Z_][A-Z0-9_]*)[)}]", makefile))
    definitions = re.findall(r"^(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*([:?+]?=)", makefile, re.M)
    defined = {name for name, operator in definitions if operator != "?="}
    defaulted = {name for name, operator in definitions if operator == "?="}
    return (used - defined - MAKE_BUILTINS) | defaulted


def variables_read_by_tooling() -> set[str]:
    """The Procfile's, compose.yaml's and the dashboard's shell scripts' ${NAME...}, and the
    dashboard's tooling's process.env.NAME."""
    names = set()
    shell_like = [
        REPO / "Procfile",
        REPO / "compose.yaml",
        *(REPO / "frontend" / "scripts").glob("*.sh"),
    ]
    for path in shell_like:
        names |= set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)[:}]", path.read_text()))
    frontend = REPO / "frontend"
    sources = [
        *frontend.glob("*.ts"),
        *frontend.glob("*.mts"),
        *(frontend / "e2e").rglob("*.ts"),
        *(frontend / "src").rglob("*.ts"),
        *(frontend / "src").rglob("*.tsx"),
    ]
    for path in sources:
        names |= set(re.findall(r"process\.env\.([A-Z_][A-Z0-9_]*)", path.read_text()))
    return names


def variables_read() -> set[str]:
    names = set()
    for package in SHIPPED_PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            names |= variables_read_by_python(path.read_text())
    names |= variables_passed_to_kind()
    names |= variables_read_by_makefile((REPO / "Makefile").read_text())
    return names | variables_read_by_tooling()


def variables_documented(markdown: str) -> set[str]:
    """The variables named in the first column of configuration.md's tables."""
    names = set()
    for row in re.findall(r"^\|([^|\n]*)\|", FENCE.sub("", markdown), re.M):
        names |= {name for name in re.findall(r"`([^`]+)`", row) if ENV_NAME.fullmatch(name)}
    return names


def test_every_environment_variable_the_code_reads_is_documented():
    undocumented = variables_read() - variables_documented(CONFIGURATION.read_text())
    assert sorted(undocumented) == []


def test_configuration_documents_no_variable_the_code_no_longer_reads():
    stale = variables_documented(CONFIGURATION.read_text()) - variables_read()
    assert sorted(stale) == []


def test_settings_reads_are_found_whatever_their_type():
    source = (
        'import environ\nimport os\nenv = environ.Env()\nNAME_ENV = "PYK8S_FROM_CONSTANT"\n'
        'A = env.int("PYK8S_A", default=1)\nB = env.list("PYK8S_B", default=[])\n'
        'C = environ.Env().str("PYK8S_C", default="")\nD = env.db_url_config(A)\n'
        'E = os.environ.get(NAME_ENV)\nF = os.environ["PYK8S_F"]\nos.environ["PYK8S_SET"] = "x"\n'
        'G = click.option("--g", envvar="PYK8S_G")\n'
    )
    assert variables_read_by_python(source) == {
        "PYK8S_A",
        "PYK8S_B",
        "PYK8S_C",
        "PYK8S_FROM_CONSTANT",
        "PYK8S_F",
        "PYK8S_G",
    }


def test_makefile_variables_left_to_the_caller_are_found():
    makefile = (
        "PYTHON ?= python3\nBIN := .venv/bin\nTEST_ENV = X=$(TEST_DATABASE_URL)\n"
        "test:\n\t$(BIN)/pytest $(PYTEST_ARGS) $$(echo $(MAKE))\n"
    )
    assert variables_read_by_makefile(makefile) == {"PYTHON", "TEST_DATABASE_URL", "PYTEST_ARGS"}
