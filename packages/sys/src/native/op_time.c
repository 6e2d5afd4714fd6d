/* utimensat(2) with nanosecond times; null times are UTIME_OMIT (left unchanged). */
#include "sys.h"
#include <sys/stat.h>

static int parse_times(napi_env env, napi_value *argv, op_t *op) {
  if (arg_time_ns(env, argv[0], "atimeNs", &op->times[0]) != 0) return -1;
  return arg_time_ns(env, argv[1], "mtimeNs", &op->times[1]);
}

static int parse_utimensat(napi_env env, napi_value *argv, op_t *op) {
  int64_t flags;
  if (arg_dirfd(env, argv[0], "dirfd", &op->fd) != 0) return -1;
  if (arg_path(env, argv[1], "path", &op->path) != 0) return -1;
  op->err_path = op->path;
  if (parse_times(env, argv + 2, op) != 0) return -1;
  if (arg_optional_int(env, argv[4], "flags", 0, INT32_MAX, 0, &flags) != 0) return -1;
  op->flags = (int)flags;
  return 0;
}

static int parse_lutimens(napi_env env, napi_value *argv, op_t *op) {
  op->fd = AT_FDCWD;
  op->flags = AT_SYMLINK_NOFOLLOW;
  if (arg_path(env, argv[0], "path", &op->path) != 0) return -1;
  op->err_path = op->path;
  return parse_times(env, argv + 1, op);
}

static int parse_futimens(napi_env env, napi_value *argv, op_t *op) {
  if (arg_fd(env, argv[0], "fd", &op->fd) != 0) return -1;
  return parse_times(env, argv + 1, op);
}

static void exec_utimensat(op_t *op) {
  op_set_errno(op, utimensat(op->fd, op->path, op->times, op->flags));
}

static void exec_futimens(op_t *op) {
  op_set_errno(op, futimens(op->fd, op->times));
}

const op_desc_t op_utimensat = {"utimensat", "utimensat", 5, parse_utimensat, exec_utimensat, NULL};
const op_desc_t op_lutimens = {"lutimens", "utimensat", 3, parse_lutimens, exec_utimensat, NULL};
const op_desc_t op_futimens = {"futimens", "futimens", 3, parse_futimens, exec_futimens, NULL};
