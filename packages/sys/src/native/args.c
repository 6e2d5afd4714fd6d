/* Argument readers: validate JS values and copy them into C memory the worker thread may use. */
#include "sys.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static napi_valuetype type_of(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  napi_typeof(env, v, &t);
  return t;
}

int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t = type_of(env, v);
  return t == napi_undefined || t == napi_null;
}

static int copy_string(napi_env env, napi_value v, char **out, size_t *len) {
  size_t n;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok) return -1;
  char *s = malloc(n + 1);
  if (!s) return -1;
  napi_get_value_string_utf8(env, v, s, n + 1, &n);
  *out = s;
  *len = n;
  return 0;
}

/* string or Buffer/Uint8Array (raw bytes: non-UTF-8 names must work) */
int arg_path(napi_env env, napi_value v, const char *what, char **out) {
  size_t len = 0;
  char *s = NULL;
  bool is_typed = false;
  if (type_of(env, v) == napi_string) {
    if (copy_string(env, v, &s, &len) != 0) return throw_type_error(env, "ERR_OUT_OF_MEMORY", "out of memory");
  } else if (napi_is_typedarray(env, v, &is_typed) == napi_ok && is_typed) {
    napi_typedarray_type tt;
    void *data;
    napi_get_typedarray_info(env, v, &tt, &len, &data, NULL, NULL);
    if (tt != napi_uint8_array) {
      return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"%s\" argument must be of type string or an instance of Buffer", what);
    }
    s = malloc(len + 1);
    if (!s) return throw_type_error(env, "ERR_OUT_OF_MEMORY", "out of memory");
    memcpy(s, data, len);
    s[len] = 0;
  } else {
    return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"%s\" argument must be of type string or an instance of Buffer", what);
  }
  if (strlen(s) != len) {
    free(s);
    return throw_type_error(env, "ERR_INVALID_ARG_VALUE", "The \"%s\" argument must not contain null bytes", what);
  }
  *out = s;
  return 0;
}

int arg_optional_string(napi_env env, napi_value v, const char *what, char **out) {
  if (is_nullish(env, v)) {
    *out = NULL;
    return 0;
  }
  if (type_of(env, v) != napi_string) {
    return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"%s\" argument must be of type string", what);
  }
  size_t len;
  if (copy_string(env, v, out, &len) != 0) return throw_type_error(env, "ERR_OUT_OF_MEMORY", "out of memory");
  if (strlen(*out) != len) {
    free(*out);
    *out = NULL;
    return throw_type_error(env, "ERR_INVALID_ARG_VALUE", "The \"%s\" argument must not contain null bytes", what);
  }
  return 0;
}

/* an integral number (or bigint) in [min, max] */
int arg_int(napi_env env, napi_value v, const char *what, int64_t min, int64_t max, int64_t *out) {
  napi_valuetype t = type_of(env, v);
  int64_t value;
  if (t == napi_number) {
    double d;
    napi_get_value_double(env, v, &d);
    if (!isfinite(d) || trunc(d) != d || d < (double)min || d > (double)max || d >= 0x1p63) { /* 2^63 would overflow */
      return throw_type_error(env, "ERR_OUT_OF_RANGE", "The value of \"%s\" is out of range: it must be an integer >= %lld and <= %lld",
                              what, (long long)min, (long long)max);
    }
    value = (int64_t)d;
  } else if (t == napi_bigint) {
    bool lossless;
    napi_get_value_bigint_int64(env, v, &value, &lossless);
    if (!lossless || value < min || value > max) {
      return throw_type_error(env, "ERR_OUT_OF_RANGE", "The value of \"%s\" is out of range: it must be >= %lld and <= %lld",
                              what, (long long)min, (long long)max);
    }
  } else {
    return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"%s\" argument must be of type number", what);
  }
  *out = value;
  return 0;
}

int arg_optional_int(napi_env env, napi_value v, const char *what, int64_t min, int64_t max, int64_t def, int64_t *out) {
  if (type_of(env, v) == napi_undefined) {
    *out = def;
    return 0;
  }
  return arg_int(env, v, what, min, max, out);
}

int arg_fd(napi_env env, napi_value v, const char *what, int *out) {
  int64_t fd;
  if (arg_int(env, v, what, 0, INT32_MAX, &fd) != 0) return -1;
  *out = (int)fd;
  return 0;
}

/* a directory fd or AT_FDCWD */
int arg_dirfd(napi_env env, napi_value v, const char *what, int *out) {
  int64_t fd;
  if (arg_int(env, v, what, AT_FDCWD, INT32_MAX, &fd) != 0) return -1;
  if (fd < 0 && fd != AT_FDCWD) {
    return throw_type_error(env, "ERR_OUT_OF_RANGE", "The value of \"%s\" must be a file descriptor or AT.FDCWD", what);
  }
  *out = (int)fd;
  return 0;
}

int arg_bytes_view(napi_env env, napi_value v, const char *what, unsigned char **data, size_t *len) {
  bool is_typed = false;
  napi_typedarray_type tt;
  void *p;
  size_t n;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &tt, &n, &p, NULL, NULL) != napi_ok || tt != napi_uint8_array) {
    return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"%s\" argument must be an instance of Buffer or Uint8Array", what);
  }
  *data = p;
  *len = n;
  return 0;
}

int arg_bytes(napi_env env, napi_value v, const char *what, unsigned char **out, size_t *len) {
  unsigned char *data;
  size_t n;
  if (arg_bytes_view(env, v, what, &data, &n) != 0) return -1;
  unsigned char *copy = malloc(n ? n : 1);
  if (!copy) return throw_type_error(env, "ERR_OUT_OF_MEMORY", "out of memory");
  if (n) memcpy(copy, data, n);
  *out = copy;
  *len = n;
  return 0;
}

/* bigint nanoseconds since the epoch (may be negative), or null for UTIME_OMIT */
int arg_time_ns(napi_env env, napi_value v, const char *what, struct timespec *out) {
  if (is_nullish(env, v)) {
    out->tv_sec = 0;
    out->tv_nsec = UTIME_OMIT;
    return 0;
  }
  if (type_of(env, v) != napi_bigint) {
    return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"%s\" argument must be of type bigint (nanoseconds) or null", what);
  }
  int64_t ns;
  bool lossless;
  napi_get_value_bigint_int64(env, v, &ns, &lossless);
  if (!lossless) return throw_type_error(env, "ERR_OUT_OF_RANGE", "The value of \"%s\" does not fit in 64 bits", what);
  int64_t sec = ns / 1000000000, rem = ns % 1000000000;
  if (rem < 0) { /* floor division: -1 ns is 1969-12-31T23:59:59.999999999 */
    rem += 1000000000;
    sec -= 1;
  }
  out->tv_sec = (time_t)sec;
  out->tv_nsec = (long)rem;
  return 0;
}

int arg_lock_kind(napi_env env, napi_value v, short *out) {
  char kind[4];
  size_t n = 0;
  if (type_of(env, v) == napi_string) napi_get_value_string_utf8(env, v, kind, sizeof kind, &n);
  if (n == 1 && kind[0] == 'r') *out = F_RDLCK;
  else if (n == 1 && kind[0] == 'w') *out = F_WRLCK;
  else return throw_type_error(env, "ERR_INVALID_ARG_VALUE", "The \"kind\" argument must be 'r' or 'w'");
  return 0;
}
