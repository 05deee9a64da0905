/* source: finds and reads the source files a profile names, as pprof's
 * -list does (source.go's sourceReader): the file name is trimmed
 * (-trim_path, or the search directories' base names), then tried under each
 * search directory (-source_path, else the current directory) and their
 * parents. Lines are split as Go's bufio.Scanner splits them. Files are read
 * once, only as far as needed, with bounds on one file and on all of them.
 * The viewer's source pane reads through the same reader. */
#ifndef CMON_SOURCE_H
#define CMON_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cm_source_file {
	char *key;   /* the file name as the node has it */
	bool loaded; /* read (or failed); false again after an eviction */
	char *error; /* why it could not be opened, or NULL */
	char *data;
	size_t size;
	size_t *start, *len; /* line k (1-based) is data[start[k-1]], len[k-1] bytes */
	size_t nlines;
	uint64_t need; /* lines the report prints at most: no use reading past them */
};

struct cm_source_reader {
	const char *search_path, *trim_path;
	char *wd; /* owned: the current directory when it is the search path */
	struct cm_source_file **slots; /* open addressing on key */
	size_t cap, count;
	size_t cached_bytes;
};

/* Sets up r for source_path (colon list; NULL or "" = the current
 * directory) and trim_path. Returns -1 with err when the current directory
 * cannot be found. Strings are borrowed and must outlive r. */
int cm_source_reader_init(struct cm_source_reader *r, const char *source_path,
			  const char *trim_path, char *err, size_t errlen);

/* The entry for name, created unread; NULL when memory runs out. Callers
 * raise entry->need (the last line they will print) before cm_source_get. */
struct cm_source_file *cm_source_entry(struct cm_source_reader *r, const char *key);

/* The file behind name, read once: lines, or error set when it could not be
 * found or opened. NULL when memory runs out. Owned by r. */
struct cm_source_file *cm_source_get(struct cm_source_reader *r, const char *name);

void cm_source_reader_free(struct cm_source_reader *r);

#endif
