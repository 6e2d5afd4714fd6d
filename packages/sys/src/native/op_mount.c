/* mount(2) and umount2(2). */
#include "sys.h"
#include <sys/mount.h>

static int parse_mount(napi_env env, napi_value *argv, op_t *op) {
  int64_t flags;
  if (is_nullish(env, argv[0])) op->source = NULL;
  else if (arg_path(env, argv[0], "source", &op->source) != 0) return -1;
  if (arg_path(env, argv[1], "target", &op->path) != 0) return -1;
  if (arg_optional_string(env, argv[2], "fstype", &op->fstype) != 0) return -1;
  if (arg_int(env, argv[3], "flags", 0, UINT32_MAX, &flags) != 0) return -1;
  if (arg_optional_string(env, argv[4], "data", &op->data) != 0) return -1;
  op->mount_flags = (unsigned long)flags;
  op->err_path = op->path;
  return 0;
}

static void exec_mount(op_t *op) {
  op_set_errno(op, mount(op->source, op->path, op->fstype, op->mount_flags, op->data));
}

const op_desc_t op_mount = {"mount", "mount", 5, parse_mount, exec_mount, NULL};

static int parse_umount2(napi_env env, napi_value *argv, op_t *op) {
  int64_t flags;
  if (arg_path(env, argv[0], "target", &op->path) != 0) return -1;
  if (arg_optional_int(env, argv[1], "flags", 0, INT32_MAX, 0, &flags) != 0) return -1;
  op->flags = (int)flags;
  op->err_path = op->path;
  return 0;
}

static void exec_umount2(op_t *op) {
  op_set_errno(op, umount2(op->path, op->flags));
}

const op_desc_t op_umount2 = {"umount2", "umount2", 2, parse_umount2, exec_umount2, NULL};
