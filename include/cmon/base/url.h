/* url: where a URL keeps its credentials, the one place that knows it. The
 * -ports fields, `cmon pprof`'s sources and -ssh all write them the same
 * way, "[scheme://]user:password@host...": the userinfo is what comes
 * before the last '@' that precedes the first '/' after the scheme (Go's
 * url package reads it so), and the password what follows its first ':'.
 * An "ssh://DEST/" prefix (an entry reached through ssh) counts as a URL of
 * its own, followed by the one it leads to.
 *
 * Core code: no I/O, no curl. */
#ifndef CMON_URL_H
#define CMON_URL_H

#include <stddef.h>

/* Where the password of the URL s[0, n) sits: s[*from, *to), or *from ==
 * *to when it has none. Knows nothing of an "ssh://" prefix. */
void cm_url_password_span(const char *s, size_t n, size_t *from, size_t *to);

/* s[0, n) as a message or a screen may show it: each password (of an
 * "ssh://DEST/" prefix and of the URL behind it) replaced by "***". Cut
 * to fit cap (which must be > 0); returns the length written. */
size_t cm_url_masked(const char *s, size_t n, char *dst, size_t cap);

/* Overwrites each password of s[0, n) (as cm_url_masked finds them) with
 * '*' in place, so that a command line shows no password in ps. */
void cm_url_hide_password(char *s, size_t n);

/* Percent-decodes s[0, n) into *out (malloc'd, NUL-terminated). 0; -1 on
 * a bad "%XX" or a "%00"; -2 when out of memory. */
int cm_url_decode(const char *s, size_t n, char **out);

/* Takes the credentials out of url: *bare is url without "user[:password]@",
 * *user and *password (NULL when the URL gives none) are decoded. All
 * three are malloc'd, the caller frees them. 1 when url had credentials;
 * 0 when it had none (the three are NULL); -1 when out of memory (the
 * three are NULL). A bad escape is kept as written, as curl would. */
int cm_url_split_userinfo(const char *url, char **bare, char **user, char **password);

#endif
