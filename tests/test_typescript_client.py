"""A TypeScript client generated from the OpenAPI document (openapi-typescript) type-checks
with the code a TypeScript app writes against it (tests/js/homes_flow.ts): a schema changed
in a way that breaks that code fails here, before any app ships."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from commonhold.app import create_app
from commonhold.settings import Settings

JS = Path(__file__).resolve().parent / "js"
OPENAPI_TYPESCRIPT = JS / "node_modules" / ".bin" / "openapi-typescript"
TSC = JS / "node_modules" / ".bin" / "tsc"


def _node(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is not installed (scripts/test.sh installs it)"
    assert TSC.exists(), "run: npm ci --prefix tests/js"
    return subprocess.run(  # noqa: S603 - node running the packages tests/js pins
        [node, *map(str, arguments)], capture_output=True, text=True, timeout=300, check=False
    )


def test_the_generated_typescript_client_type_checks_with_the_homes_flow(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(create_app(Settings(environment="test")).openapi()))
    # Next to a copy of the flow, so its import of ./generated/api finds the generated types.
    shutil.copy(JS / "homes_flow.ts", tmp_path)
    generated = _node(
        OPENAPI_TYPESCRIPT,
        spec,
        # Fields with a default are optional in what a client sends; required in answers,
        # the document says so itself.
        "--default-non-nullable",
        "false",
        "-o",
        tmp_path / "generated" / "api.d.ts",
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr

    checked = _node(
        TSC,
        "--noEmit",
        "--strict",
        "--target",
        "es2022",
        "--module",
        "esnext",
        "--moduleResolution",
        "bundler",
        tmp_path / "homes_flow.ts",
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
