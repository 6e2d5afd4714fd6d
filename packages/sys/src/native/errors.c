/* Node-style errors: "EPERM: operation not permitted, mount '/x'" with code, errno, syscall, path, dest. */
#include "sys.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The JS SysError class, handed over by the loader; plain Error until then.
 * Kept per environment (main thread and each worker thread load the addon separately). */
typedef struct { napi_ref error_class; } instance_t;

static void free_instance(napi_env env, void *data, void *hint) {
  instance_t *instance = data;
  if (instance->error_class) napi_delete_reference(env, instance->error_class);
  free(instance);
}

static instance_t *get_instance(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

void sys_set_error_class(napi_env env, napi_value ctor) {
  instance_t *instance = get_instance(env);
  if (!instance) {
    instance = calloc(1, sizeof *instance);
    if (!instance || napi_set_instance_data(env, instance, free_instance, NULL) != napi_ok) {
      free(instance);
      return;
    }
  }
  if (instance->error_class) napi_delete_reference(env, instance->error_class);
  napi_create_reference(env, ctor, 1, &instance->error_class);
}

static void set_string(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}

napi_value sys_error(napi_env env, int err, const char *syscall, const char *path, const char *dest) {
  const char *code = strerrorname_np(err);
  if (!code) code = "UNKNOWN";
  /* libuv-style lower-case description, as in Node's own fs errors */
  char description[128];
  snprintf(description, sizeof description, "%s", strerror(err));
  description[0] = (char)tolower((unsigned char)description[0]);

  size_t size = strlen(code) + strlen(description) + strlen(syscall) + 16 +
                (path ? strlen(path) + 4 : 0) + (dest ? strlen(dest) + 8 : 0);
  char *message = malloc(size);
  if (!message) return NULL;
  int n = snprintf(message, size, "%s: %s, %s", code, description, syscall);
  if (path) n += snprintf(message + n, size - n, " '%s'", path);
  if (dest) snprintf(message + n, size - n, " -> '%s'", dest);

  napi_value msg, error = NULL, ctor = NULL;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  free(message);
  instance_t *instance = get_instance(env);
  if (instance && instance->error_class) napi_get_reference_value(env, instance->error_class, &ctor);
  if (!ctor || napi_new_instance(env, ctor, 1, &msg, &error) != napi_ok) {
    napi_create_error(env, NULL, msg, &error);
  }
  set_string(env, error, "code", code);
  napi_value errno_value;
  napi_create_int32(env, -err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  set_string(env, error, "syscall", syscall);
  if (path) set_string(env, error, "path", path);
  if (dest) set_string(env, error, "dest", dest);
  return error;
}

int throw_type_error(napi_env env, const char *code, const char *fmt, ...) {
  char message[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  napi_throw_type_error(env, code, message);
  return -1;
}
