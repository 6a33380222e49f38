/*
 * route_callback.c - crash reproduction: invalid map pointer.
 *
 * A small event loop calls each handler with the `void *` it was registered
 * with, as C callback APIs do.  The request handler expects the routing
 * table (a map from path to handler name).  The bug: main registers it
 * with the whole server struct, &server, instead of server.routes - the
 * compiler cannot tell, since both convert to void *.  In the plain build
 * the map code reads the server struct as a map header: anything can
 * happen.
 *
 * Built with -DHMAP_CHECKED the pointer is recognised as not being a map
 * (no map magic), every run:
 *     ==PID==ERROR: hmap: invalid map pointer on map 0x...
 * in on_request.  route_callback_fixed.c registers server.routes.
 */
#include <hmap.h>

#include <stdio.h>

struct server {
    int port;
    unsigned requests;
    hmap *routes; /* path -> handler name */
};

typedef void handler_fn(void *user_data, const char *path);

struct event {
    handler_fn *handler;
    void *user_data;
};

static void on_request(void *user_data, const char *path)
{
    hmap *routes = user_data;
    const char *const *handler = hmap_get(routes, &path);
    printf("%s -> %s\n", path, handler ? *handler : "404");
}

/* Delivers the queued requests to their handlers. */
static void run_event_loop(const struct event *ev, const char *const *paths)
{
    for (; *paths; paths++)
        ev->handler(ev->user_data, *paths);
}

int main(void)
{
    struct server server = { .port = 8080 };
    server.routes = hmap_new(&HMAP_TYPE_CSTR(const char *), 0);
    if (!server.routes)
        return 1;
    const char *path = "/", *handler = "serve_index";
    hmap_set(server.routes, &path, &handler);

    struct event ev = { on_request, &server }; /* the bug: should be server.routes */
    const char *const queued[] = { "/", "/favicon.ico", NULL };
    run_event_loop(&ev, queued);

    hmap_free(server.routes);
    return 0;
}
