/* rectypes.c - the table of record types (rectypes.h). */
#include <string.h>

#include <linux/types.h>
#include "loopscope.h"
#include "rectypes.h"
#include "trace.h"

#define ID(T, f) {#f, offsetof(T, f), 0, 0}
#define ID_AS(name, T, f) {name, offsetof(T, f), 0, 0}

static const struct rec_type bpf_types[LS_REC_TYPE_MAX] = {
	[LS_REC_WAIT] = {"wait", sizeof(struct ls_rec_wait), 1, {ID(struct ls_rec_wait, obj)}},
	[LS_REC_CTL] = {"ctl", sizeof(struct ls_rec_ctl), 2,
			{ID(struct ls_rec_ctl, obj), ID(struct ls_rec_ctl, fd_obj)}},
	[LS_REC_FD_NEW] = {"fd_new", sizeof(struct ls_rec_fd_new), 3,
			   {ID_AS("obj", struct ls_rec_fd_new, obj[0]),
			    ID_AS("obj2", struct ls_rec_fd_new, obj[1]),
			    ID(struct ls_rec_fd_new, parent)}},
	[LS_REC_IO] = {"io", sizeof(struct ls_rec_io), 1, {ID(struct ls_rec_io, obj)}},
	[LS_REC_CLOSE] = {"close", sizeof(struct ls_rec_close), 1, {ID(struct ls_rec_close, obj)}},
	[LS_REC_SOCK_OP] = {"sock_op", sizeof(struct ls_rec_sock_op), 1,
			    {ID(struct ls_rec_sock_op, obj)}},
	[LS_REC_SWITCH] = {"switch", sizeof(struct ls_rec_switch), 1,
			   {ID(struct ls_rec_switch, prev_obj)}},
	[LS_REC_WAKEUP] = {"wakeup", sizeof(struct ls_rec_wakeup), 1,
			   {ID_AS("waker_obj", struct ls_rec_wakeup, wobj)}},
	[LS_REC_TASK_NEW] = {"task_new", sizeof(struct ls_rec_task), 0, {{0}}},
	[LS_REC_TASK_EXIT] = {"task_exit", sizeof(struct ls_rec_task), 0, {{0}}},
	/* `count` is an eventfd's counter, but an AF_UNIX socket's `peer`:
	 * the other end's identity */
	[LS_REC_FD_INFO] = {"fd_info", sizeof(struct ls_rec_fd_info), 2,
			    {ID(struct ls_rec_fd_info, obj),
			     {"peer", offsetof(struct ls_rec_fd_info, peer),
			      offsetof(struct ls_rec_fd_info, kind), LS_FD_SOCKET}}},
};

static const struct rec_type syn_types[TREC_TYPE_END - TREC_ADD_TARGET] = {
	[TREC_ADD_TARGET - TREC_ADD_TARGET] = {"add_target", sizeof(struct trec_target), 0, {{0}}},
	[TREC_SEED_TASK - TREC_ADD_TARGET] = {"seed_task", sizeof(struct trec_seed_task), 0, {{0}}},
	[TREC_SEED_INTEREST - TREC_ADD_TARGET] = {"seed_interest", sizeof(struct trec_seed_interest), 0, {{0}}},
	[TREC_EVENTFD_COUNT - TREC_ADD_TARGET] = {"eventfd_count", sizeof(struct trec_eventfd_count), 0, {{0}}},
	[TREC_RENAME_TASK - TREC_ADD_TARGET] = {"rename_task", sizeof(struct trec_rename), 0, {{0}}},
	[TREC_TARGET_EXITED - TREC_ADD_TARGET] = {"target_exited", sizeof(struct ls_hdr), 0, {{0}}},
	[TREC_TICK - TREC_ADD_TARGET] = {"tick", sizeof(struct trec_tick), 0, {{0}}},
	[TREC_TASK_CPU - TREC_ADD_TARGET] = {"task_cpu", sizeof(struct trec_task_cpu), 0, {{0}}},
	[TREC_SEED_WAIT - TREC_ADD_TARGET] = {"seed_wait", sizeof(struct trec_seed_wait), 0, {{0}}},
};

const struct rec_type *rec_type(uint16_t type)
{
	const struct rec_type *t = NULL;

	if (type < LS_REC_TYPE_MAX)
		t = &bpf_types[type];
	else if (type >= TREC_ADD_TARGET && type < TREC_TYPE_END)
		t = &syn_types[type - TREC_ADD_TARGET];
	return t && t->name ? t : NULL;
}

bool rec_id_is(const struct rec_id *id, const void *rec)
{
	return !id->kind_off || ((const uint8_t *)rec)[id->kind_off] == id->kind;
}

uint64_t rec_id_get(const struct rec_id *id, const void *rec)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)rec + id->off, sizeof(v));
	return v;
}

void rec_id_set(const struct rec_id *id, void *rec, uint64_t v)
{
	memcpy((uint8_t *)rec + id->off, &v, sizeof(v));
}
