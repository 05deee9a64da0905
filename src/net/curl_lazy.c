/* curl_lazy.c: the libcurl functions cmon calls, loaded on first use.
 *
 * Why: linking libcurl makes every start load it and the ~30 libraries it
 * pulls in (TLS, HTTP/2, LDAP, Kerberos, ...), which was most of the time
 * of a `cmon pprof -top FILE` that never touches the network. This file
 * defines the curl_* functions the net layer calls; the first call that
 * needs the library dlopen()s libcurl.so.4 and resolves a small table of
 * function pointers, every later call goes through the table. The callers
 * stay written against <curl/curl.h> as before; the build links this file
 * instead of -lcurl (meson.build: libcurl's headers only, plus libdl).
 *
 * The table is process-wide state, the one exception to "no global mutable
 * state": it stands in for the dynamic linker's own symbol table, is filled
 * once and never changes after. Only the main thread calls curl.
 *
 * curl_global_init() before the library is needed (main() calls it at
 * start) is remembered, not done: the real one runs when the library is
 * loaded, once per call remembered, so that the global_cleanup()s pair up.
 * When libcurl cannot be loaded, every function fails the way libcurl's
 * own do on failure (NULL handles, CURLE_FAILED_INIT), and
 * curl_easy_strerror() says why the library is missing. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The sonames to try: libcurl's ABI has been 4 since 2006; the gnutls and
 * nss builds Debian ships under other names are the same ABI. */
static const char *const curl_sonames[] = {
	"libcurl.so.4",
	"libcurl-gnutls.so.4",
	"libcurl-nss.so.4",
};

typedef void (*generic_fn)(void);

/* curl_url_get()'s handle: const since curl 8 (meson.build checks). */
#ifdef CMON_CURL_URL_GET_CONST
typedef const CURLU url_get_handle;
#else
typedef CURLU url_get_handle;
#endif

/* One row per function: the name to resolve and its slot in the table. */
#define CURL_FUNCS(X)                                                                              \
	X(curl_global_init, CURLcode, (long))                                                      \
	X(curl_global_cleanup, void, (void))                                                       \
	X(curl_easy_init, CURL *, (void))                                                          \
	X(curl_easy_cleanup, void, (CURL *))                                                       \
	X(curl_easy_perform, CURLcode, (CURL *))                                                   \
	X(curl_easy_setopt, CURLcode, (CURL *, CURLoption, ...))                                   \
	X(curl_easy_getinfo, CURLcode, (CURL *, CURLINFO, ...))                                    \
	X(curl_easy_strerror, const char *, (CURLcode))                                            \
	X(curl_free, void, (void *))                                                               \
	X(curl_multi_init, CURLM *, (void))                                                        \
	X(curl_multi_cleanup, CURLMcode, (CURLM *))                                                \
	X(curl_multi_add_handle, CURLMcode, (CURLM *, CURL *))                                     \
	X(curl_multi_remove_handle, CURLMcode, (CURLM *, CURL *))                                  \
	X(curl_multi_setopt, CURLMcode, (CURLM *, CURLMoption, ...))                               \
	X(curl_multi_socket_action, CURLMcode, (CURLM *, curl_socket_t, int, int *))               \
	X(curl_multi_info_read, CURLMsg *, (CURLM *, int *))                                       \
	X(curl_share_init, CURLSH *, (void))                                                       \
	X(curl_share_setopt, CURLSHcode, (CURLSH *, CURLSHoption, ...))                            \
	X(curl_share_cleanup, CURLSHcode, (CURLSH *))                                              \
	X(curl_url, CURLU *, (void))                                                               \
	X(curl_url_cleanup, void, (CURLU *))                                                       \
	X(curl_url_set, CURLUcode, (CURLU *, CURLUPart, const char *, unsigned int))               \
	X(curl_url_get, CURLUcode, (url_get_handle *, CURLUPart, char **, unsigned int))

#define SLOT(name, ret, args) ret(*name) args;
struct curl_table {
	CURL_FUNCS(SLOT)
};
#undef SLOT

/* state: 0 not tried yet, 1 loaded, -1 failed (why: in `why`). */
static struct {
	int state;
	long pending_inits[8]; /* flags of the global_init()s not done yet */
	int npending;
	struct curl_table fn;
	char why[256];
} lazy;

static int resolve_all(void *h)
{
	/* dlsym returns void *; POSIX guarantees it converts to a function
	 * pointer, C does not: go through memcpy to keep -pedantic quiet. */
#define RESOLVE(name, ret, args)                                                                   \
	{                                                                                          \
		void *p = dlsym(h, #name);                                                         \
		if (!p) {                                                                          \
			snprintf(lazy.why, sizeof(lazy.why), "libcurl lacks %s", #name);           \
			return -1;                                                                 \
		}                                                                                  \
		_Static_assert(sizeof(lazy.fn.name) == sizeof(p), "function pointer size");        \
		memcpy(&lazy.fn.name, &p, sizeof(p));                                              \
	}
	CURL_FUNCS(RESOLVE)
#undef RESOLVE
	return 0;
}

/* curl_loaded: 1 once libcurl is in and the remembered global_init()s are
 * done, 0 when it cannot be loaded (lazy.why says why). */
static int curl_loaded(void)
{
	if (lazy.state)
		return lazy.state > 0;
	void *h = NULL;
	for (size_t i = 0; !h && i < sizeof(curl_sonames) / sizeof(curl_sonames[0]); i++)
		h = dlopen(curl_sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(lazy.why, sizeof(lazy.why), "cannot load libcurl: %s", e ? e : "not found");
		lazy.state = -1;
		return 0;
	}
	if (resolve_all(h) < 0) {
		dlclose(h);
		lazy.state = -1;
		return 0;
	}
	lazy.state = 1;
	for (int i = 0; i < lazy.npending; i++)
		lazy.fn.curl_global_init(lazy.pending_inits[i]);
	lazy.npending = 0;
	return 1;
}

CURLcode curl_global_init(long flags)
{
	if (lazy.state > 0)
		return lazy.fn.curl_global_init(flags);
	if (lazy.state == 0 && lazy.npending < (int)(sizeof(lazy.pending_inits) / sizeof(long))) {
		lazy.pending_inits[lazy.npending++] = flags;
		return CURLE_OK;
	}
	/* Too many nested inits to remember (or no libcurl): load now. */
	return curl_loaded() ? lazy.fn.curl_global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
	if (lazy.state > 0)
		lazy.fn.curl_global_cleanup();
	else if (lazy.npending > 0)
		lazy.npending--;
}

CURL *curl_easy_init(void)
{
	return curl_loaded() ? lazy.fn.curl_easy_init() : NULL;
}

/* Functions that take a handle: a handle exists only when the library was
 * loaded, so these check only for robustness against a NULL one. */
void curl_easy_cleanup(CURL *c)
{
	if (lazy.state > 0)
		lazy.fn.curl_easy_cleanup(c);
}

CURLcode curl_easy_perform(CURL *c)
{
	return lazy.state > 0 ? lazy.fn.curl_easy_perform(c) : CURLE_FAILED_INIT;
}

/* The option's type is in its number (curl.h: CURLOPTTYPE_*, the same bases
 * for the multi options): it says which type the one variadic argument has,
 * to take it and pass it on unchanged. */
CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	if (lazy.state <= 0)
		return CURLE_FAILED_INIT;
	va_list ap;
	va_start(ap, opt);
	CURLcode rc;
	if (opt < CURLOPTTYPE_OBJECTPOINT) {
		long v = va_arg(ap, long);
		rc = lazy.fn.curl_easy_setopt(c, opt, v);
	} else if (opt < CURLOPTTYPE_FUNCTIONPOINT) {
		void *v = va_arg(ap, void *);
		rc = lazy.fn.curl_easy_setopt(c, opt, v);
	} else if (opt < CURLOPTTYPE_OFF_T) {
		generic_fn v = va_arg(ap, generic_fn);
		rc = lazy.fn.curl_easy_setopt(c, opt, v);
	} else if (opt < CURLOPTTYPE_OFF_T + 10000) {
		curl_off_t v = va_arg(ap, curl_off_t);
		rc = lazy.fn.curl_easy_setopt(c, opt, v);
	} else { /* CURLOPTTYPE_BLOB (curl 7.71): a struct curl_blob * */
		void *v = va_arg(ap, void *);
		rc = lazy.fn.curl_easy_setopt(c, opt, v);
	}
	va_end(ap);
	return rc;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	if (lazy.state <= 0)
		return CURLE_FAILED_INIT;
	va_list ap;
	va_start(ap, info);
	void *out = va_arg(ap, void *);
	va_end(ap);
	return lazy.fn.curl_easy_getinfo(c, info, out);
}

const char *curl_easy_strerror(CURLcode rc)
{
	if (lazy.state > 0)
		return lazy.fn.curl_easy_strerror(rc);
	return lazy.state < 0 ? lazy.why : "libcurl not loaded";
}

void curl_free(void *p)
{
	if (lazy.state > 0)
		lazy.fn.curl_free(p);
}

CURLM *curl_multi_init(void)
{
	return curl_loaded() ? lazy.fn.curl_multi_init() : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	return lazy.state > 0 ? lazy.fn.curl_multi_cleanup(m) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *c)
{
	return lazy.state > 0 ? lazy.fn.curl_multi_add_handle(m, c) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *c)
{
	return lazy.state > 0 ? lazy.fn.curl_multi_remove_handle(m, c) : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	if (lazy.state <= 0)
		return CURLM_BAD_HANDLE;
	va_list ap;
	va_start(ap, opt);
	CURLMcode rc;
	if (opt < CURLOPTTYPE_OBJECTPOINT) {
		long v = va_arg(ap, long);
		rc = lazy.fn.curl_multi_setopt(m, opt, v);
	} else if (opt < CURLOPTTYPE_FUNCTIONPOINT) {
		void *v = va_arg(ap, void *);
		rc = lazy.fn.curl_multi_setopt(m, opt, v);
	} else if (opt < CURLOPTTYPE_OFF_T) {
		generic_fn v = va_arg(ap, generic_fn);
		rc = lazy.fn.curl_multi_setopt(m, opt, v);
	} else {
		curl_off_t v = va_arg(ap, curl_off_t);
		rc = lazy.fn.curl_multi_setopt(m, opt, v);
	}
	va_end(ap);
	return rc;
}

CURLMcode curl_multi_socket_action(CURLM *m, curl_socket_t s, int ev, int *running)
{
	return lazy.state > 0 ? lazy.fn.curl_multi_socket_action(m, s, ev, running) : CURLM_BAD_HANDLE;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	if (lazy.state > 0)
		return lazy.fn.curl_multi_info_read(m, left);
	*left = 0;
	return NULL;
}

CURLSH *curl_share_init(void)
{
	return curl_loaded() ? lazy.fn.curl_share_init() : NULL;
}

/* CURLSHOPT_SHARE and UNSHARE take an int (a CURL_LOCK_DATA_*), USERDATA a
 * pointer, the lock functions a function pointer. */
CURLSHcode curl_share_setopt(CURLSH *sh, CURLSHoption opt, ...)
{
	if (lazy.state <= 0)
		return CURLSHE_INVALID;
	va_list ap;
	va_start(ap, opt);
	CURLSHcode rc;
	if (opt == CURLSHOPT_SHARE || opt == CURLSHOPT_UNSHARE) {
		int v = va_arg(ap, int);
		rc = lazy.fn.curl_share_setopt(sh, opt, v);
	} else if (opt == CURLSHOPT_USERDATA) {
		void *v = va_arg(ap, void *);
		rc = lazy.fn.curl_share_setopt(sh, opt, v);
	} else {
		generic_fn v = va_arg(ap, generic_fn);
		rc = lazy.fn.curl_share_setopt(sh, opt, v);
	}
	va_end(ap);
	return rc;
}

CURLSHcode curl_share_cleanup(CURLSH *sh)
{
	return lazy.state > 0 ? lazy.fn.curl_share_cleanup(sh) : CURLSHE_INVALID;
}

CURLU *curl_url(void)
{
	return curl_loaded() ? lazy.fn.curl_url() : NULL;
}

void curl_url_cleanup(CURLU *u)
{
	if (lazy.state > 0)
		lazy.fn.curl_url_cleanup(u);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return lazy.state > 0 ? lazy.fn.curl_url_set(u, what, part, flags) : CURLUE_BAD_HANDLE;
}

CURLUcode curl_url_get(url_get_handle *u, CURLUPart what, char **part, unsigned int flags)
{
	return lazy.state > 0 ? lazy.fn.curl_url_get(u, what, part, flags) : CURLUE_BAD_HANDLE;
}
