"""Dependencies point one way (../shared/ARCHITECTURE.md): extract (connectors) ← transform
(flows/pipeline, sql) ← present (reports) ← orchestrate (flows/cli, flows/*_flow.py). Read from
the source's import statements, so a new module is checked the day it is added."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from flows.pipeline.settings import REPO_ROOT

PACKAGES = ("connectors", "flows", "reports")
# What reports may take from the extract layer: its pure primitives only (provenance comes from
# the warehouse's meta_sources, written by the build).
REPORTS_MAY_IMPORT = ("connectors.shared",)


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in sorted((REPO_ROOT / pkg).rglob("*.py"))}


def imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Modules imported by a file (`from a import b` counts as a.b when a.b is a module, else as
    a); `top_level_only` leaves out imports made inside functions (lazy on purpose) and under
    `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & set(MODULES)
            found |= submodules or {node.module}
    return found


def offenders(prefix: str, forbidden, *, top_level_only: bool = False) -> dict[str, list[str]]:
    bad = {}
    for name, path in MODULES.items():
        if name == prefix or name.startswith(prefix + "."):
            hits = sorted(m for m in imports(path, top_level_only=top_level_only) if forbidden(m))
            if hits:
                bad[name] = hits
    return bad


def under(module: str, *roots: str) -> bool:
    return any(module == r or module.startswith(r + ".") for r in roots)


def is_flow_module(module: str) -> bool:
    return module == "flows.runners" or module.endswith("_flow")


def test_connectors_import_neither_flows_nor_reports():
    assert offenders("connectors", lambda m: under(m, "flows", "reports")) == {}


def test_reports_import_no_flows_and_only_the_primitives_of_connectors():
    def forbidden(m: str) -> bool:
        return under(m, "flows") or (under(m, "connectors") and not under(m, *REPORTS_MAY_IMPORT))

    assert offenders("reports", forbidden) == {}


def test_the_pipeline_knows_neither_prefect_nor_typer_nor_its_doors():
    def forbidden(m: str) -> bool:
        return under(m, "prefect", "typer", "rich", "flows.cli") or is_flow_module(m)

    assert offenders("flows.pipeline", forbidden) == {}


def test_prefect_flows_do_not_go_through_the_cli():
    bad = {
        name: sorted(m for m in imports(path) if under(m, "flows.cli", "typer"))
        for name, path in MODULES.items()
        if is_flow_module(name)
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_cli_loads_prefect_and_the_data_libraries_only_inside_commands():
    """`gpect --help` must not pay for Prefect, pandas, DuckDB or pyarrow (~2-3 s of imports)."""
    heavy = (
        "prefect",
        "pandas",
        "duckdb",
        "pyarrow",
        "geopandas",
        "plotly",
        "flows.pipeline.build",
    )

    def forbidden(m: str) -> bool:
        return under(m, *heavy) or is_flow_module(m)

    assert offenders("flows.cli", forbidden, top_level_only=True) == {}


def test_no_import_cycle_between_modules():
    graph = {
        name: {m for m in imports(path, top_level_only=True) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' → '.join(exc.args[1])}")


def test_the_checks_see_a_forbidden_import(tmp_path, monkeypatch):
    """The scanner itself: a module importing a flow lazily, inside a function, is found."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from flows.reports_flow import reports\n", encoding="utf-8")
    assert "flows.reports_flow" in imports(module)
    assert "flows.reports_flow" not in imports(module, top_level_only=True)
