/* mknod(2), mknodat(2) and the makedev/major/minor encodings of glibc. */
#include "sys.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>

static int parse_mode_dev(napi_env env, napi_value *argv, op_t *op) {
  int64_t mode, dev;
  if (arg_int(env, argv[0], "mode", 0, UINT32_MAX, &mode) != 0) return -1;
  if (arg_int(env, argv[1], "dev", 0, INT64_MAX, &dev) != 0) return -1;
  op->mode = (mode_t)mode;
  op->dev = (dev_t)dev;
  return 0;
}

static int parse_mknod(napi_env env, napi_value *argv, op_t *op) {
  op->fd = AT_FDCWD;
  if (arg_path(env, argv[0], "path", &op->path) != 0) return -1;
  op->err_path = op->path;
  return parse_mode_dev(env, argv + 1, op);
}

static int parse_mknodat(napi_env env, napi_value *argv, op_t *op) {
  if (arg_dirfd(env, argv[0], "dirfd", &op->fd) != 0) return -1;
  if (arg_path(env, argv[1], "path", &op->path) != 0) return -1;
  op->err_path = op->path;
  return parse_mode_dev(env, argv + 2, op);
}

static void exec_mknodat(op_t *op) {
  op_set_errno(op, mknodat(op->fd, op->path, op->mode, op->dev));
}

const op_desc_t op_mknod = {"mknod", "mknod", 3, parse_mknod, exec_mknodat, NULL};
const op_desc_t op_mknodat = {"mknodat", "mknodat", 4, parse_mknodat, exec_mknodat, NULL};

static int get_uint(napi_env env, napi_callback_info info, size_t want, int64_t *values) {
  napi_value argv[2];
  size_t argc = 2;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  static const char *names[] = {"major", "minor"};
  for (size_t i = 0; i < want; i++) {
    if (i >= argc) return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "missing argument");
    if (arg_int(env, argv[i], want == 1 ? "dev" : names[i], 0, want == 1 ? INT64_MAX : UINT32_MAX, &values[i]) != 0) return -1;
  }
  return 0;
}

static napi_value dev_number(napi_env env, uint64_t value) {
  napi_value v;
  napi_create_double(env, (double)value, &v); /* exact for every device number Linux hands out (< 2^53) */
  return v;
}

napi_value js_makedev(napi_env env, napi_callback_info info) {
  int64_t v[2];
  if (get_uint(env, info, 2, v) != 0) return NULL;
  return dev_number(env, makedev((unsigned)v[0], (unsigned)v[1]));
}

napi_value js_major(napi_env env, napi_callback_info info) {
  int64_t v[1];
  if (get_uint(env, info, 1, v) != 0) return NULL;
  return dev_number(env, major((dev_t)v[0]));
}

napi_value js_minor(napi_env env, napi_callback_info info) {
  int64_t v[1];
  if (get_uint(env, info, 1, v) != 0) return NULL;
  return dev_number(env, minor((dev_t)v[0]));
}
