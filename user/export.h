/* export.h - a trace file turned into what other tools read: Chrome /
 * Perfetto trace-event JSON, or one JSON object per record (JSON lines). */
#ifndef LS_EXPORT_H
#define LS_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum export_format {
	EXPORT_PERFETTO,
	EXPORT_JSONL,
};

struct export_opts {
	const char *path;     /* the trace file */
	const char *output;   /* ending in .gz: gzip-compressed */
	enum export_format format;
	bool has_from, has_to;
	uint64_t from_ns, to_ns; /* from the first record */
	pid_t pid, tid;       /* 0: all */
};

/* 0, or 1 after one error line on stderr.  A cut-short file exports what
 * is whole and says what was lost (0). */
int export_run(const struct export_opts *o);

#endif
