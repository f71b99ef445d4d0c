/* util.h - small things every module uses: an integer-keyed hash map, the
 * keyed hash that hides kernel addresses, clocks and duration parsing. */
#ifndef LS_UTIL_H
#define LS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOOPSCOPE_VERSION "0.1.0"

/* Open-addressing map from a non-zero u64 key to a pointer. */
struct omap {
	uint64_t *keys;
	void **vals;
	size_t cap; /* power of two, 0 when empty */
	size_t len;
};

void *omap_get(const struct omap *m, uint64_t key);
int omap_put(struct omap *m, uint64_t key, void *val); /* 0 or -ENOMEM */
void *omap_del(struct omap *m, uint64_t key);          /* the value removed, or NULL */
void omap_free(struct omap *m);
/* Iterate: for (size_t i = 0; omap_next(m, &i, &k, &v);) */
bool omap_next(const struct omap *m, size_t *pos, uint64_t *key, void **val);

/* A kernel address as a viewer may see it: keyed, so stable within one
 * collector run and meaningless outside it. */
uint64_t hide_addr(uint64_t secret, uint64_t addr);
uint64_t random_secret(void);
/* An identity as a trace file holds it (trace_hide_addrs): 0 stays 0 ("none"
 * in every record), else a keyed hash, never 0, with its top bit clear so it
 * never looks like a kernel address. */
uint64_t hide_identity(uint64_t secret, uint64_t addr);

uint64_t now_ns(void); /* CLOCK_MONOTONIC, the clock bpf_ktime_get_ns() uses */

/* "1", "0.5", "250ms", "2s", "1m" -> ns.  -1 on garbage. */
int64_t parse_duration(const char *s);

/* Opens path to write it from its start (mode 0644 when created), never
 * through another user's symbolic link and never into a file another user
 * owns (a link or file planted in /tmp would make root write where its
 * owner chose):
 * the fd, or -1 with one line in err ("cannot write PATH: ..."). */
int open_output(const char *path, char *err, size_t n);

void *xcalloc(size_t n, size_t size); /* aborts on failure: out of memory is not recoverable here */

#endif
