#!/usr/bin/env bash
# Checks that every fixture compiles and passes `go vet`.
set -euo pipefail
cd "$(dirname "$0")/../fixtures"
GOFLAGS=-mod=mod go vet ./...
echo "fixtures: go vet ok"
