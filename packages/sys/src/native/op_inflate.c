/* gzip inflate through ISA-L (libisal), about 2.5x zlib's speed on x86-64. Optional twice over:
 * compiled only where the ISA-L headers were present at build time (CS_HAVE_ISAL), and the library
 * is dlopen'ed on first use, so start-up pays nothing and a machine without libisal2 just answers
 * "not available" (the caller then uses node:zlib).
 *
 * JS surface: gzipInflateAvailable() -> bool; gzipInflateCreate() -> handle;
 * gzipInflate(handle, input, output) -> Promise<{consumed, produced, memberEnd}> on libuv's pool;
 * gzipInflateReset(handle) starts the next gzip member. One call at a time per handle. */
#include "sys.h"
#include <stdbool.h>
#include <stdlib.h>

#ifdef CS_HAVE_ISAL
#include <dlfcn.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>

static napi_status set_number(napi_env env, napi_value obj, const char *key, double n) {
  napi_value v;
  napi_status s = napi_create_double(env, n, &v);
  return s == napi_ok ? napi_set_named_property(env, obj, key, v) : s;
}

static struct {
  void (*init)(struct inflate_state *);
  void (*reset)(struct inflate_state *);
  int (*inflate)(struct inflate_state *);
  bool loaded;
} isal;
static pthread_once_t isal_once = PTHREAD_ONCE_INIT;

static void isal_load(void) {
  void *lib = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return;
  isal.init = (void (*)(struct inflate_state *))dlsym(lib, "isal_inflate_init");
  isal.reset = (void (*)(struct inflate_state *))dlsym(lib, "isal_inflate_reset");
  isal.inflate = (int (*)(struct inflate_state *))dlsym(lib, "isal_inflate");
  isal.loaded = isal.init && isal.reset && isal.inflate;
}

static bool isal_ready(void) {
  pthread_once(&isal_once, isal_load);
  return isal.loaded;
}

typedef struct {
  struct inflate_state state;
  bool busy;
} inflater_t;

typedef struct {
  inflater_t *inf;
  napi_async_work work;
  napi_deferred deferred;
  napi_ref input_ref, output_ref, handle_ref; /* kept alive while the pool works on them */
  uint8_t *in, *out;
  size_t in_len, out_len;
  size_t consumed, produced;
  bool member_end;
  int ret;
} job_t;

static void inflater_finalize(napi_env env, void *data, void *hint) { free(data); }

static inflater_t *get_inflater(napi_env env, napi_value v) {
  void *data = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &data) != napi_ok || !data) {
    throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"handle\" argument must come from gzipInflateCreate()");
    return NULL;
  }
  return data;
}

static void job_execute(napi_env env, void *data) {
  job_t *job = data;
  struct inflate_state *st = &job->inf->state;
  /* ISA-L counts in 32 bits: the JS side never hands over more than 1 GiB at once */
  st->next_in = job->in;
  st->avail_in = (uint32_t)job->in_len;
  st->next_out = job->out;
  st->avail_out = (uint32_t)job->out_len;
  job->ret = ISAL_DECOMP_OK;
  while (st->block_state != ISAL_BLOCK_FINISH) {
    uint32_t before_in = st->avail_in, before_out = st->avail_out;
    job->ret = isal.inflate(st);
    if (job->ret < 0 || st->avail_out == 0 || st->avail_in == 0) break;
    if (st->avail_in == before_in && st->avail_out == before_out) break; /* no progress: needs more input */
  }
  job->consumed = job->in_len - st->avail_in;
  job->produced = job->out_len - st->avail_out;
  job->member_end = st->block_state == ISAL_BLOCK_FINISH;
}

static const char *error_message(int ret) {
  switch (ret) {
    case ISAL_INVALID_WRAPPER: return "invalid header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "checksum error";
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid lookback distance";
    default: return "corrupt data";
  }
}

static void job_complete(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  job->inf->busy = false;
  napi_value result;
  if (job->ret < 0 || status != napi_ok) {
    napi_value code, msg;
    const char *text = status != napi_ok ? "inflate cancelled" : error_message(job->ret);
    napi_create_string_utf8(env, job->ret == ISAL_INCORRECT_CHECKSUM ? "ERR_GZIP_CHECKSUM" : "ERR_GZIP_CORRUPT", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, code, msg, &result);
    napi_reject_deferred(env, job->deferred, result);
  } else {
    napi_value yes;
    napi_create_object(env, &result);
    set_number(env, result, "consumed", (double)job->consumed);
    set_number(env, result, "produced", (double)job->produced);
    napi_get_boolean(env, job->member_end, &yes);
    napi_set_named_property(env, result, "memberEnd", yes);
    napi_resolve_deferred(env, job->deferred, result);
  }
  napi_delete_reference(env, job->input_ref);
  napi_delete_reference(env, job->output_ref);
  napi_delete_reference(env, job->handle_ref);
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value js_inflate_create(napi_env env, napi_callback_info info) {
  if (!isal_ready()) {
    napi_throw_error(env, "ERR_GZIP_UNAVAILABLE", "ISA-L (libisal.so.2) is not available");
    return NULL;
  }
  inflater_t *inf = calloc(1, sizeof *inf);
  if (!inf) {
    napi_throw_error(env, "ERR_OUT_OF_MEMORY", "out of memory");
    return NULL;
  }
  isal.init(&inf->state);
  inf->state.crc_flag = ISAL_GZIP;
  napi_value handle;
  if (napi_create_external(env, inf, inflater_finalize, NULL, &handle) != napi_ok) {
    free(inf);
    return NULL;
  }
  return handle;
}

static napi_value js_inflate_reset(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  inflater_t *inf = argc == 1 ? get_inflater(env, argv[0]) : NULL;
  if (!inf) {
    if (argc != 1) throw_type_error(env, "ERR_INVALID_ARG_TYPE", "gzipInflateReset expects a handle");
    return NULL;
  }
  if (inf->busy) {
    napi_throw_error(env, "ERR_GZIP_BUSY", "gzipInflateReset while an inflate call is running");
    return NULL;
  }
  isal.reset(&inf->state);
  inf->state.crc_flag = ISAL_GZIP;
  return NULL;
}

static napi_value js_inflate(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 3) {
    throw_type_error(env, "ERR_INVALID_ARG_TYPE", "gzipInflate expects (handle, input, output)");
    return NULL;
  }
  inflater_t *inf = get_inflater(env, argv[0]);
  if (!inf) return NULL;
  job_t *job = calloc(1, sizeof *job);
  if (!job) {
    napi_throw_error(env, "ERR_OUT_OF_MEMORY", "out of memory");
    return NULL;
  }
  if (arg_bytes_view(env, argv[1], "input", &job->in, &job->in_len) || arg_bytes_view(env, argv[2], "output", &job->out, &job->out_len)) {
    free(job);
    return NULL;
  }
  if (job->in_len > (1u << 30) || job->out_len > (1u << 30)) {
    free(job);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "gzipInflate works on at most 1 GiB at a time");
    return NULL;
  }
  if (inf->busy) {
    free(job);
    napi_throw_error(env, "ERR_GZIP_BUSY", "one gzipInflate call at a time per handle");
    return NULL;
  }
  job->inf = inf;
  napi_value promise, name;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_reference(env, argv[0], 1, &job->handle_ref);
  napi_create_reference(env, argv[1], 1, &job->input_ref);
  napi_create_reference(env, argv[2], 1, &job->output_ref);
  napi_create_string_utf8(env, "gzipInflate", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, job_execute, job_complete, job, &job->work);
  inf->busy = true;
  napi_queue_async_work(env, job->work);
  return promise;
}
#endif /* CS_HAVE_ISAL */

static napi_value js_inflate_available(napi_env env, napi_callback_info info) {
  napi_value v;
#ifdef CS_HAVE_ISAL
  napi_get_boolean(env, isal_ready(), &v);
#else
  napi_get_boolean(env, false, &v);
#endif
  return v;
}

napi_status define_inflate_ops(napi_env env, napi_value exports) {
  static const named_fn_t fns[] = {
    {"gzipInflateAvailable", js_inflate_available},
#ifdef CS_HAVE_ISAL
    {"gzipInflateCreate", js_inflate_create},
    {"gzipInflate", js_inflate},
    {"gzipInflateReset", js_inflate_reset},
#endif
  };
  return export_functions(env, exports, fns, sizeof fns / sizeof fns[0]);
}
