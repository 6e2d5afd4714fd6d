#!/usr/bin/env bash
# Test helper: a small XFS file system with reflink (shared extents) on a loop device, for the
# dedup tests (ext4 and tmpfs cannot share extents).
#   reflink-fs.sh up DIR [MiB]   mount a fresh one on DIR (created); image file DIR.img beside it
#   reflink-fs.sh down DIR       unmount it and delete the image
# `up` exits 2 with the reason on stdout when this machine cannot do it (not root, no
# mkfs.xfs from xfsprogs, no loop devices), so tests can skip saying why.
set -u
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 up|down DIR [MiB]" >&2; exit 1; }
img="${dir%/}.img"
case "$cmd" in
  up)
    [ "$(id -u)" = 0 ] || { echo "loop mounts need root"; exit 2; }
    command -v mkfs.xfs >/dev/null || { echo "mkfs.xfs not installed (apt package xfsprogs)"; exit 2; }
    mkdir -p "$dir"
    truncate -s "${3:-300}M" "$img" || exit 1
    out=$(mkfs.xfs -q -f -m reflink=1 "$img" 2>&1) || { rm -f "$img"; echo "mkfs.xfs failed: $out"; exit 2; }
    out=$(mount -o loop "$img" "$dir" 2>&1) || { rm -f "$img"; echo "loop mount failed: $out"; exit 2; }
    ;;
  down)
    umount "$dir" 2>/dev/null || umount -l "$dir" 2>/dev/null
    rm -f "$img"
    rmdir "$dir" 2>/dev/null
    exit 0
    ;;
  *) echo "usage: $0 up|down DIR [MiB]" >&2; exit 1 ;;
esac
