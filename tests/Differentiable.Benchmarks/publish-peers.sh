#!/usr/bin/env bash
# Builds what the device machine runs beside JAX and PyTorch (see docs/benchmarks.md, "Beside JAX and PyTorch"):
# this suite trimmed and self-contained for linux-x64 (the device has no .NET SDK) in .peerbin/, with peers.py next to it.
# The native libraries only the charts and the disassembler load are left out, to stay under the 64 MiB a run carries.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.peerbin"
rm -rf "$out"
dotnet publish "$root/tests/Differentiable.Benchmarks" -c Release -p:Peers=true -o "$out" --nologo -v quiet
rm -rf "$out/amd64" "$out"/libSkiaSharp.so "$out"/libHarfBuzzSharp.so "$out"/libcapstone.so "$out"/libmscordaccore.so "$out"/libmscordbi.so "$out"/createdump
cp "$root/../shared/peers/peers.py" "$out/"
du -sh "$out"
