#!/usr/bin/env bash
# API-side RAG-token against exact in-process RAG-token on the same model, for N = 1, 5, 20, 100 and the full
# vocabulary: share of identical responses and tokens, and time. Writes bench/results/rag-token-api.md.
#   bench/rag-token-api/run.sh [MODEL_DIR (default: the tiny fixture Llama)] [QUERIES=24] [MAX_NEW_TOKENS=32]
set -euo pipefail
repo="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
./selfspec doctor > /dev/null   # builds the libtorch shim when needed
dotnet build bench/rag-token-api/SelfSpec.RagTokenApi.Bench.csproj -c Release -nologo -v:q -clp:ErrorsOnly
mkdir -p bench/results
dotnet bench/rag-token-api/bin/Release/net10.0/SelfSpec.RagTokenApi.Bench.dll bench/results/rag-token-api.md "${1:-}" "${2:-24}" "${3:-32}"
