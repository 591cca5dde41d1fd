#!/bin/sh
# Measures GET /api/v1/health against a minimal FastCGI responder (see health.py).
top=$(cd "$(dirname "$0")/.." && pwd)
OCIM_SRCDIR=${OCIM_SRCDIR:-$top} OCIM_BUILDDIR=${OCIM_BUILDDIR:-$top/build} exec python3 "$top/bench/health.py" "$@"
