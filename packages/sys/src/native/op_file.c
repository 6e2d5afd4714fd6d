/* One call per extracted file: create (O_EXCL, never following the final component) relative to a directory
 * fd, write the data, then owner, xattrs, mode and times, and close. Layer extraction makes four to six
 * system calls per file; as separate N-API calls each costs more in argument handling than in the kernel.
 * All synchronous, on the calling thread (the apply worker), with the data read where it lies (no copy).
 *
 *   fileCreateAtSync(dirfd, name, data|null, attrs, crc|null, xattrs|null) -> -1 (closed) or the open fd
 *   fileWriteSync(fd, data, crc|null)                                       -> undefined
 *   fileFinishSync(fd, attrs, xattrs|null)                                  -> undefined (fd always closed)
 *   setAttrsAtSync(dirfd, name, attrs, xattrs|null)                         -> undefined (an existing object)
 *
 * attrs is a Float64Array laid out as FILE_ATTR in src/file.ts; crc a Uint32Array [high, low] of a running
 * CRC-64/ISO updated in place; xattrs an array of [name, value] pairs (already filtered by the caller). */
#include "sys.h"
#include "crc64_iso.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* attrs slots and flag bits: keep in step with src/file.ts */
enum { A_FLAGS, A_MODE, A_UID, A_GID, A_CHMOD, A_ATIME_SEC, A_ATIME_NSEC, A_MTIME_SEC, A_MTIME_NSEC, A_COUNT };
enum {
  F_CHOWN = 1,               /* fchown(uid, gid) */
  F_CHMOD = 2,               /* fchmod(chmod): after chown, which clears setuid/setgid */
  F_TIMES = 4,               /* futimens/utimensat(atime, mtime) */
  F_KEEP_OPEN = 8,           /* fileCreateAtSync: return the fd after writing (more data follows) */
  F_IGNORE_CHOWN_ERRORS = 16,
  F_IGNORE_XATTR_EPERM = 32, /* rootless: trusted.* and the like are dropped, as upstream does */
};

typedef struct {
  int flags;
  mode_t mode, chmod;
  uid_t uid;
  gid_t gid;
  struct timespec times[2];
} attrs_t;

typedef struct {
  const unsigned char *data;
  size_t len;
} bytes_t;

/* the call's arguments, missing ones as undefined */
static void get_args(napi_env env, napi_callback_info info, napi_value *argv, size_t n) {
  size_t argc = n;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  for (size_t i = argc; i < n; i++) napi_get_undefined(env, &argv[i]);
}

static int get_int(napi_env env, napi_value v, const char *what, int *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"%s\" argument must be of type number", what);
  return 0;
}

/* a Uint8Array/Buffer (or any typed array: its bytes); nullish gives an empty view when allowed */
static int get_bytes(napi_env env, napi_value v, const char *what, bool nullable, bytes_t *out) {
  out->data = NULL;
  out->len = 0;
  if (nullable && is_nullish(env, v)) return 0;
  return arg_bytes_view(env, v, what, (unsigned char **)&out->data, &out->len);
}

/* one path component (no '/', not empty), copied NUL-terminated into buf */
static int get_name(napi_env env, napi_value v, char buf[PATH_MAX]) {
  size_t len = 0;
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  if (t == napi_string) {
    if (napi_get_value_string_utf8(env, v, buf, PATH_MAX, &len) != napi_ok) len = 0;
    if (len >= PATH_MAX - 1) return throw_type_error(env, "ERR_OUT_OF_RANGE", "The \"name\" argument is too long");
  } else {
    bytes_t b;
    if (get_bytes(env, v, "name", false, &b) != 0) return -1;
    if (b.len >= PATH_MAX) return throw_type_error(env, "ERR_OUT_OF_RANGE", "The \"name\" argument is too long");
    memcpy(buf, b.data, b.len);
    buf[b.len] = 0;
    len = b.len;
  }
  if (len == 0 || strlen(buf) != len || memchr(buf, '/', len) != NULL) {
    return throw_type_error(env, "ERR_INVALID_ARG_VALUE", "The \"name\" argument must be one path component (no '/', no NUL)");
  }
  return 0;
}

static int get_attrs(napi_env env, napi_value v, attrs_t *a) {
  bool is_typed = false;
  napi_typedarray_type tt;
  size_t n = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &tt, &n, &data, NULL, NULL) != napi_ok || tt != napi_float64_array || n < A_COUNT) {
    return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"attrs\" argument must be a Float64Array of FILE_ATTR.LENGTH slots");
  }
  const double *d = data;
  a->flags = (int)d[A_FLAGS];
  a->mode = (mode_t)d[A_MODE] & 07777;
  a->chmod = (mode_t)d[A_CHMOD] & 07777;
  a->uid = (uid_t)d[A_UID];
  a->gid = (gid_t)d[A_GID];
  a->times[0].tv_sec = (time_t)d[A_ATIME_SEC];
  a->times[0].tv_nsec = (long)d[A_ATIME_NSEC];
  a->times[1].tv_sec = (time_t)d[A_MTIME_SEC];
  a->times[1].tv_nsec = (long)d[A_MTIME_NSEC];
  return 0;
}

static int get_crc(napi_env env, napi_value v, uint32_t **out) {
  *out = NULL;
  if (is_nullish(env, v)) return 0;
  bool is_typed = false;
  napi_typedarray_type tt;
  size_t n = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &tt, &n, &data, NULL, NULL) != napi_ok || tt != napi_uint32_array || n < 2) {
    return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"crc\" argument must be a Uint32Array of length 2 ([high, low]) or null");
  }
  *out = data;
  return 0;
}

static int throw_sys(napi_env env, int err, const char *syscall, const char *path) {
  napi_value e = sys_error(env, err, syscall, path, NULL);
  if (e) napi_throw(env, e);
  else napi_throw_error(env, NULL, "out of memory");
  return -1;
}

/* the failure of a step: which call, and its errno */
typedef struct {
  int err;
  const char *syscall;
} fail_t;

static void write_all(int fd, bytes_t b, uint32_t *crc, fail_t *f) {
  if (crc && b.len) {
    uint64_t c = ((uint64_t)crc[0] << 32) | crc[1];
    c = crc64_iso_update(c, b.data, b.len);
    crc[0] = (uint32_t)(c >> 32);
    crc[1] = (uint32_t)c;
  }
  while (b.len > 0) {
    ssize_t n = write(fd, b.data, b.len);
    if (n < 0) {
      if (errno == EINTR) continue;
      f->err = errno;
      f->syscall = "write";
      return;
    }
    b.data += n;
    b.len -= (size_t)n;
  }
}

/* xattrs on an fd (fd >= 0) or a path (never followed) */
static int set_xattrs(napi_env env, napi_value list, int fd, const char *path, int flags, fail_t *f) {
  if (is_nullish(env, list)) return 0;
  bool is_array = false;
  uint32_t count = 0;
  if (napi_is_array(env, list, &is_array) != napi_ok || !is_array) {
    return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"xattrs\" argument must be an array of [name, value] pairs or null");
  }
  napi_get_array_length(env, list, &count);
  for (uint32_t i = 0; i < count && f->err == 0; i++) {
    napi_value pair, name_v, value_v;
    char name[XATTR_NAME_MAX + 1];
    size_t name_len = 0;
    bytes_t value;
    bool pair_ok = napi_get_element(env, list, i, &pair) == napi_ok && napi_is_array(env, pair, &is_array) == napi_ok && is_array &&
                   napi_get_element(env, pair, 0, &name_v) == napi_ok && napi_get_element(env, pair, 1, &value_v) == napi_ok &&
                   napi_get_value_string_utf8(env, name_v, name, sizeof name, &name_len) == napi_ok;
    if (!pair_ok || name_len == 0 || name_len >= XATTR_NAME_MAX || strlen(name) != name_len) {
      return throw_type_error(env, "ERR_INVALID_ARG_VALUE", "xattrs[%u] must be a [name, value] pair with a non-empty name", i);
    }
    if (get_bytes(env, value_v, "xattrs value", false, &value) != 0) return -1;
    int rc = fd >= 0 ? fsetxattr(fd, name, value.data, value.len, 0) : lsetxattr(path, name, value.data, value.len, 0);
    if (rc == 0) continue;
    int err = errno;
    if (err == ENOTSUP || err == EOPNOTSUPP) continue; /* the file system has no xattrs: skipped, as upstream */
    if (err == EPERM && (flags & F_IGNORE_XATTR_EPERM)) continue;
    f->err = err;
    f->syscall = fd >= 0 ? "fsetxattr" : "lsetxattr";
  }
  return 0;
}

/* owner, xattrs, mode, times of an open file, in the order extraction needs (chown drops setuid bits and
 * file capabilities, so it comes first; chmod restores the special bits). Returns -1 on a pending JS error. */
static int finish_fd(napi_env env, int fd, const attrs_t *a, napi_value xattrs, fail_t *f) {
  if ((a->flags & F_CHOWN) && fchown(fd, a->uid, a->gid) != 0 && !(a->flags & F_IGNORE_CHOWN_ERRORS)) {
    f->err = errno;
    f->syscall = "fchown";
    return 0;
  }
  if (set_xattrs(env, xattrs, fd, NULL, a->flags, f) != 0 || f->err) return f->err ? 0 : -1;
  if ((a->flags & F_CHMOD) && fchmod(fd, a->chmod) != 0) {
    f->err = errno;
    f->syscall = "fchmod";
    return 0;
  }
  if ((a->flags & F_TIMES) && futimens(fd, a->times) != 0) {
    f->err = errno;
    f->syscall = "futimens";
  }
  return 0;
}

/* closes fd; the first failure (a step's, else close's) is thrown */
static napi_value close_and_report(napi_env env, int fd, int js_failed, fail_t *f, const char *path) {
  if (close(fd) != 0 && f->err == 0 && !js_failed) {
    f->err = errno;
    f->syscall = "close";
  }
  if (!js_failed && f->err) throw_sys(env, f->err, f->syscall, path);
  return NULL;
}

static napi_value js_file_create_at(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  get_args(env, info, argv, 6);
  int dirfd;
  char name[PATH_MAX];
  bytes_t data;
  attrs_t a;
  uint32_t *crc;
  if (get_int(env, argv[0], "dirfd", &dirfd) != 0 || get_name(env, argv[1], name) != 0 || get_bytes(env, argv[2], "data", true, &data) != 0 ||
      get_attrs(env, argv[3], &a) != 0 || get_crc(env, argv[4], &crc) != 0) {
    return NULL;
  }
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, a.mode);
  if (fd < 0) {
    throw_sys(env, errno, "openat", name);
    return NULL;
  }
  fail_t f = {0, NULL};
  write_all(fd, data, crc, &f);
  if (f.err == 0 && (a.flags & F_KEEP_OPEN)) {
    napi_value v;
    napi_create_int32(env, fd, &v);
    return v;
  }
  int js_failed = f.err == 0 ? finish_fd(env, fd, &a, argv[5], &f) : 0;
  close_and_report(env, fd, js_failed, &f, name);
  if (js_failed || f.err) return NULL;
  napi_value v;
  napi_create_int32(env, -1, &v);
  return v;
}

static napi_value js_file_write(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  get_args(env, info, argv, 3);
  int fd;
  bytes_t data;
  uint32_t *crc;
  if (get_int(env, argv[0], "fd", &fd) != 0 || get_bytes(env, argv[1], "data", false, &data) != 0 || get_crc(env, argv[2], &crc) != 0) return NULL;
  fail_t f = {0, NULL};
  write_all(fd, data, crc, &f);
  if (f.err) throw_sys(env, f.err, f.syscall, NULL);
  return NULL;
}

static napi_value js_file_finish(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  get_args(env, info, argv, 3);
  int fd;
  attrs_t a;
  if (get_int(env, argv[0], "fd", &fd) != 0) return NULL;
  if (get_attrs(env, argv[1], &a) != 0) {
    close(fd); /* the fd is always consumed */
    return NULL;
  }
  fail_t f = {0, NULL};
  int js_failed = finish_fd(env, fd, &a, argv[2], &f);
  return close_and_report(env, fd, js_failed, &f, NULL);
}

/* owner, xattrs, mode and times of an existing object `name` in dirfd (a directory, symlink, device or
 * hardlink), never following it: lchown, lsetxattr through /proc/self/fd, fchmodat (Linux has no lchmod:
 * callers leave F_CHMOD out for symlinks), utimensat(AT_SYMLINK_NOFOLLOW). */
static napi_value js_set_attrs_at(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  get_args(env, info, argv, 4);
  int dirfd;
  char name[PATH_MAX];
  attrs_t a;
  if (get_int(env, argv[0], "dirfd", &dirfd) != 0 || get_name(env, argv[1], name) != 0 || get_attrs(env, argv[2], &a) != 0) return NULL;
  fail_t f = {0, NULL};
  if ((a.flags & F_CHOWN) && fchownat(dirfd, name, a.uid, a.gid, AT_SYMLINK_NOFOLLOW) != 0 && !(a.flags & F_IGNORE_CHOWN_ERRORS)) {
    f.err = errno;
    f.syscall = "fchownat";
  }
  if (f.err == 0 && !is_nullish(env, argv[3])) {
    char path[PATH_MAX + 32];
    int n = snprintf(path, sizeof path, "/proc/self/fd/%d/%s", dirfd, name);
    if (n < 0 || (size_t)n >= sizeof path) {
      f.err = ENAMETOOLONG;
      f.syscall = "lsetxattr";
    } else if (set_xattrs(env, argv[3], -1, path, a.flags, &f) != 0) {
      return NULL;
    }
  }
  if (f.err == 0 && (a.flags & F_CHMOD) && fchmodat(dirfd, name, a.chmod, 0) != 0) {
    f.err = errno;
    f.syscall = "fchmodat";
  }
  if (f.err == 0 && (a.flags & F_TIMES) && utimensat(dirfd, name, a.times, AT_SYMLINK_NOFOLLOW) != 0) {
    f.err = errno;
    f.syscall = "utimensat";
  }
  if (f.err) throw_sys(env, f.err, f.syscall, name);
  return NULL;
}

napi_status define_file_ops(napi_env env, napi_value exports) {
  static const named_fn_t fns[] = {
    {"fileCreateAtSync", js_file_create_at},
    {"fileWriteSync", js_file_write},
    {"fileFinishSync", js_file_finish},
    {"setAttrsAtSync", js_set_attrs_at},
  };
  return export_functions(env, exports, fns, sizeof fns / sizeof fns[0]);
}
