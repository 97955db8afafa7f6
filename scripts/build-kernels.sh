#!/usr/bin/env bash
# Compiles packages/iwae/kernels/kernels.c to kernels.wasm (committed, so that installing and
# testing need no C toolchain). Needs clang and wasm-ld (Debian: apt-get install clang lld).
set -euo pipefail
cd "$(dirname "$0")/../packages/iwae/kernels"
if ! command -v clang >/dev/null 2>&1 || ! command -v wasm-ld >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -qq clang lld >&2
  else
    echo "build-kernels: needs clang and wasm-ld (apt-get install clang lld)" >&2
    exit 1
  fi
fi
clang --target=wasm32 -O3 -msimd128 -ffreestanding -nostdlib -fno-builtin \
  -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all -Wl,-z,stack-size=0 \
  -o kernels.wasm kernels.c
echo "built $(pwd)/kernels.wasm ($(stat -c %s kernels.wasm) bytes)"
