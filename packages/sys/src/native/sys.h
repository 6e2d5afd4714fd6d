/* Shared types of the @cs/sys addon: one "op" describes one system call. */
#ifndef CS_SYS_H
#define CS_SYS_H

#include <node_api.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <linux/openat2.h>

typedef struct op op_t;

/* Reads JS arguments into the op; returns 0, or -1 with a JS exception pending. */
typedef int (*op_parse_fn)(napi_env env, napi_value *argv, op_t *op);
/* Runs the system call off the JS thread (or inline for *Sync); sets op->err. Must not touch napi. */
typedef void (*op_exec_fn)(op_t *op);
/* Builds the success value on the JS thread; NULL means undefined. */
typedef napi_value (*op_result_fn)(napi_env env, op_t *op);

typedef struct op_desc {
  const char *name;    /* exported JS name; the sync twin is name + "Sync" */
  const char *syscall; /* reported in errors unless exec overrides it */
  size_t argc;
  op_parse_fn parse;
  op_exec_fn exec;
  op_result_fn result;
} op_desc_t;

struct op {
  const op_desc_t *desc;
  napi_async_work work;
  napi_deferred deferred;
  napi_threadsafe_function tsfn;

  /* inputs (each op uses the few it needs) */
  char *path, *path2;          /* NUL-terminated copies; path2 is the second path (dest) */
  char *source, *fstype, *data, *name;
  unsigned char *value;
  size_t value_len;
  int fd, fd2;
  int flags;
  unsigned long mount_flags;
  mode_t mode;
  dev_t dev;
  uid_t uid;
  gid_t gid;
  struct timespec times[2];
  struct open_how how;
  struct flock lock;

  /* outputs */
  long ret;
  int err;                     /* errno, 0 on success */
  const char *err_syscall;     /* overrides desc->syscall (multi-step ops) */
  const char *err_path, *err_dest; /* which inputs name the error */
  unsigned char *out;
  size_t out_len;
};

/* errors.c */
void sys_set_error_class(napi_env env, napi_value ctor);
napi_value sys_error(napi_env env, int err, const char *syscall, const char *path, const char *dest);
int throw_type_error(napi_env env, const char *code, const char *fmt, ...);

/* args.c: all return 0, or -1 with a TypeError pending */
int arg_path(napi_env env, napi_value v, const char *what, char **out);
int arg_optional_string(napi_env env, napi_value v, const char *what, char **out);
int arg_int(napi_env env, napi_value v, const char *what, int64_t min, int64_t max, int64_t *out);
int arg_optional_int(napi_env env, napi_value v, const char *what, int64_t min, int64_t max, int64_t def, int64_t *out);
int arg_fd(napi_env env, napi_value v, const char *what, int *out);
int arg_dirfd(napi_env env, napi_value v, const char *what, int *out);
int arg_bytes(napi_env env, napi_value v, const char *what, unsigned char **out, size_t *len); /* a malloc'ed copy */
/* the bytes where they lie (valid while the JS value is alive: a sync call, or held by a reference) */
int arg_bytes_view(napi_env env, napi_value v, const char *what, unsigned char **data, size_t *len);
int arg_time_ns(napi_env env, napi_value v, const char *what, struct timespec *out);
int arg_lock_kind(napi_env env, napi_value v, short *out);
int is_nullish(napi_env env, napi_value v);

/* runner.c */
enum run_mode { RUN_ASYNC = 1, RUN_SYNC = 2, RUN_THREAD = 4 };
napi_value run_async(napi_env env, napi_callback_info info);
napi_value run_sync(napi_env env, napi_callback_info info);
napi_value run_thread(napi_env env, napi_callback_info info);
void op_set_errno(op_t *op, long ret);

/* the ops */
extern const op_desc_t op_mount, op_umount2;
extern const op_desc_t op_mknod, op_mknodat;
extern const op_desc_t op_lgetxattr, op_lsetxattr, op_llistxattr, op_lremovexattr;
extern const op_desc_t op_fgetxattr, op_fsetxattr, op_flistxattr, op_fremovexattr;
extern const op_desc_t op_ofd_try_lock, op_ofd_lock, op_ofd_unlock, op_ofd_get_lock;
extern const op_desc_t op_utimensat, op_lutimens, op_futimens;
extern const op_desc_t op_renameat2, op_openat2, op_mkdirat, op_symlinkat, op_linkat;
extern const op_desc_t op_unlinkat, op_fchownat, op_fchmodat;
extern const op_desc_t op_syncfs, op_fsync_dir;
extern const op_desc_t op_fideduperange;

/* addon.c: exports a table of plain functions */
typedef struct { const char *name; napi_callback cb; } named_fn_t;
napi_status export_functions(napi_env env, napi_value exports, const named_fn_t *fns, size_t count);

/* constants.c */
napi_status define_constants(napi_env env, napi_value exports);
/* op_dev.c: makedev/major/minor are pure functions, exported directly */
napi_value js_makedev(napi_env env, napi_callback_info info);
napi_value js_major(napi_env env, napi_callback_info info);
napi_value js_minor(napi_env env, napi_callback_info info);
/* op_crc64.c: CRC-64/ISO over a buffer, inline (no thread hop) */
napi_value js_crc64_iso_update(napi_env env, napi_callback_info info);
/* op_file.c: one call per extracted file (create + write + owner/xattrs/mode/times + close) */
napi_status define_file_ops(napi_env env, napi_value exports);
/* op_inflate.c: gzip inflate through ISA-L when present (dlopen on first use) */
napi_status define_inflate_ops(napi_env env, napi_value exports);

#endif
