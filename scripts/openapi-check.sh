#!/usr/bin/env bash
# Validates docs/openapi.yaml as OpenAPI 3.1 with openapi-spec-validator (PyPI), installing it when missing.
# The routes it lists are compared with the router's by the Swift test
# openAPIDescribesExactlyTheRoutesTheRouterRegisters (Tests/GreenlaneServiceTests).
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.9.0
if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('openapi-spec-validator') != '$version')" \
    2>/dev/null; then
    python3 -m pip install --quiet "openapi-spec-validator==$version"
fi
python3 -m openapi_spec_validator docs/openapi.yaml
