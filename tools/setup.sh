#!/usr/bin/env bash
# Idempotent machine + workspace setup shared by the README commands and CI:
# apt packages the tests need, pnpm in the pinned range, node modules, bench data.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

need_apt=()
[ -x /usr/bin/containers-storage ] || need_apt+=(containers-storage)
command -v fuse-overlayfs >/dev/null || need_apt+=(fuse-overlayfs)
command -v zstd >/dev/null || need_apt+=(zstd)
command -v xz >/dev/null || need_apt+=(xz-utils)
command -v bzip2 >/dev/null || need_apt+=(bzip2)
command -v python3 >/dev/null || need_apt+=(python3)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v script >/dev/null || need_apt+=(bsdutils)
command -v unshare >/dev/null || need_apt+=(util-linux)
command -v mkfs.xfs >/dev/null || need_apt+=(xfsprogs)
# ISA-L: @cs/sys builds its fast gzip inflate against these headers (node:zlib is the fallback)
[ -f /usr/include/isa-l/igzip_lib.h ] || need_apt+=(libisal-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

case "$(pnpm --version 2>/dev/null || true)" in
  12.*) ;;
  *) echo "setup: installing pnpm 12"; npm i -g pnpm@12.4.2 >/dev/null 2>&1 ;;
esac

pnpm install --frozen-lockfile

# The real workload (Debian rootfs + upper layer shipped in shared/bench/data, 50k small files
# generated); tests that use it find it through CS_BENCH_DATA.
bench_dir=${CS_BENCH_DATA:-/var/tmp/bench-data}
make_data=""
for d in ../shared/bench ../../shared/bench; do
  [ -x "$d/make-data.sh" ] || [ -f "$d/make-data.sh" ] && { make_data="$d/make-data.sh"; break; }
done
if [ -n "$make_data" ]; then
  bash "$make_data" "$bench_dir" >/tmp/cs-make-data.log 2>&1 || {
    echo "setup: make-data.sh failed, see /tmp/cs-make-data.log" >&2; tail -20 /tmp/cs-make-data.log >&2; exit 1; }
else
  echo "setup: shared/bench not found beside the repository; tests that need the bench data will say so and skip" >&2
fi
