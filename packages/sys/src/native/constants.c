/* Flag constants taken from the C headers, so they can never drift from the kernel's values. */
#include "sys.h"
#include <stdio.h>
#include <sys/mount.h>
#include <sys/xattr.h>

typedef struct { const char *name; double value; } constant_t;
#define C(prefix, name) {#name, (double)prefix##name}

static const constant_t ms[] = {
  C(MS_, RDONLY), C(MS_, NOSUID), C(MS_, NODEV), C(MS_, NOEXEC), C(MS_, SYNCHRONOUS), C(MS_, REMOUNT),
  C(MS_, MANDLOCK), C(MS_, DIRSYNC), C(MS_, NOSYMFOLLOW), C(MS_, NOATIME), C(MS_, NODIRATIME), C(MS_, BIND),
  C(MS_, MOVE), C(MS_, REC), C(MS_, SILENT), C(MS_, POSIXACL), C(MS_, UNBINDABLE), C(MS_, PRIVATE),
  C(MS_, SLAVE), C(MS_, SHARED), C(MS_, RELATIME), C(MS_, STRICTATIME), C(MS_, LAZYTIME), {NULL, 0}};
static const constant_t mnt[] = {C(MNT_, FORCE), C(MNT_, DETACH), C(MNT_, EXPIRE), {"UMOUNT_NOFOLLOW", UMOUNT_NOFOLLOW}, {NULL, 0}};
static const constant_t xattr[] = {{"CREATE", XATTR_CREATE}, {"REPLACE", XATTR_REPLACE}, {NULL, 0}};
static const constant_t rename_flags[] = {C(RENAME_, NOREPLACE), C(RENAME_, EXCHANGE), C(RENAME_, WHITEOUT), {NULL, 0}};
static const constant_t resolve[] = {C(RESOLVE_, NO_XDEV), C(RESOLVE_, NO_MAGICLINKS), C(RESOLVE_, NO_SYMLINKS),
                                     C(RESOLVE_, BENEATH), C(RESOLVE_, IN_ROOT), C(RESOLVE_, CACHED), {NULL, 0}};
static const constant_t at[] = {C(AT_, FDCWD), C(AT_, SYMLINK_NOFOLLOW), C(AT_, SYMLINK_FOLLOW), C(AT_, REMOVEDIR),
                                C(AT_, EMPTY_PATH), {NULL, 0}};
static const constant_t o[] = {C(O_, PATH), C(O_, DIRECTORY), C(O_, NOFOLLOW), C(O_, CLOEXEC), C(O_, RDONLY),
                               C(O_, WRONLY), C(O_, RDWR), C(O_, CREAT), C(O_, EXCL), C(O_, TRUNC), C(O_, APPEND),
                               C(O_, NONBLOCK), C(O_, NOCTTY), C(O_, TMPFILE), C(O_, NOATIME), {NULL, 0}};

static napi_status define_group(napi_env env, napi_value exports, const char *group, const constant_t *list) {
  napi_value obj, v;
  napi_status s = napi_create_object(env, &obj);
  for (; s == napi_ok && list->name; list++) {
    s = napi_create_double(env, list->value, &v);
    if (s == napi_ok) s = napi_set_named_property(env, obj, list->name, v);
  }
  if (s == napi_ok) s = napi_object_freeze(env, obj);
  if (s == napi_ok) s = napi_set_named_property(env, exports, group, obj);
  return s;
}

napi_status define_constants(napi_env env, napi_value exports) {
  napi_status s = define_group(env, exports, "MS", ms);
  if (s == napi_ok) s = define_group(env, exports, "MNT", mnt);
  if (s == napi_ok) s = define_group(env, exports, "XATTR", xattr);
  if (s == napi_ok) s = define_group(env, exports, "RENAME", rename_flags);
  if (s == napi_ok) s = define_group(env, exports, "RESOLVE", resolve);
  if (s == napi_ok) s = define_group(env, exports, "AT", at);
  if (s == napi_ok) s = define_group(env, exports, "O", o);
  return s;
}
