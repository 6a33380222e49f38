/*
 * request_headers_fixed.c - a correct program: request_headers.c, with
 * the header map created together with the request.
 *
 * Every request owns a map from the start, so no code path can meet a map
 * that was never created, and the lazy `if (!req->headers)` in the parser
 * is gone.  (Keeping the lazy creation is fine too, if every writer goes
 * through one helper that creates the map.)  Built with -DHMAP_CHECKED it
 * must run clean and end up with the default header.
 */
#include <hmap.h>

#include <stdio.h>
#include <string.h>

struct request {
    char method[8];
    char path[64];
    hmap *headers; /* name -> value */
};

static int request_init(struct request *req)
{
    *req = (struct request){ .headers = hmap_new(&HMAP_TYPE_CSTR(const char *), 8) };
    return req->headers ? 0 : -1;
}

static void parse_request(struct request *req, char *text)
{
    char *line = strtok(text, "\n");
    if (!line || sscanf(line, "%7s %63s", req->method, req->path) != 2)
        return;
    while ((line = strtok(NULL, "\n"))) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        const char *name = line, *value = colon + 1 + strspn(colon + 1, " ");
        hmap_set(req->headers, &name, &value);
    }
}

static void add_default_headers(struct request *req)
{
    const char *name = "Connection", *value = "close";
    if (!hmap_has(req->headers, &name))
        hmap_set(req->headers, &name, &value);
}

int main(void)
{
    char text[] = "GET /index.html HTTP/1.0\n"; /* no header lines */
    struct request req;
    if (request_init(&req) != 0)
        return 1;
    parse_request(&req, text);
    add_default_headers(&req);
    printf("%s %s with %zu headers\n", req.method, req.path, hmap_len(req.headers));
    int ok = hmap_len(req.headers) == 1;
    hmap_free(req.headers);
    return ok ? 0 : 1;
}
