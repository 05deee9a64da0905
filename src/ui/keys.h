/* keys: the key tables of every screen. A table binds curses key codes to
 * an action of that screen and carries the help text, so each `?` screen is
 * generated from the very table that binds the keys. */
#ifndef CMON_UI_KEYS_H
#define CMON_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define CM_KEYS_PER_ACTION 4

struct cm_key {
	int keys[CM_KEYS_PER_ACTION]; /* curses key codes, 0-terminated */
	const char *names;            /* as the help screen shows them; NULL: the
				       * entry before names these keys too */
	int action;                   /* the screen's own action enum */
	const char *help;
};

/* True when entry k binds ch. */
bool cm_key_binds(const struct cm_key *k, int ch);

/* The first entry of table t (n entries) that binds ch, or NULL. */
const struct cm_key *cm_key_find(const struct cm_key *t, size_t n, int ch);

#endif
