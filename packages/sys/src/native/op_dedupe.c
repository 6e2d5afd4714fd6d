/* FIDEDUPERANGE: share a source range's extents with ranges of other files whose bytes are
 * identical (the kernel compares them under lock; a difference is a per-destination answer,
 * not an error). Used by layer deduplication on reflink filesystems (XFS, btrfs). */
#include "sys.h"
#include <errno.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define MAX_DESTS 0xffff /* dest_count is a u16; the kernel refuses more than fit in a page anyway */
#define MAX_OFFSET 9007199254740991LL /* 2^53 - 1: what a JS number holds exactly */

static int get_member(napi_env env, napi_value obj, const char *name, napi_value *out) {
  return napi_get_named_property(env, obj, name, out) == napi_ok ? 0 : -1;
}

/* argv: srcFd, srcOffset, length, [{ fd, offset }, ...] */
static int parse_dedupe(napi_env env, napi_value *argv, op_t *op) {
  int64_t offset, length;
  if (arg_fd(env, argv[0], "srcFd", &op->fd) != 0) return -1;
  if (arg_int(env, argv[1], "srcOffset", 0, MAX_OFFSET, &offset) != 0) return -1;
  if (arg_int(env, argv[2], "length", 0, MAX_OFFSET, &length) != 0) return -1;
  bool is_array = false;
  uint32_t count = 0;
  if (napi_is_array(env, argv[3], &is_array) != napi_ok || !is_array) {
    return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"dests\" argument must be an array of { fd, offset }");
  }
  napi_get_array_length(env, argv[3], &count);
  if (count == 0 || count > MAX_DESTS) {
    return throw_type_error(env, "ERR_OUT_OF_RANGE", "The \"dests\" argument must hold 1 to %d destinations", MAX_DESTS);
  }
  size_t size = sizeof(struct file_dedupe_range) + count * sizeof(struct file_dedupe_range_info);
  struct file_dedupe_range *range = calloc(1, size);
  if (!range) return throw_type_error(env, "ERR_OUT_OF_MEMORY", "out of memory");
  op->value = (unsigned char *)range; /* freed with the op */
  op->value_len = size;
  range->src_offset = (uint64_t)offset;
  range->src_length = (uint64_t)length;
  range->dest_count = (uint16_t)count;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item, v;
    napi_valuetype t = napi_undefined;
    int fd;
    int64_t dest_offset;
    napi_get_element(env, argv[3], i, &item);
    napi_typeof(env, item, &t);
    if (t != napi_object) {
      return throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"dests[%u]\" argument must be an object { fd, offset }", i);
    }
    if (get_member(env, item, "fd", &v) != 0 || arg_fd(env, v, "dests[].fd", &fd) != 0) return -1;
    if (get_member(env, item, "offset", &v) != 0) return -1;
    if (arg_optional_int(env, v, "dests[].offset", 0, MAX_OFFSET, 0, &dest_offset) != 0) return -1;
    range->info[i].dest_fd = fd;
    range->info[i].dest_offset = (uint64_t)dest_offset;
  }
  return 0;
}

static void exec_dedupe(op_t *op) {
  op_set_errno(op, ioctl(op->fd, FIDEDUPERANGE, (struct file_dedupe_range *)op->value));
}

static void set_number(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, name, v);
}

static void set_string(napi_env env, napi_value obj, const char *name, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, name, v);
}

/* One { bytesDeduped, status, error? } per destination, in order. */
static napi_value result_dedupe(napi_env env, op_t *op) {
  const struct file_dedupe_range *range = (const struct file_dedupe_range *)op->value;
  napi_value list;
  napi_create_array_with_length(env, range->dest_count, &list);
  for (uint32_t i = 0; i < range->dest_count; i++) {
    const struct file_dedupe_range_info *info = &range->info[i];
    napi_value item;
    napi_create_object(env, &item);
    set_number(env, item, "bytesDeduped", (double)info->bytes_deduped);
    if (info->status == FILE_DEDUPE_RANGE_SAME) {
      set_string(env, item, "status", "same");
    } else if (info->status == FILE_DEDUPE_RANGE_DIFFERS) {
      set_string(env, item, "status", "differs");
    } else {
      set_string(env, item, "status", "error");
      napi_value err = sys_error(env, -info->status, "ioctl", NULL, NULL);
      if (err) napi_set_named_property(env, item, "error", err);
    }
    napi_set_element(env, list, i, item);
  }
  return list;
}

const op_desc_t op_fideduperange = {"fideduperange", "ioctl", 4, parse_dedupe, exec_dedupe, result_dedupe};
