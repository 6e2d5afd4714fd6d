/* Durability helpers: syncfs(2) and fsync of a directory (to persist renames and creates in it). */
#include "sys.h"
#include <errno.h>
#include <unistd.h>

static int parse_fd(napi_env env, napi_value *argv, op_t *op) {
  return arg_fd(env, argv[0], "fd", &op->fd);
}

static void exec_syncfs(op_t *op) {
  op_set_errno(op, syncfs(op->fd));
}

const op_desc_t op_syncfs = {"syncfs", "syncfs", 1, parse_fd, exec_syncfs, NULL};

static int parse_path(napi_env env, napi_value *argv, op_t *op) {
  if (arg_path(env, argv[0], "path", &op->path) != 0) return -1;
  op->err_path = op->path;
  return 0;
}

static void exec_fsync_dir(op_t *op) {
  int fd = open(op->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    op->err_syscall = "open";
    op_set_errno(op, -1);
    return;
  }
  long ret = fsync(fd);
  op_set_errno(op, ret);
  close(fd);
}

const op_desc_t op_fsync_dir = {"fsyncDir", "fsync", 1, parse_path, exec_fsync_dir, NULL};
