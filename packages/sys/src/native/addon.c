/* Module entry: exports every op as a promise function (and a *Sync twin for the cheap ones). */
#include "sys.h"
#include <stdio.h>

typedef struct { const op_desc_t *desc; int modes; } entry_t;

#define FAST (RUN_ASYNC | RUN_SYNC)
static const entry_t entries[] = {
  {&op_mount, RUN_ASYNC}, {&op_umount2, RUN_ASYNC},
  {&op_mknod, FAST}, {&op_mknodat, FAST},
  {&op_lgetxattr, FAST}, {&op_lsetxattr, FAST}, {&op_llistxattr, FAST}, {&op_lremovexattr, FAST},
  {&op_fgetxattr, FAST}, {&op_fsetxattr, FAST}, {&op_flistxattr, FAST}, {&op_fremovexattr, FAST},
  {&op_ofd_try_lock, FAST}, {&op_ofd_lock, RUN_THREAD}, {&op_ofd_unlock, FAST}, {&op_ofd_get_lock, FAST},
  {&op_utimensat, FAST}, {&op_lutimens, FAST}, {&op_futimens, FAST},
  {&op_renameat2, FAST}, {&op_openat2, FAST}, {&op_mkdirat, FAST}, {&op_symlinkat, FAST}, {&op_linkat, FAST},
  {&op_unlinkat, FAST}, {&op_fchownat, FAST}, {&op_fchmodat, FAST},
  {&op_syncfs, RUN_ASYNC}, {&op_fsync_dir, RUN_ASYNC},
  {&op_fideduperange, RUN_ASYNC},
};

static napi_status export_function(napi_env env, napi_value exports, const char *name, napi_callback cb, void *data) {
  napi_value fn;
  napi_status s = napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, data, &fn);
  if (s == napi_ok) s = napi_set_named_property(env, exports, name, fn);
  return s;
}

napi_status export_functions(napi_env env, napi_value exports, const named_fn_t *fns, size_t count) {
  napi_status s = napi_ok;
  for (size_t i = 0; s == napi_ok && i < count; i++) s = export_function(env, exports, fns[i].name, fns[i].cb, NULL);
  return s;
}

static napi_value js_set_error_class(napi_env env, napi_callback_info info) {
  napi_value ctor;
  size_t argc = 1;
  napi_get_cb_info(env, info, &argc, &ctor, NULL, NULL);
  napi_valuetype t = napi_undefined;
  if (argc == 1) napi_typeof(env, ctor, &t);
  if (t != napi_function) {
    throw_type_error(env, "ERR_INVALID_ARG_TYPE", "setErrorClass expects a constructor");
    return NULL;
  }
  sys_set_error_class(env, ctor);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_status s = napi_ok;
  for (size_t i = 0; s == napi_ok && i < sizeof entries / sizeof entries[0]; i++) {
    const entry_t *e = &entries[i];
    void *data = (void *)e->desc;
    if (e->modes & RUN_ASYNC) s = export_function(env, exports, e->desc->name, run_async, data);
    if (s == napi_ok && (e->modes & RUN_THREAD)) s = export_function(env, exports, e->desc->name, run_thread, data);
    if (s == napi_ok && (e->modes & RUN_SYNC)) {
      char sync_name[64];
      snprintf(sync_name, sizeof sync_name, "%sSync", e->desc->name);
      s = export_function(env, exports, sync_name, run_sync, data);
    }
  }
  if (s == napi_ok) s = export_function(env, exports, "makedev", js_makedev, NULL);
  if (s == napi_ok) s = export_function(env, exports, "major", js_major, NULL);
  if (s == napi_ok) s = export_function(env, exports, "minor", js_minor, NULL);
  if (s == napi_ok) s = export_function(env, exports, "crc64IsoUpdate", js_crc64_iso_update, NULL);
  if (s == napi_ok) s = export_function(env, exports, "setErrorClass", js_set_error_class, NULL);
  if (s == napi_ok) s = define_file_ops(env, exports);
  if (s == napi_ok) s = define_inflate_ops(env, exports);
  if (s == napi_ok) s = define_constants(env, exports);
  if (s != napi_ok) {
    napi_throw_error(env, NULL, "@cs/sys: failed to initialise the native module");
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
