/* OFD record locks on the whole file (F_OFD_SETLK / F_OFD_SETLKW / F_OFD_GETLK).
 * They conflict with classic POSIX locks taken by other processes (the Go code uses those). */
#include "sys.h"
#include <errno.h>
#include <string.h>

static void whole_file(op_t *op, short type) {
  memset(&op->lock, 0, sizeof op->lock);
  op->lock.l_type = type;
  op->lock.l_whence = SEEK_SET; /* l_start = l_len = 0: the whole file, however it grows */
}

static int parse_fd_kind(napi_env env, napi_value *argv, op_t *op) {
  short type;
  if (arg_fd(env, argv[0], "fd", &op->fd) != 0) return -1;
  if (arg_lock_kind(env, argv[1], &type) != 0) return -1;
  whole_file(op, type);
  return 0;
}

static int parse_fd_unlock(napi_env env, napi_value *argv, op_t *op) {
  if (arg_fd(env, argv[0], "fd", &op->fd) != 0) return -1;
  whole_file(op, F_UNLCK);
  return 0;
}

static void exec_try_lock(op_t *op) {
  op_set_errno(op, fcntl(op->fd, F_OFD_SETLK, &op->lock));
  if (op->err == EAGAIN || op->err == EACCES) { /* held elsewhere: an answer, not an error */
    op->err = 0;
    op->ret = -1;
  }
}

static napi_value result_acquired(napi_env env, op_t *op) {
  napi_value v;
  napi_get_boolean(env, op->ret == 0, &v);
  return v;
}

/* runs on its own thread: may wait forever */
static void exec_lock_wait(op_t *op) {
  long ret;
  do {
    ret = fcntl(op->fd, F_OFD_SETLKW, &op->lock);
  } while (ret < 0 && errno == EINTR);
  op_set_errno(op, ret);
}

static void exec_set(op_t *op) {
  op_set_errno(op, fcntl(op->fd, F_OFD_SETLK, &op->lock));
}

static void exec_get_lock(op_t *op) {
  op->lock.l_pid = 0; /* required by F_OFD_GETLK */
  op_set_errno(op, fcntl(op->fd, F_OFD_GETLK, &op->lock));
}

static napi_value result_holder(napi_env env, op_t *op) {
  napi_value v;
  if (op->lock.l_type == F_UNLCK) {
    napi_get_null(env, &v);
    return v;
  }
  napi_value kind, pid;
  napi_create_object(env, &v);
  napi_create_string_utf8(env, op->lock.l_type == F_WRLCK ? "w" : "r", 1, &kind);
  napi_create_int32(env, op->lock.l_pid, &pid); /* -1 when the holder is an OFD lock */
  napi_set_named_property(env, v, "kind", kind);
  napi_set_named_property(env, v, "pid", pid);
  return v;
}

const op_desc_t op_ofd_try_lock = {"ofdTryLock", "fcntl", 2, parse_fd_kind, exec_try_lock, result_acquired};
const op_desc_t op_ofd_lock = {"ofdLock", "fcntl", 2, parse_fd_kind, exec_lock_wait, NULL};
const op_desc_t op_ofd_unlock = {"ofdUnlock", "fcntl", 1, parse_fd_unlock, exec_set, NULL};
const op_desc_t op_ofd_get_lock = {"ofdGetLock", "fcntl", 2, parse_fd_kind, exec_get_lock, result_holder};
