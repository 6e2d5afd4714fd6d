/* Extended attributes on paths (never following symlinks: l*xattr) and on fds (f*xattr). */
#include "sys.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

/* --- argument shapes --- */

static int parse_target(napi_env env, napi_value v, op_t *op) {
  if (op->desc->name[0] == 'f') return arg_fd(env, v, "fd", &op->fd);
  if (arg_path(env, v, "path", &op->path) != 0) return -1;
  op->err_path = op->path;
  return 0;
}

static int parse_target_name(napi_env env, napi_value *argv, op_t *op) {
  if (parse_target(env, argv[0], op) != 0) return -1;
  if (arg_path(env, argv[1], "name", &op->name) != 0) return -1;
  return 0;
}

static int parse_target_only(napi_env env, napi_value *argv, op_t *op) {
  return parse_target(env, argv[0], op);
}

static int parse_set(napi_env env, napi_value *argv, op_t *op) {
  int64_t flags;
  if (parse_target_name(env, argv, op) != 0) return -1;
  if (arg_bytes(env, argv[2], "value", &op->value, &op->value_len) != 0) return -1;
  if (arg_optional_int(env, argv[3], "flags", 0, XATTR_CREATE | XATTR_REPLACE, 0, &flags) != 0) return -1;
  op->flags = (int)flags;
  return 0;
}

/* --- get and list: size the buffer, then read; retry if it grew in between (ERANGE) --- */

static ssize_t query(op_t *op, void *buf, size_t size) {
  bool list = op->name == NULL;
  if (op->path) return list ? llistxattr(op->path, buf, size) : lgetxattr(op->path, op->name, buf, size);
  return list ? flistxattr(op->fd, buf, size) : fgetxattr(op->fd, op->name, buf, size);
}

static void exec_read(op_t *op) {
  for (int attempt = 0; attempt < 8; attempt++) {
    ssize_t size = query(op, NULL, 0);
    if (size < 0) {
      op_set_errno(op, -1);
      return;
    }
    free(op->out);
    op->out = malloc(size ? (size_t)size : 1);
    if (!op->out) {
      op->err = ENOMEM;
      return;
    }
    ssize_t got = size ? query(op, op->out, (size_t)size) : 0;
    if (got >= 0) {
      op->out_len = (size_t)got;
      op->err = 0;
      return;
    }
    op_set_errno(op, -1);
    if (op->err != ERANGE) return;
  }
}

static napi_value result_value(napi_env env, op_t *op) {
  napi_value buf;
  napi_create_buffer_copy(env, op->out_len, op->out, NULL, &buf);
  return buf;
}

static napi_value result_names(napi_env env, op_t *op) {
  napi_value array;
  napi_create_array(env, &array);
  uint32_t index = 0;
  for (size_t at = 0; at < op->out_len;) {
    const char *name = (const char *)op->out + at;
    size_t len = strnlen(name, op->out_len - at);
    if (len > 0) {
      napi_value s;
      napi_create_string_utf8(env, name, len, &s);
      napi_set_element(env, array, index++, s);
    }
    at += len + 1;
  }
  return array;
}

/* --- set and remove --- */

static void exec_set(op_t *op) {
  if (op->path) op_set_errno(op, lsetxattr(op->path, op->name, op->value, op->value_len, op->flags));
  else op_set_errno(op, fsetxattr(op->fd, op->name, op->value, op->value_len, op->flags));
}

static void exec_remove(op_t *op) {
  if (op->path) op_set_errno(op, lremovexattr(op->path, op->name));
  else op_set_errno(op, fremovexattr(op->fd, op->name));
}

const op_desc_t op_lgetxattr = {"lgetxattr", "lgetxattr", 2, parse_target_name, exec_read, result_value};
const op_desc_t op_lsetxattr = {"lsetxattr", "lsetxattr", 4, parse_set, exec_set, NULL};
const op_desc_t op_llistxattr = {"llistxattr", "llistxattr", 1, parse_target_only, exec_read, result_names};
const op_desc_t op_lremovexattr = {"lremovexattr", "lremovexattr", 2, parse_target_name, exec_remove, NULL};
const op_desc_t op_fgetxattr = {"fgetxattr", "fgetxattr", 2, parse_target_name, exec_read, result_value};
const op_desc_t op_fsetxattr = {"fsetxattr", "fsetxattr", 4, parse_set, exec_set, NULL};
const op_desc_t op_flistxattr = {"flistxattr", "flistxattr", 1, parse_target_only, exec_read, result_names};
const op_desc_t op_fremovexattr = {"fremovexattr", "fremovexattr", 2, parse_target_name, exec_remove, NULL};
