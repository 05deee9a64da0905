/* pathutil: file path rules pprof applies to source file names. */
#ifndef CMON_PATHUTIL_H
#define CMON_PATHUTIL_H

#include <stddef.h>

/* Go's filepath.Clean for slash paths, written into out (outlen >= strlen+2).
 * Returns out. */
char *cm_path_clean(const char *path, char *out, size_t outlen);

/* Go's filepath.Base of path[0..len): the last element, trailing slashes
 * ignored; "." for "", "/" for slashes only. Returns a pointer into path (or
 * a literal) and its length in *blen. */
const char *cm_path_base(const char *path, size_t len, size_t *blen);

/* pprof's trimPath: with trim_path empty, strip everything up to a search
 * dir's base name; then strip configured prefixes and /proc/self/cwd/.
 * Returns a pointer into path (a suffix of it) . */
const char *cm_path_trim(const char *path, const char *trim_path, const char *search_path);

/* Go's text for an errno ("no such file or directory"): glibc's with a
 * lower-case first letter. Returns buf. */
char *cm_go_strerror(int e, char *buf, size_t len);

#endif
