/*
 * route_callback_fixed.c - a correct program: route_callback.c, with the
 * handler registered with the pointer it expects.
 *
 * The handler now takes the whole server, which is what main passes, and
 * reaches the routing table through it; the one conversion from void *
 * happens in one place, to the type that was registered.  Built with
 * -DHMAP_CHECKED it must run clean.
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
    struct server *server = user_data; /* registered as &server below */
    const char *const *handler = hmap_get(server->routes, &path);
    server->requests++;
    printf("%s -> %s\n", path, handler ? *handler : "404");
}

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

    struct event ev = { on_request, &server };
    const char *const queued[] = { "/", "/favicon.ico", NULL };
    run_event_loop(&ev, queued);

    hmap_free(server.routes);
    return server.requests == 2 ? 0 : 1;
}
