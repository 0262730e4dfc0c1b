#!/usr/bin/env bash
# Installs the system packages SelfSpec Workflows needs, by group. Used by ./selfspec, the test
# command, CI and both Dockerfiles, so there is exactly one list to keep right.
#
#   scripts/install-deps.sh [--check] GROUP...
#
# Groups:
#   runtime  libtorch (CPU), OpenBLAS, a C++ toolchain and CMake: what `./selfspec` needs to build and run
#   test     runtime + the independent references the tests compare against
#            (Debian's PyTorch, NumPy and NLTK, Chromium, Node.js/npm, sqlite3; Lucene is Lucene.Net, in process)
#   bench    test + hyperfine: what the benchmarks under bench/ run
#   cuda     build tools only; libtorch comes from the image's PyTorch (TORCH_DIR)
#
# --check lists what is missing and exits 1 if anything is, installing nothing.
set -euo pipefail

check_only=0
groups=()
for a in "$@"; do
  case "$a" in
    --check) check_only=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) groups+=("$a") ;;
  esac
done
[ ${#groups[@]} -gt 0 ] || groups=(runtime)

pkgs=()
for g in "${groups[@]}"; do
  case "$g" in
    runtime) pkgs+=(libtorch-dev libopenblas0-pthread g++ cmake make) ;;
    test)    pkgs+=(libtorch-dev libopenblas0-pthread g++ cmake make
                    python3-torch python3-numpy
                    python3-nltk python3-jinja2 chromium nodejs npm sqlite3) ;;
    bench)   pkgs+=(libtorch-dev libopenblas0-pthread g++ cmake make python3-torch python3-numpy hyperfine
                    nodejs npm) ;;
    cuda)    pkgs+=(g++ cmake make) ;;
    *) echo "install-deps: unknown group '$g' (runtime, test, bench, cuda)" >&2; exit 2 ;;
  esac
done

missing=()
for p in $(printf '%s\n' "${pkgs[@]}" | sort -u); do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    # nodejs/npm may come from outside Debian's packages (the image's own Node.js): accept the commands.
    case "$p" in
      nodejs) command -v node >/dev/null 2>&1 && continue ;;
      npm) command -v npm >/dev/null 2>&1 && continue ;;
    esac
    missing+=("$p")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0
if [ $check_only = 1 ]; then
  echo "missing system packages: ${missing[*]}"
  exit 1
fi

if [ "$(id -u)" = 0 ]; then sudo=()
elif command -v sudo >/dev/null 2>&1; then sudo=(sudo)
else
  echo "install-deps: these packages are missing and I am not root (and there is no sudo): ${missing[*]}" >&2
  echo "  install them with: apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
