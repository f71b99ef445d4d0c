/* util.c - the hash map, address hiding, clocks and parsing shared by the
 * collector's modules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static size_t slot_of(const struct omap *m, uint64_t key)
{
	return mix64(key) & (m->cap - 1);
}

void *omap_get(const struct omap *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key)
			return m->vals[i];
		if (!m->keys[i])
			return NULL;
	}
}

static int omap_grow(struct omap *m)
{
	struct omap n = {.cap = m->cap ? m->cap * 2 : 16};

	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.vals = calloc(n.cap, sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			omap_put(&n, m->keys[i], m->vals[i]);
	omap_free(m);
	*m = n;
	return 0;
}

int omap_put(struct omap *m, uint64_t key, void *val)
{
	size_t i;

	if ((m->len + 1) * 4 > m->cap * 3 && omap_grow(m))
		return -ENOMEM;
	for (i = slot_of(m, key); m->keys[i] && m->keys[i] != key; i = (i + 1) & (m->cap - 1))
		;
	if (!m->keys[i])
		m->len++;
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

/* Backward-shift deletion keeps probe chains whole without tombstones. */
void *omap_del(struct omap *m, uint64_t key)
{
	size_t mask = m->cap - 1, i, j;
	void *val;

	if (!m->cap)
		return NULL;
	for (i = slot_of(m, key); m->keys[i] != key; i = (i + 1) & mask)
		if (!m->keys[i])
			return NULL;
	val = m->vals[i];
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		size_t home = slot_of(m, m->keys[j]);

		/* move j back to i unless its home lies cyclically in (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->vals[i] = NULL;
	m->len--;
	return val;
}

bool omap_next(const struct omap *m, size_t *pos, uint64_t *key, void **val)
{
	for (; *pos < m->cap; (*pos)++) {
		if (m->keys[*pos]) {
			if (key)
				*key = m->keys[*pos];
			if (val)
				*val = m->vals[*pos];
			(*pos)++;
			return true;
		}
	}
	return false;
}

void omap_free(struct omap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

uint64_t hide_addr(uint64_t secret, uint64_t addr)
{
	return mix64(mix64(addr ^ secret) + secret);
}

uint64_t random_secret(void)
{
	uint64_t s;

	if (getrandom(&s, sizeof(s), 0) != sizeof(s))
		s = mix64((uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&s);
	return s;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int64_t parse_duration(const char *s)
{
	char *end;
	double v, unit = 1e9;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0) || v != v) /* NaN compares false: refused */
		return -1;
	if (!strcmp(end, "ms"))
		unit = 1e6;
	else if (!strcmp(end, "us"))
		unit = 1e3;
	else if (!strcmp(end, "m"))
		unit = 60e9;
	else if (*end && strcmp(end, "s"))
		return -1;
	if (!(v * unit <= 9e18)) /* and infinity */
		return -1;
	return (int64_t)(v * unit);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		fprintf(stderr, "loopscope: out of memory\n");
		abort();
	}
	return p;
}

int open_output(const char *path, char *err, size_t n)
{
	struct stat st;
	int fd = -1;

	/* A link of this user or root (/dev/stdout, /proc/self/fd/N) is
	 * followed; another user's is refused (lstat: where the kernel
	 * protects links in sticky directories, open would only say EACCES).
	 * O_NOFOLLOW for a link made after the lstat. */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (st.st_uid != geteuid() && st.st_uid != 0)
			errno = ELOOP;
		else
			fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(err, n, "cannot write %s: it is another user's symbolic link "
					 "(not followed: remove it or choose another path)", path);
		else
			snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_uid != geteuid()) {
		snprintf(err, n, "cannot write %s: it belongs to uid %u, not to this user "
				 "(remove it or choose another path)", path, (unsigned int)st.st_uid);
		close(fd);
		return -1;
	}
	if (S_ISREG(st.st_mode) && ftruncate(fd, 0)) {
		snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

uint64_t hide_identity(uint64_t secret, uint64_t addr)
{
	uint64_t a;

	if (!addr)
		return 0;
	a = hide_addr(secret, addr) & ~(1ULL << 63);
	return a ? a : 1;
}
