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
best() { # best wall and best CPU (user+sys) time in ms of RUNS runs of "$@"
  bw=999999; bc=999999
  for i in $(seq "$RUNS"); do
    /usr/bin/time -o "$W/time" -f "%e %U %S" "$@" > /dev/null
    read -r e u s < "$W/time"
    w=$(echo "$e * 1000 / 1" | bc); c=$(echo "($u + $s) * 1000 / 1" | bc)
    [ "$w" -lt "$bw" ] && bw=$w; [ "$c" -lt "$bc" ] && bc=$c
  done
  echo "$bw $bc"
}
set -- $(best sh -c "tar -c -f - -C $W/tree . | cat"); GNU_W=$1; GNU_C=$2
set -- $(best $S diff -u "$ID"); GO_W=$1; GO_C=$2
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (wall times are noisy when loaded; CPU times less so)"
echo "GNU tar -c | cat              : wall ${GNU_W} ms, cpu ${GNU_C} ms"
echo "Go containers-storage diff -u : wall ${GO_W} ms, cpu ${GO_C} ms"
node "$HERE/produce-base.mjs" "$W/g/vfs/dir/$ID" "$RUNS" "$GO_W" "$GO_C"
