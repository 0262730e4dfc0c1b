#!/usr/bin/env bash
# Builds libselfspec_torch.so into BUILD_DIR. Called by SelfSpec.Torch.csproj; usable by hand:
#   native/build.sh BUILD_DIR [TORCH_CMAKE_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build_dir="$1"
torch_dir="${2:-}"

if ! command -v cmake >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
  echo "error: SelfSpec.Torch needs cmake and g++ to build its native shim. Run: scripts/install-deps.sh runtime" >&2
  exit 1
fi
args=()
if [ -n "$torch_dir" ]; then
  args+=("-DTorch_DIR=$torch_dir")
elif ! ls /usr/lib/*/cmake/Torch/TorchConfig.cmake >/dev/null 2>&1; then
  echo "error: libtorch was not found. Run: scripts/install-deps.sh runtime (installs Debian's libtorch-dev), or set TORCH_DIR to a libtorch's cmake folder (for PyTorch: \$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')/Torch)." >&2
  exit 1
fi

mkdir -p "$build_dir"
if ! cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "${args[@]}" >"$build_dir/configure.log" 2>&1; then
  cat "$build_dir/configure.log" >&2
  echo "error: configuring the libtorch shim failed (log: $build_dir/configure.log)" >&2
  exit 1
fi
cmake --build "$build_dir" -j "$(nproc)"
touch "$build_dir/libselfspec_torch.so"
