/* Runs an op three ways: on libuv's pool (promise), inline (*Sync), or on a dedicated thread (promise). */
#include "sys.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define MAX_ARGS 8

void op_set_errno(op_t *op, long ret) {
  op->ret = ret;
  op->err = ret < 0 ? errno : 0;
}

static void op_free(op_t *op) {
  free(op->path);
  free(op->path2);
  free(op->source);
  free(op->fstype);
  free(op->data);
  free(op->name);
  free(op->value);
  free(op->out);
  free(op);
}

/* Reads the arguments; on failure returns NULL with the exception pending. */
static op_t *op_prepare(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  size_t argc = MAX_ARGS;
  void *data;
  napi_get_cb_info(env, info, &argc, argv, NULL, &data);
  const op_desc_t *desc = data;
  for (size_t i = argc; i < MAX_ARGS; i++) napi_get_undefined(env, &argv[i]);
  op_t *op = calloc(1, sizeof *op);
  if (!op) {
    napi_throw_error(env, "ERR_OUT_OF_MEMORY", "out of memory");
    return NULL;
  }
  op->desc = desc;
  op->fd = op->fd2 = -1;
  if (desc->parse(env, argv, op) != 0) {
    op_free(op);
    return NULL;
  }
  return op;
}

/* The op's outcome as a JS value; *failed tells which side of the promise it belongs to. */
static napi_value op_outcome(napi_env env, op_t *op, bool *failed) {
  napi_value value = NULL;
  *failed = op->err != 0;
  if (*failed) {
    const char *syscall = op->err_syscall ? op->err_syscall : op->desc->syscall;
    value = sys_error(env, op->err, syscall, op->err_path, op->err_dest);
  } else if (op->desc->result) {
    value = op->desc->result(env, op);
  }
  if (!value) napi_get_undefined(env, &value);
  return value;
}

static void settle(napi_env env, op_t *op) {
  bool failed;
  napi_value value = op_outcome(env, op, &failed);
  if (failed) napi_reject_deferred(env, op->deferred, value);
  else napi_resolve_deferred(env, op->deferred, value);
}

/* Creates the promise; if the arguments are bad, the promise is rejected (like fs.promises). */
static napi_value begin(napi_env env, napi_callback_info info, op_t **out) {
  napi_value promise;
  napi_deferred deferred;
  napi_create_promise(env, &deferred, &promise);
  op_t *op = op_prepare(env, info);
  if (!op) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_reject_deferred(env, deferred, exception);
    *out = NULL;
    return promise;
  }
  op->deferred = deferred;
  *out = op;
  return promise;
}

napi_value run_sync(napi_env env, napi_callback_info info) {
  op_t *op = op_prepare(env, info);
  if (!op) return NULL;
  op->desc->exec(op);
  bool failed;
  napi_value value = op_outcome(env, op, &failed);
  op_free(op);
  if (failed) {
    napi_throw(env, value);
    return NULL;
  }
  return value;
}

/* --- libuv pool: fine for short system calls --- */

static void pool_execute(napi_env env, void *data) {
  op_t *op = data;
  op->desc->exec(op);
}

static void pool_complete(napi_env env, napi_status status, void *data) {
  op_t *op = data;
  if (status != napi_ok && op->err == 0) op->err = ECANCELED;
  settle(env, op);
  napi_delete_async_work(env, op->work);
  op_free(op);
}

napi_value run_async(napi_env env, napi_callback_info info) {
  op_t *op;
  napi_value promise = begin(env, info, &op);
  if (!op) return promise;
  napi_value resource_name;
  napi_create_string_utf8(env, op->desc->name, NAPI_AUTO_LENGTH, &resource_name);
  napi_create_async_work(env, NULL, resource_name, pool_execute, pool_complete, op, &op->work);
  if (napi_queue_async_work(env, op->work) != napi_ok) {
    op->err = EAGAIN;
    op->err_syscall = "uv_queue_work";
    pool_complete(env, napi_ok, op);
  }
  return promise;
}

/* --- dedicated thread: for waits of unbounded length (blocking locks), which would
 * otherwise occupy one of libuv's 4 pool threads each and starve all file I/O --- */

/* Shared by the waiting thread and the tsfn finalizer: if the JS environment goes away first
 * (a worker thread terminated mid-wait), the thread must not touch the tsfn any more. */
typedef struct {
  int refs;
  bool env_gone;
} wait_link_t;

static pthread_mutex_t wait_mutex = PTHREAD_MUTEX_INITIALIZER;

static void link_drop(wait_link_t *link) { /* call with wait_mutex held */
  if (--link->refs == 0) free(link);
}

static void thread_settle(napi_env env, napi_value js_callback, void *context, void *data) {
  op_t *op = data;
  if (env) settle(env, op); /* env is NULL when the environment is being torn down */
  op_free(op);
}

static void tsfn_finalized(napi_env env, void *data, void *hint) {
  wait_link_t *link = data;
  pthread_mutex_lock(&wait_mutex);
  link->env_gone = true;
  link_drop(link);
  pthread_mutex_unlock(&wait_mutex);
}

typedef struct {
  op_t *op;
  wait_link_t *link;
} wait_t;

static void *thread_main(void *data) {
  wait_t wait = *(wait_t *)data;
  free(data);
  napi_threadsafe_function tsfn = wait.op->tsfn;
  wait.op->desc->exec(wait.op);
  pthread_mutex_lock(&wait_mutex);
  if (wait.link->env_gone || napi_call_threadsafe_function(tsfn, wait.op, napi_tsfn_nonblocking) != napi_ok) {
    op_free(wait.op); /* nobody left to tell */
  }
  if (!wait.link->env_gone) napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  link_drop(wait.link);
  pthread_mutex_unlock(&wait_mutex);
  return NULL;
}

static void fail_now(napi_env env, op_t *op, int err, const char *syscall) {
  op->err = err;
  op->err_syscall = syscall;
  settle(env, op);
  op_free(op);
}

napi_value run_thread(napi_env env, napi_callback_info info) {
  op_t *op;
  napi_value promise = begin(env, info, &op);
  if (!op) return promise;
  wait_t *wait = malloc(sizeof *wait);
  wait_link_t *link = calloc(1, sizeof *link);
  if (!wait || !link) {
    free(wait);
    free(link);
    fail_now(env, op, ENOMEM, "malloc");
    return promise;
  }
  link->refs = 2; /* the thread and the tsfn finalizer */
  napi_value resource_name;
  napi_create_string_utf8(env, op->desc->name, NAPI_AUTO_LENGTH, &resource_name);
  /* the tsfn holds a ref, so a pending wait keeps the process alive like any pending I/O */
  if (napi_create_threadsafe_function(env, NULL, NULL, resource_name, 0, 1, link, tsfn_finalized, NULL, thread_settle,
                                      &op->tsfn) != napi_ok) {
    free(wait);
    free(link);
    fail_now(env, op, EAGAIN, "napi_create_threadsafe_function");
    return promise;
  }
  wait->op = op;
  wait->link = link;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024); /* the thread only makes one fcntl call */
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, thread_main, wait);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    free(wait);
    pthread_mutex_lock(&wait_mutex);
    link_drop(link); /* the thread's share; the finalizer drops the other */
    pthread_mutex_unlock(&wait_mutex);
    napi_release_threadsafe_function(op->tsfn, napi_tsfn_release);
    fail_now(env, op, rc, "pthread_create");
  }
  return promise;
}
