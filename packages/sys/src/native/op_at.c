/* renameat2, openat2 and the *at helpers used for safe extraction. */
#include "sys.h"
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int int_arg(napi_env env, napi_value v, const char *what, int64_t min, int64_t max, int *out) {
  int64_t value;
  if (arg_int(env, v, what, min, max, &value) != 0) return -1;
  *out = (int)value;
  return 0;
}

/* renameat2(oldPath, newPath, flags), both relative to the cwd */
static int parse_renameat2(napi_env env, napi_value *argv, op_t *op) {
  if (arg_path(env, argv[0], "oldPath", &op->path) != 0) return -1;
  if (arg_path(env, argv[1], "newPath", &op->path2) != 0) return -1;
  if (int_arg(env, argv[2], "flags", 0, INT32_MAX, &op->flags) != 0) return -1;
  op->err_path = op->path;
  op->err_dest = op->path2;
  return 0;
}

static void exec_renameat2(op_t *op) {
  op_set_errno(op, renameat2(AT_FDCWD, op->path, AT_FDCWD, op->path2, (unsigned)op->flags));
}

const op_desc_t op_renameat2 = {"renameat2", "renameat2", 3, parse_renameat2, exec_renameat2, NULL};

/* openat2(dirfd, path, { flags, mode?, resolve? }) -> fd; O_CLOEXEC is always added */
static int get_field(napi_env env, napi_value obj, const char *key, int64_t max, bool required, int64_t *out) {
  bool has = false;
  napi_value v;
  napi_has_named_property(env, obj, key, &has);
  if (has) napi_get_named_property(env, obj, key, &v);
  if (!has || is_nullish(env, v)) {
    if (required) return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"how.%s\" property must be of type number", key);
    *out = -1;
    return 0;
  }
  char what[32];
  snprintf(what, sizeof what, "how.%s", key);
  return arg_int(env, v, what, 0, max, out);
}

static int parse_openat2(napi_env env, napi_value *argv, op_t *op) {
  napi_valuetype t;
  int64_t flags, mode, resolve;
  if (arg_dirfd(env, argv[0], "dirfd", &op->fd) != 0) return -1;
  if (arg_path(env, argv[1], "path", &op->path) != 0) return -1;
  op->err_path = op->path;
  napi_typeof(env, argv[2], &t);
  if (t != napi_object) return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"how\" argument must be of type object");
  if (get_field(env, argv[2], "flags", UINT32_MAX, true, &flags) != 0) return -1;
  if (get_field(env, argv[2], "mode", UINT32_MAX, false, &mode) != 0) return -1;
  if (get_field(env, argv[2], "resolve", INT64_MAX, false, &resolve) != 0) return -1;
  op->how.flags = (uint64_t)flags | O_CLOEXEC;
  bool creates = (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE;
  /* the kernel rejects a mode without O_CREAT/O_TMPFILE; default like Node's 0o666 */
  op->how.mode = mode >= 0 ? (uint64_t)mode : (creates ? 0666 : 0);
  op->how.resolve = resolve >= 0 ? (uint64_t)resolve : 0;
  return 0;
}

static void exec_openat2(op_t *op) {
  op_set_errno(op, syscall(SYS_openat2, op->fd, op->path, &op->how, sizeof op->how));
}

static napi_value result_fd(napi_env env, op_t *op) {
  napi_value v;
  napi_create_int32(env, (int32_t)op->ret, &v);
  return v;
}

const op_desc_t op_openat2 = {"openat2", "openat2", 3, parse_openat2, exec_openat2, result_fd};

/* mkdirat(dirfd, path, mode) */
static int parse_dirfd_path(napi_env env, napi_value *argv, op_t *op) {
  if (arg_dirfd(env, argv[0], "dirfd", &op->fd) != 0) return -1;
  if (arg_path(env, argv[1], "path", &op->path) != 0) return -1;
  op->err_path = op->path;
  return 0;
}

static int parse_mode_at(napi_env env, napi_value *argv, op_t *op) {
  if (parse_dirfd_path(env, argv, op) != 0) return -1;
  int64_t mode64;
  if (arg_int(env, argv[2], "mode", 0, UINT32_MAX, &mode64) != 0) return -1;
  op->mode = (mode_t)mode64;
  return 0;
}

static void exec_mkdirat(op_t *op) {
  op_set_errno(op, mkdirat(op->fd, op->path, op->mode));
}

const op_desc_t op_mkdirat = {"mkdirat", "mkdirat", 3, parse_mode_at, exec_mkdirat, NULL};

/* fchmodat(dirfd, path, mode): follows a final symlink (Linux has no lchmod) */
static void exec_fchmodat(op_t *op) {
  op_set_errno(op, fchmodat(op->fd, op->path, op->mode, 0));
}

const op_desc_t op_fchmodat = {"fchmodat", "fchmodat", 3, parse_mode_at, exec_fchmodat, NULL};

/* symlinkat(target, dirfd, path) */
static int parse_symlinkat(napi_env env, napi_value *argv, op_t *op) {
  if (arg_path(env, argv[0], "target", &op->path2) != 0) return -1;
  if (parse_dirfd_path(env, argv + 1, op) != 0) return -1;
  op->err_path = op->path2; /* Node reports symlink errors as target -> path */
  op->err_dest = op->path;
  return 0;
}

static void exec_symlinkat(op_t *op) {
  op_set_errno(op, symlinkat(op->path2, op->fd, op->path));
}

const op_desc_t op_symlinkat = {"symlinkat", "symlinkat", 3, parse_symlinkat, exec_symlinkat, NULL};

/* linkat(olddirfd, oldpath, newdirfd, newpath, flags) */
static int parse_linkat(napi_env env, napi_value *argv, op_t *op) {
  if (parse_dirfd_path(env, argv, op) != 0) return -1;
  if (arg_dirfd(env, argv[2], "newdirfd", &op->fd2) != 0) return -1;
  if (arg_path(env, argv[3], "newpath", &op->path2) != 0) return -1;
  if (int_arg(env, argv[4], "flags", 0, INT32_MAX, &op->flags) != 0) return -1;
  op->err_dest = op->path2;
  return 0;
}

static void exec_linkat(op_t *op) {
  op_set_errno(op, linkat(op->fd, op->path, op->fd2, op->path2, op->flags));
}

const op_desc_t op_linkat = {"linkat", "linkat", 5, parse_linkat, exec_linkat, NULL};

/* unlinkat(dirfd, path, flags) */
static int parse_unlinkat(napi_env env, napi_value *argv, op_t *op) {
  if (parse_dirfd_path(env, argv, op) != 0) return -1;
  return int_arg(env, argv[2], "flags", 0, INT32_MAX, &op->flags);
}

static void exec_unlinkat(op_t *op) {
  op_set_errno(op, unlinkat(op->fd, op->path, op->flags));
}

const op_desc_t op_unlinkat = {"unlinkat", "unlinkat", 3, parse_unlinkat, exec_unlinkat, NULL};

/* fchownat(dirfd, path, uid, gid, flags); -1 leaves an id unchanged */
static int parse_fchownat(napi_env env, napi_value *argv, op_t *op) {
  int64_t uid, gid;
  if (parse_dirfd_path(env, argv, op) != 0) return -1;
  if (arg_int(env, argv[2], "uid", -1, UINT32_MAX, &uid) != 0) return -1;
  if (arg_int(env, argv[3], "gid", -1, UINT32_MAX, &gid) != 0) return -1;
  if (int_arg(env, argv[4], "flags", 0, INT32_MAX, &op->flags) != 0) return -1;
  op->uid = (uid_t)uid;
  op->gid = (gid_t)gid;
  return 0;
}

static void exec_fchownat(op_t *op) {
  op_set_errno(op, fchownat(op->fd, op->path, op->uid, op->gid, op->flags));
}

const op_desc_t op_fchownat = {"fchownat", "fchownat", 5, parse_fchownat, exec_fchownat, NULL};
