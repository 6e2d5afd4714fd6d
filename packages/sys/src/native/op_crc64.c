/* crc64IsoUpdate(crc, data): a synchronous pure function, run inline on the calling thread (the data is
 * read where it lies, no copy). The crc is two uint32 halves in a Uint32Array, updated in place, so a hot
 * loop allocates nothing. */
#include "sys.h"
#include "crc64_iso.h"

napi_value js_crc64_iso_update(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  size_t argc = 2;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_typed = false;
  napi_typedarray_type tt;
  size_t n = 0;
  void *state = NULL;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[0], &tt, &n, &state, NULL, NULL) != napi_ok || tt != napi_uint32_array || n < 2) {
    throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"crc\" argument must be a Uint32Array of length 2 ([high, low])");
    return NULL;
  }
  void *data = NULL;
  size_t len = 0;
  bool is_view = false;
  if (argc >= 2) napi_is_typedarray(env, argv[1], &is_typed);
  else is_typed = false;
  if (is_typed) {
    if (napi_get_typedarray_info(env, argv[1], &tt, &n, &data, NULL, NULL) == napi_ok) {
      static const size_t element_size[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
      len = n * ((size_t)tt < sizeof element_size / sizeof element_size[0] ? element_size[tt] : 1);
      is_view = true;
    }
  } else if (argc >= 2 && napi_is_dataview(env, argv[1], &is_view) == napi_ok && is_view) {
    napi_get_dataview_info(env, argv[1], &len, &data, NULL, NULL);
  }
  if (!is_view) {
    throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"data\" argument must be an instance of Buffer, TypedArray or DataView");
    return NULL;
  }
  uint32_t *halves = state;
  uint64_t crc = ((uint64_t)halves[0] << 32) | halves[1];
  crc = crc64_iso_update(crc, data, len);
  halves[0] = (uint32_t)(crc >> 32);
  halves[1] = (uint32_t)crc;
  return NULL;
}
