{
  "variables": {
    "have_isal": "<!(test -f /usr/include/isa-l/igzip_lib.h && echo 1 || echo 0)"
  },
  "targets": [
    {
      "target_name": "cs_sys",
      "sources": [
        "src/native/addon.c",
        "src/native/args.c",
        "src/native/errors.c",
        "src/native/runner.c",
        "src/native/op_mount.c",
        "src/native/op_dev.c",
        "src/native/op_xattr.c",
        "src/native/op_lock.c",
        "src/native/op_time.c",
        "src/native/op_at.c",
        "src/native/op_sync.c",
        "src/native/op_dedupe.c",
        "src/native/op_crc64.c",
        "src/native/op_file.c",
        "src/native/op_inflate.c",
        "src/native/crc64_iso.c",
        "src/native/constants.c"
      ],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror=implicit-function-declaration", "-std=gnu11"],
      "libraries": ["-lpthread", "-ldl"],
      "conditions": [
        ["have_isal==1", { "defines": ["CS_HAVE_ISAL"] }]
      ]
    }
  ]
}
