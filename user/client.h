/* client.h - a viewer's side of the collector's socket (docs/protocol.md). */
#ifndef LS_CLIENT_H
#define LS_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "source.h"

struct client;

/* Connects to path: NULL with a one-line err that says what to do. */
struct client *client_connect(const char *path, char *err, size_t errlen);
void client_close(struct client *c);
int client_fd(const struct client *c);
/* Sends {"v":1,"type":type,"id":id} (id < 0: none): 0 or -errno. */
int client_send(struct client *c, const char *type, int64_t id);
/* Waits up to timeout_ms (-1: forever) for the next message.  1: *msg set
 * (the caller puts it); 0: timed out; -1: closed or broken, err says why
 * (a "bye" from the collector is returned as a message first). */
int client_recv(struct client *c, json_object **msg, int timeout_ms, char *err, size_t errlen);
/* The client as a viewer's message source. */
void client_source(struct client *c, struct view_source *src);

#endif
