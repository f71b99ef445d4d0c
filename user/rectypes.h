/* rectypes.h - the one table of record types: for every ring-buffer record
 * (bpf/loopscope.h) and every synthetic one (trace.h), its name, its size
 * (the smallest record of that type anything reads) and which of its fields
 * are object identities (kernel addresses: hashed before they leave the
 * collector).  model.c's checks, trace.c's names, sizes and hiding, and
 * export.c's serializer all read this table, so a field added to a record
 * is described once. */
#ifndef LS_RECTYPES_H
#define LS_RECTYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REC_IDS_MAX 3

/* A __u64 field that holds a kernel object's identity. */
struct rec_id {
	const char *name;  /* its name in `export --format jsonl` */
	uint16_t off;      /* its offset in the record */
	uint16_t kind_off; /* 0: always an identity; else the offset of the */
	uint8_t kind;      /* record's __u8 fd kind: an identity only when it is this */
};

struct rec_type {
	const char *name; /* "wait", "seed_task"... */
	uint16_t size;    /* the smallest record of this type that is read */
	uint8_t nids;
	struct rec_id ids[REC_IDS_MAX];
};

/* The type's description; NULL when unknown (0, or a newer version's). */
const struct rec_type *rec_type(uint16_t type);
/* Whether id holds an identity in rec (of at least rec_type()->size bytes). */
bool rec_id_is(const struct rec_id *id, const void *rec);
/* The value of id in rec. */
uint64_t rec_id_get(const struct rec_id *id, const void *rec);
void rec_id_set(const struct rec_id *id, void *rec, uint64_t v);

#endif
