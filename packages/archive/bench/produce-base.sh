#!/bin/sh
# Benchmark of the output side: the base diff (whole Debian rootfs as one layer) produced by
# GNU tar -c, by the Go CLI's driver diff (vfs, tar-split removed), and by exportTree /
# changesBetween+exportChanges. Needs root, containers-storage and the bench data. Reports; never fails CI.
set -eu
DATA=${CS_BENCH_DATA:-/var/tmp/bench-data}
[ -f "$DATA/base.tar" ] || { echo "bench skipped: $DATA/base.tar not found"; exit 0; }
GO_CLI=${CS_GO_CLI:-/usr/bin/containers-storage}  # absolute: under pnpm, PATH finds this project's own CLI first
[ -x "$GO_CLI" ] || { echo "bench skipped: the Go containers-storage CLI is not installed"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "bench skipped: needs root"; exit 0; }
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /dev/shm/cs-produce-bench.XXXXXX)
trap '$GO_CLI --graph $W/g --run $W/r --storage-driver vfs shutdown >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
mkdir "$W/tree"
tar -x -f "$DATA/base.tar" -C "$W/tree" --numeric-owner --xattrs --xattrs-include='*'
S="$GO_CLI --graph $W/g --run $W/r --storage-driver vfs"
ID=$($S import-layer < "$DATA/base.tar" | tail -1)
rm -f "$W/g/vfs-layers/$ID.tar-split.gz"
RUNS=${RUNS:-5}
best() { # best wall time in ms of RUNS runs of "$@"
  b=999999
  for i in $(seq "$RUNS"); do
    s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N)
    t=$(( (e - s) / 1000000 )); [ $t -lt $b ] && b=$t
  done
  echo $b
}
GNU=$(best sh -c "tar -c -f - -C $W/tree . | cat")
GO=$(best $S diff -u "$ID")
echo "GNU tar -c           : ${GNU} ms"
echo "Go containers-storage diff -u: ${GO} ms"
node "$HERE/produce-base.mjs" "$W/g/vfs/dir/$ID" "$RUNS" "$GO"
