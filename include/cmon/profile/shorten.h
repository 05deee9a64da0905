/* shorten: pprof's ShortenFunctionName (the names in -dot's boxes). */
#ifndef CMON_SHORTEN_H
#define CMON_SHORTEN_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the short form of name into out (room for strlen(name) + 1: it
 * is never longer) and returns its length. */
size_t cm_shorten_function_name(const char *name, char *out);

#endif
