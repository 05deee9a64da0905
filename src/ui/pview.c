/* pview: the profile viewer's pane: keys and prompts (drawing is in
 * pview_draw.c); see pview.h. Keys change the model (cm_viewer) or the
 * pane's own state and return CM_PVIEW_* flags; nothing here blocks. */
#include "pview.h"

#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pview_int.h"

#define CTRL(c) ((c) & 0x1f)
#define ESC 27
#define DEL 127

static const struct cm_key key_table[] = {
	{{KEY_UP, 'k'}, "Up k", PV_UP, "previous row"},
	{{KEY_DOWN, 'j'}, "Down j", PV_DOWN, "next row"},
	{{KEY_PPAGE, CTRL('b')}, "PgUp", PV_PAGE_UP, "a page up"},
	{{KEY_NPAGE, CTRL('f'), ' '}, "PgDn Space", PV_PAGE_DOWN, "a page down"},
	{{KEY_HOME, 'g'}, "Home g", PV_HOME, "first row"},
	{{KEY_END, 'G'}, "End G", PV_END, "last row"},
	{{'\r', '\n', KEY_ENTER, KEY_RIGHT}, "Enter", PV_ENTER,
	 "source of the function; on a source line: the function it calls; in peek: move to it; "
	 "in labels: focus on the value (a tag focus)"},
	{{ESC, KEY_BACKSPACE, DEL, KEY_LEFT}, "Esc Bksp", PV_BACK, "back to the previous view"},
	{{'q', 'Q'}, "q", PV_QUIT, "quit"},
	{{CTRL('c')}, "Ctrl-C", PV_INTERRUPT, "quit at once"},
	{{CTRL('z')}, "Ctrl-Z", PV_SUSPEND, "suspend to the shell (fg comes back)"},
	{{'/'}, "/", PV_SEARCH, "search names (source: the text) by Go regex, every match marked; Enter keeps, Esc undoes"},
	{{'n'}, "n", PV_NEXT, "next match"},
	{{'N'}, "N", PV_PREV, "previous match"},
	{{'s', 'o'}, "s", PV_SORT, "sort by flat or by cumulative value"},
	{{'t'}, "t", PV_SAMPLE, "next sample type (alloc_space, inuse_objects, delay...)"},
	{{'T'}, "T", PV_SAMPLE_BACK, "previous sample type"},
	{{'a'}, "a", PV_GRAN, "next granularity (functions, filefunctions, files, lines, addresses)"},
	{{'A'}, "A", PV_GRAN_BACK, "previous granularity"},
	{{'f'}, "f", PV_FOCUS, "focus: keep samples through functions matching a regex"},
	{{'i'}, "i", PV_IGNORE, "ignore: drop samples through functions matching a regex; in labels: "
	 "drop the samples with the value (a tag ignore)"},
	{{'H'}, "H", PV_HIDE, "hide: remove frames matching a regex"},
	{{'c'}, "c", PV_CLEAR, "clear focus, ignore, hide and the tag filters"},
	{{'m'}, "m", PV_MINE, "my code: dim the functions of the standard library and of other modules"},
	{{'M'}, "M", PV_HIDE_STD, "hide the standard library's frames (runtime too), as -hide would; again: show"},
	{{'p'}, "p", PV_PEEK, "peek: callers and callees of the function"},
	{{'='}, "=", PV_LABELS, "labels: every label key, its values and their shares (-tags)"},
	{{']', KEY_SRIGHT, '\t'}, "] Tab", PV_HOT_NEXT, "source: next hotter-to-cooler line"},
	{{'[', KEY_SLEFT, KEY_BTAB}, "[", PV_HOT_PREV, "source: previous (hotter) line"},
	{{'r', 'R'}, "r", PV_REFETCH, "fetch the profile again"},
	{{'w'}, "w", PV_WRITE, "write the profile shown, as fetched (gzipped protobuf), to a file"},
	{{'b'}, "b", PV_BASE, "mark this profile as the base (the next is shown as a diff); again: unmark"},
	{{'F'}, "F", PV_FLAME, "flame graph of the profile (its own keys below)"},
	{{'C'}, "C", PV_TREE, "call tree: the profile top-down (its own keys below)"},
	{{'L'}, "L", PV_SOURCE, "source of the selected function, from any view"},
	{{'?', KEY_F(1)}, "?", PV_HELP, "this help; any key leaves it"},
};

/* Read first in the flame graph; the keys above work there too. */
static const struct cm_key flame_table[] = {
	{{KEY_UP, 'k'}, "Up k", PV_FL_PARENT, "flame: the caller (the frame above)"},
	{{KEY_DOWN, 'j'}, "Down j", PV_FL_CHILD, "flame: the first callee (below)"},
	{{KEY_LEFT, 'h'}, "Left h", PV_FL_PREV, "flame: the previous frame of the row"},
	{{KEY_RIGHT, 'l'}, "Right l", PV_FL_NEXT, "flame: the next frame of the row"},
	{{'\r', '\n', KEY_ENTER}, "Enter", PV_FL_ZOOM,
	 "flame: zoom into the frame (full width, its callers above); double click too"},
	{{ESC, KEY_BACKSPACE, DEL}, "Esc Bksp", PV_FL_OUT, "flame: zoom out one step; not zoomed: back"},
	{{'/'}, "/", PV_SEARCH, "flame: highlight frames matching a Go regex, with their share"},
	{{'n'}, "n", PV_FL_MATCH_NEXT, "flame: the next matching frame (row by row)"},
	{{'N'}, "N", PV_FL_MATCH_PREV, "flame: the previous matching frame"},
};

/* Read first in the call tree. */
static const struct cm_key tree_table[] = {
	{{KEY_RIGHT, 'l', '+'}, "Right l +", PV_TR_OPEN, "tree: open the row (open: its first callee)"},
	{{KEY_LEFT, 'h', '-'}, "Left h -", PV_TR_CLOSE, "tree: close the row (closed: its caller)"},
};

const struct cm_key *pv_flame_keys(size_t *n)
{
	*n = sizeof(flame_table) / sizeof(flame_table[0]);
	return flame_table;
}

const struct cm_key *pv_tree_keys(size_t *n)
{
	*n = sizeof(tree_table) / sizeof(tree_table[0]);
	return tree_table;
}

const struct cm_key *pv_keys(size_t *n)
{
	*n = sizeof(key_table) / sizeof(key_table[0]);
	return key_table;
}

/* The level's own table first, then the common one. */
static const struct cm_key *find_key(const struct cm_pview *pv, int ch)
{
	size_t n = 0;
	const struct cm_key *t = NULL, *k = NULL;
	enum cm_viewer_kind kind = cm_viewer_level(pv->v)->kind;
	if (kind == CM_VIEWER_FLAME)
		t = pv_flame_keys(&n);
	else if (kind == CM_VIEWER_TREE)
		t = pv_tree_keys(&n);
	if (t)
		k = cm_key_find(t, n, ch);
	return k ? k : cm_key_find(key_table, sizeof(key_table) / sizeof(key_table[0]), ch);
}

static bool in_flame(const struct cm_pview *pv)
{
	return cm_viewer_level(pv->v)->kind == CM_VIEWER_FLAME;
}

struct cm_pview *cm_pview_new(struct cm_viewer *v, const struct cm_pview_opts *o)
{
	struct cm_pview *pv = calloc(1, sizeof(*pv));
	if (!pv)
		return NULL;
	pv->v = v;
	if (o)
		pv->o = *o;
	return pv;
}

void cm_pview_free(struct cm_pview *pv)
{
	free(pv);
}

struct cm_viewer *cm_pview_viewer(const struct cm_pview *pv)
{
	return pv->v;
}

bool cm_pview_capturing(const struct cm_pview *pv)
{
	return pv->mode == PV_MODE_PROMPT;
}

void cm_pview_set_status(struct cm_pview *pv, const char *status)
{
	snprintf(pv->status, sizeof(pv->status), "%s", status ? status : "");
}

void cm_pview_set_note(struct cm_pview *pv, const char *note, bool good)
{
	snprintf(pv->note, sizeof(pv->note), "%s", note ? note : "");
	pv->note_ok = good;
}

double cm_pview_next_tick(const struct cm_pview *pv)
{
	return cm_viewer_next_tick(pv->v);
}

int cm_pview_tick(struct cm_pview *pv, double now)
{
	return cm_viewer_tick(pv->v, now) ? CM_PVIEW_REDRAW : 0;
}

bool cm_pview_pending(const struct cm_pview *pv)
{
	return cm_viewer_pending(pv->v);
}

int cm_pview_step(struct cm_pview *pv, size_t n, double now)
{
	return cm_viewer_step(pv->v, n, now) ? CM_PVIEW_REDRAW : 0;
}

int cm_pview_load(struct cm_pview *pv, const unsigned char *data, size_t len, double now)
{
	char err[PV_TEXT_MAX];
	if (cm_viewer_load(pv->v, data, len, now, err, sizeof(err)) < 0)
		snprintf(pv->note, sizeof(pv->note), "%s", err);
	else
		pv->note[0] = '\0';
	return CM_PVIEW_REDRAW;
}

/* ---- prompts ---- */

static const enum cm_viewer_filter prompt_filter[] = {
	[PV_PROMPT_FOCUS] = CM_VFILTER_FOCUS,
	[PV_PROMPT_IGNORE] = CM_VFILTER_IGNORE,
	[PV_PROMPT_HIDE] = CM_VFILTER_HIDE,
};

static void open_prompt(struct cm_pview *pv, enum pv_prompt p)
{
	pv->mode = PV_MODE_PROMPT;
	pv->prompt = p;
	pv->prompt_failed = false;
	bool filter = p != PV_PROMPT_SEARCH && p != PV_PROMPT_WRITE;
	const char *cur = filter ? cm_viewer_filter(pv->v, prompt_filter[p]) : NULL;
	snprintf(pv->input, sizeof(pv->input), "%s", cur ? cur : "");
	pv->ilen = strlen(pv->input);
}

/* w: a prompt with the host's proposal, which Enter takes as it is. */
static void open_write(struct cm_pview *pv)
{
	const struct cm_pview_saver *s = &pv->o.saver;
	char path[PV_INPUT_MAX];
	if (!s->save || !cm_viewer_has_profile(pv->v)) {
		snprintf(pv->note, sizeof(pv->note), "nothing to write yet");
		return;
	}
	if (s->propose && s->propose(s->ctx, path, sizeof(path)) < 0) {
		snprintf(pv->note, sizeof(pv->note), "w: %.400s", path);
		return;
	}
	open_prompt(pv, PV_PROMPT_WRITE);
	snprintf(pv->input, sizeof(pv->input), "%s", s->propose ? path : "");
	pv->ilen = strlen(pv->input);
}

/* Enter at w's prompt: the host writes, the status line tells. */
static void write_accept(struct cm_pview *pv)
{
	const struct cm_pview_saver *s = &pv->o.saver;
	if (!pv->ilen) {
		snprintf(pv->note, sizeof(pv->note), "w: no file name: nothing written");
		return;
	}
	pv->note_ok = s->save(s->ctx, pv->input, pv->note, sizeof(pv->note)) == 0;
}

/* The prompt's text changed: a search follows it at once (in the flame
 * graph: the highlight, as long as the text is a valid regex). */
static void prompt_changed(struct cm_pview *pv, double now)
{
	if (pv->prompt != PV_PROMPT_SEARCH)
		return;
	if (in_flame(pv)) {
		char err[PV_TEXT_MAX];
		pv->prompt_failed = cm_viewer_flame_search(pv->v, pv->input, err, sizeof(err)) < 0;
		return;
	}
	pv->prompt_failed = !cm_viewer_search(pv->v, pv->input, now);
}

static void prompt_accept(struct cm_pview *pv, double now)
{
	pv->mode = PV_MODE_VIEW;
	if (pv->prompt == PV_PROMPT_SEARCH && in_flame(pv)) {
		char err[PV_TEXT_MAX];
		if (cm_viewer_flame_search(pv->v, pv->input, err, sizeof(err)) < 0)
			snprintf(pv->note, sizeof(pv->note), "%s", err);
		return;
	}
	if (pv->prompt == PV_PROMPT_SEARCH) {
		cm_viewer_search_done(pv->v, false);
		const char *why = cm_viewer_message(pv->v); /* a regex that does not parse */
		if (pv->prompt_failed)
			snprintf(pv->note, sizeof(pv->note), "%s%.400s", why ? "" : "not found: ",
				 why ? why : pv->input);
		return;
	}
	if (pv->prompt == PV_PROMPT_WRITE) {
		write_accept(pv);
		return;
	}
	char err[PV_TEXT_MAX];
	if (cm_viewer_set_filter(pv->v, prompt_filter[pv->prompt], pv->input, now, err,
				 sizeof(err)) < 0)
		snprintf(pv->note, sizeof(pv->note), "%s", err);
}

/* Removes the last character (UTF-8: its continuation bytes too). */
static void prompt_erase(struct cm_pview *pv)
{
	while (pv->ilen > 0 && ((unsigned char)pv->input[pv->ilen - 1] & 0xc0) == 0x80)
		pv->ilen--;
	if (pv->ilen > 0)
		pv->ilen--;
	pv->input[pv->ilen] = '\0';
}

static int prompt_key(struct cm_pview *pv, int ch, double now)
{
	switch (ch) {
	case ESC:
	case CTRL('g'):
		pv->mode = PV_MODE_VIEW;
		if (pv->prompt == PV_PROMPT_SEARCH && in_flame(pv))
			cm_viewer_flame_search(pv->v, NULL, NULL, 0);
		else if (pv->prompt == PV_PROMPT_SEARCH)
			cm_viewer_search_done(pv->v, true);
		return CM_PVIEW_REDRAW;
	case CTRL('c'):
		return CM_PVIEW_QUIT;
	case CTRL('z'):
		return CM_PVIEW_SUSPEND | CM_PVIEW_REDRAW;
	case '\r':
	case '\n':
	case KEY_ENTER:
		prompt_accept(pv, now);
		return CM_PVIEW_REDRAW;
	case KEY_BACKSPACE:
	case DEL:
	case CTRL('h'):
		prompt_erase(pv);
		break;
	case CTRL('u'):
		pv->ilen = 0;
		pv->input[0] = '\0';
		break;
	default:
		/* text: printable bytes, UTF-8 included; curses' own keys are not */
		if (ch < ' ' || ch > 0xff || ch == DEL || pv->ilen + 1 >= sizeof(pv->input))
			return 0;
		pv->input[pv->ilen++] = (char)ch;
		pv->input[pv->ilen] = '\0';
		break;
	}
	prompt_changed(pv, now);
	return CM_PVIEW_REDRAW;
}

/* ---- actions ---- */

static void note_err(struct cm_pview *pv, int rc, const char *err)
{
	if (rc < 0)
		snprintf(pv->note, sizeof(pv->note), "%s", err);
}

static void toggle_base(struct cm_pview *pv)
{
	char err[PV_TEXT_MAX];
	if (cm_viewer_has_base(pv->v)) {
		cm_viewer_clear_base(pv->v);
		snprintf(pv->note, sizeof(pv->note), "base cleared");
	} else if (cm_viewer_mark_base(pv->v, err, sizeof(err)) < 0) {
		snprintf(pv->note, sizeof(pv->note), "%s", err);
	} else {
		snprintf(pv->note, sizeof(pv->note), "base marked: the next profile shows as a diff%s",
			 pv->o.can_refetch ? " (r fetches it)" : "");
	}
}

static void toggle_hide_std(struct cm_pview *pv, double now)
{
	char err[PV_TEXT_MAX];
	bool on = !cm_viewer_hide_std(pv->v);
	if (cm_viewer_set_hide_std(pv->v, on, now, err, sizeof(err)) < 0)
		snprintf(pv->note, sizeof(pv->note), "%s", err);
	else
		snprintf(pv->note, sizeof(pv->note), "%s", on ? "standard library hidden (M shows it)"
			 : "standard library shown");
}

/* The keys that change options. */
static void option_act(struct cm_pview *pv, enum pv_action a, double now)
{
	struct cm_viewer *v = pv->v;
	char err[PV_TEXT_MAX];
	switch (a) {
	case PV_SORT: cm_viewer_toggle_sort(v, now); break;
	case PV_SAMPLE: note_err(pv, cm_viewer_cycle_sample(v, 1, now, err, sizeof(err)), err); break;
	case PV_SAMPLE_BACK: note_err(pv, cm_viewer_cycle_sample(v, -1, now, err, sizeof(err)), err); break;
	case PV_GRAN: note_err(pv, cm_viewer_cycle_granularity(v, 1, now, err, sizeof(err)), err); break;
	case PV_GRAN_BACK: note_err(pv, cm_viewer_cycle_granularity(v, -1, now, err, sizeof(err)), err); break;
	case PV_FOCUS: open_prompt(pv, PV_PROMPT_FOCUS); break;
	case PV_IGNORE:
		if (cm_viewer_level(v)->kind == CM_VIEWER_LABELS)
			note_err(pv, cm_viewer_label_filter(v, true, now, err, sizeof(err)), err);
		else
			open_prompt(pv, PV_PROMPT_IGNORE);
		break;
	case PV_HIDE: open_prompt(pv, PV_PROMPT_HIDE); break;
	case PV_CLEAR: cm_viewer_clear_filters(v, now); break;
	case PV_BASE: toggle_base(pv); break;
	case PV_WRITE: open_write(pv); break;
	case PV_HIDE_STD: toggle_hide_std(pv, now); break;
	default: break;
	}
}

/* The FLAME and TREE levels' own keys, and the keys that open them. */
static int level_act(struct cm_pview *pv, enum pv_action a, double now)
{
	struct cm_viewer *v = pv->v;
	switch (a) {
	case PV_FLAME: cm_viewer_flame(v, now); pv->flame_top = 0; break;
	case PV_TREE: cm_viewer_calltree(v, now); break;
	case PV_SOURCE: cm_viewer_source(v, now); break;
	case PV_FL_PARENT: cm_viewer_flame_move(v, CM_DIR_PARENT, now); break;
	case PV_FL_CHILD: cm_viewer_flame_move(v, CM_DIR_CHILD, now); break;
	case PV_FL_PREV: cm_viewer_flame_move(v, CM_DIR_PREV, now); break;
	case PV_FL_NEXT: cm_viewer_flame_move(v, CM_DIR_NEXT, now); break;
	case PV_FL_ZOOM: cm_viewer_flame_zoom(v, now); break;
	case PV_FL_MATCH_NEXT: cm_viewer_flame_next_match(v, 1, now); break;
	case PV_FL_MATCH_PREV: cm_viewer_flame_next_match(v, -1, now); break;
	case PV_FL_OUT:
		if (cm_viewer_flame_unzoom(v, now) || cm_viewer_back(v))
			break;
		return pv->o.can_close ? CM_PVIEW_CLOSE : CM_PVIEW_REDRAW;
	case PV_TR_OPEN: cm_viewer_tree_open(v, true, now); break;
	case PV_TR_CLOSE: cm_viewer_tree_open(v, false, now); break;
	default: option_act(pv, a, now); break;
	}
	return CM_PVIEW_REDRAW;
}

static int act(struct cm_pview *pv, enum pv_action a, double now)
{
	struct cm_viewer *v = pv->v;
	switch (a) {
	case PV_UP: cm_viewer_move(v, -1, now); break;
	case PV_DOWN: cm_viewer_move(v, 1, now); break;
	case PV_PAGE_UP: cm_viewer_page(v, -1, now); break;
	case PV_PAGE_DOWN: cm_viewer_page(v, 1, now); break;
	case PV_HOME: cm_viewer_move(v, LONG_MIN, now); break;
	case PV_END: cm_viewer_move(v, LONG_MAX, now); break;
	case PV_ENTER:
		if (cm_viewer_level(v)->kind == CM_VIEWER_LABELS) {
			char err[PV_TEXT_MAX];
			note_err(pv, cm_viewer_label_filter(v, false, now, err, sizeof(err)), err);
		} else {
			cm_viewer_enter(v, now);
		}
		break;
	case PV_PEEK: cm_viewer_peek(v, now); break;
	case PV_LABELS: cm_viewer_labels(v, now); break;
	case PV_BACK:
		if (cm_viewer_back(v))
			break;
		if (pv->o.can_close)
			return CM_PVIEW_CLOSE;
		snprintf(pv->note, sizeof(pv->note), "q quits");
		break;
	case PV_QUIT: return CM_PVIEW_CLOSE;
	case PV_INTERRUPT: return CM_PVIEW_QUIT;
	case PV_SUSPEND: return CM_PVIEW_SUSPEND | CM_PVIEW_REDRAW;
	case PV_SEARCH: open_prompt(pv, PV_PROMPT_SEARCH); break;
	case PV_NEXT: cm_viewer_search_next(v, 1, now); break;
	case PV_PREV: cm_viewer_search_next(v, -1, now); break;
	case PV_HOT_NEXT: cm_viewer_next_hot(v, 1, now); break;
	case PV_HOT_PREV: cm_viewer_next_hot(v, -1, now); break;
	case PV_REFETCH:
		if (!pv->o.can_refetch) {
			snprintf(pv->note, sizeof(pv->note), "the source is a file: nothing to fetch");
			break;
		}
		return CM_PVIEW_REFETCH | CM_PVIEW_REDRAW;
	case PV_HELP:
		pv->mode = PV_MODE_HELP;
		pv->help_top = 0;
		break;
	case PV_MINE:
		pv->dim_others = !pv->dim_others;
		snprintf(pv->note, sizeof(pv->note), "%s", pv->dim_others
			 ? "my code: the standard library and other modules dimmed (m: undim)"
			 : "every function undimmed");
		break;
	default: return level_act(pv, a, now);
	}
	return CM_PVIEW_REDRAW;
}

/* ---- help ---- */

/* True when the host takes key ch before the pane sees it. */
static bool host_takes(const struct cm_pview *pv, int ch)
{
	for (size_t i = 0; pv->o.taken && pv->o.taken[i]; i++)
		if (pv->o.taken[i] == ch)
			return true;
	return false;
}

/* The key a name of the help stands for, 0 when it is none the host
 * could take (a name such as "PgUp" or "Ctrl-C"). */
static int key_of_name(const char *name, size_t len)
{
	static const struct {
		const char *name;
		int key;
	} named[] = {{"Tab", '\t'}, {"Esc", ESC}, {"Enter", '\r'}, {"Space", ' '}};
	if (len == 1)
		return (unsigned char)name[0];
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == len && !memcmp(named[i].name, name, len))
			return named[i].key;
	return 0;
}

/* names without the words of keys the host takes, into out. */
static void names_left(const struct cm_pview *pv, const char *names, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (const char *w = names; *w;) {
		size_t n = strcspn(w, " ");
		int ch = key_of_name(w, n);
		if (!(ch && host_takes(pv, ch)) && used + n + 2 < cap) {
			used += (size_t)snprintf(out + used, cap - used, "%s%.*s", used ? " " : "",
						 (int)n, w);
		}
		w += n;
		w += strspn(w, " ");
	}
}

/* What an entry of the pane's table says here. */
static const char *key_help(const struct cm_pview *pv, const struct cm_key *k)
{
	if (k->action == PV_QUIT && pv->o.can_close)
		return "close the profile";
	return k->help;
}

/* The help lines of table k (nk keys) after line n, under heading (NULL:
 * none), without the keys the host takes. Returns the new line count. */
static size_t help_table(const struct cm_pview *pv, const struct cm_key *k, size_t nk,
			 const char *heading, struct pv_help_line *out, size_t cap, size_t n)
{
	if (heading) {
		if (out && n < cap)
			out[n] = (struct pv_help_line){"", heading, true};
		n++;
	}
	for (size_t i = 0; i < nk; i++) {
		char names[32];
		names_left(pv, k[i].names, names, sizeof(names));
		if (!names[0])
			continue; /* every key of it is the host's */
		if (out && n < cap) {
			out[n] = (struct pv_help_line){"", key_help(pv, &k[i]), false};
			memcpy(out[n].names, names, sizeof(names));
		}
		n++;
	}
	return n;
}

size_t pv_help_lines(const struct cm_pview *pv, struct pv_help_line *out, size_t cap)
{
	size_t n = 0, nk;
	const struct cm_key *k = pv->o.host_keys;
	if (k && pv->o.nhost_keys) {
		if (out && n < cap)
			out[n] = (struct pv_help_line){"", pv->o.host_title ? pv->o.host_title : "", true};
		n++;
		for (size_t i = 0; i < pv->o.nhost_keys; i++, n++)
			if (out && n < cap) {
				out[n] = (struct pv_help_line){"", k[i].help, false};
				snprintf(out[n].names, sizeof(out[n].names), "%s", k[i].names);
			}
		if (out && n < cap)
			out[n] = (struct pv_help_line){"", "the viewer's", true};
		n++;
	}
	size_t nf, nt;
	const struct cm_key *common = pv_keys(&nk), *flame = pv_flame_keys(&nf), *tree = pv_tree_keys(&nt);
	n = help_table(pv, common, nk, NULL, out, cap, n);
	n = help_table(pv, flame, nf, "in the flame graph (F)", out, cap, n);
	return help_table(pv, tree, nt, "in the call tree (C)", out, cap, n);
}

/* In the help: arrows scroll it, any other key leaves. */
static int help_key(struct cm_pview *pv, int ch)
{
	size_t n = pv_help_lines(pv, NULL, 0);
	if (ch == KEY_DOWN || ch == 'j' || ch == KEY_NPAGE || ch == ' ') {
		size_t step = ch == KEY_DOWN || ch == 'j' ? 1 : (size_t)(pv->help_rows > 1 ? pv->help_rows - 1 : 1);
		pv->help_top = pv->help_top + step < n ? pv->help_top + step : pv->help_top;
	} else if (ch == KEY_UP || ch == 'k' || ch == KEY_PPAGE) {
		size_t step = ch == KEY_PPAGE ? (size_t)(pv->help_rows > 1 ? pv->help_rows - 1 : 1) : 1;
		pv->help_top = pv->help_top > step ? pv->help_top - step : 0;
	} else if (ch == CTRL('c')) {
		return CM_PVIEW_QUIT;
	} else if (ch == CTRL('z')) {
		return CM_PVIEW_SUSPEND | CM_PVIEW_REDRAW;
	} else {
		pv->mode = PV_MODE_VIEW;
	}
	return CM_PVIEW_REDRAW;
}

int cm_pview_key(struct cm_pview *pv, int ch, double now)
{
	if (ch == KEY_RESIZE)
		return CM_PVIEW_REDRAW;
	if (pv->mode == PV_MODE_PROMPT)
		return prompt_key(pv, ch, now);
	if (pv->mode == PV_MODE_HELP)
		return help_key(pv, ch);
	if (ch == KEY_MOUSE && !in_flame(pv)) {
		MEVENT ev;
		getmouse(&ev); /* taken off the queue: nothing here takes clicks */
		return 0;
	}
	if (ch == KEY_MOUSE)
		return pv_flame_mouse(pv, now);
	const struct cm_key *k = find_key(pv, ch);
	if (!k)
		return CM_PVIEW_UNHANDLED;
	pv->note[0] = '\0';
	pv->note_ok = false;
	return act(pv, (enum pv_action)k->action, now);
}

void cm_pview_draw(struct cm_pview *pv, struct cm_ui *ui, int y, int x, int h, int w, double now)
{
	pv_draw(pv, ui, y, x, h, w, now);
}
