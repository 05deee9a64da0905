/* keys: looking keys up in a screen's key table. */
#include "keys.h"

bool cm_key_binds(const struct cm_key *k, int ch)
{
	for (int i = 0; i < CM_KEYS_PER_ACTION && k->keys[i]; i++)
		if (k->keys[i] == ch)
			return true;
	return false;
}

const struct cm_key *cm_key_find(const struct cm_key *t, size_t n, int ch)
{
	for (size_t i = 0; i < n; i++)
		if (cm_key_binds(&t[i], ch))
			return &t[i];
	return NULL;
}
