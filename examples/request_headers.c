/*
 * request_headers.c - crash reproduction: assignment to entry in nil map.
 *
 * An HTTP server parses each request into a struct whose header map is
 * created lazily, by the parser, when the first header line arrives.  The
 * bug: a request without header lines (HTTP/1.0 allows it) never gets a
 * map, and add_default_headers then writes to a map that was never created.
 * Reading a NULL map is fine and finds nothing, like Go's nil map; writing
 * to one is an error.  In the plain build hmap_set returns EINVAL, which
 * the code ignores, so the default headers silently go missing.
 *
 * Built with -DHMAP_CHECKED it dies at the write, every run:
 *     ==PID==ERROR: hmap: assignment to entry in nil map
 * in add_default_headers.  Built plain it runs to the end, one header
 * short.  request_headers_fixed.c creates the map with the request.
 */
#include <hmap.h>

#include <stdio.h>
#include <string.h>

struct request {
    char method[8];
    char path[64];
    hmap *headers; /* name -> value; created by the parser at the first header */
};

/* Parses "METHOD PATH VERSION" and then "Name: value" lines into *req. */
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
        if (!req->headers)
            req->headers = hmap_new(&HMAP_TYPE_CSTR(const char *), 8);
        hmap_set(req->headers, &name, &value);
    }
}

static void add_default_headers(struct request *req)
{
    const char *name = "Connection", *value = "close";
    if (!hmap_has(req->headers, &name)) /* fine: a NULL map has nothing */
        hmap_set(req->headers, &name, &value); /* the bug: the map may not exist */
}

int main(void)
{
    char text[] = "GET /index.html HTTP/1.0\n"; /* no header lines */
    struct request req = { 0 };
    parse_request(&req, text);
    add_default_headers(&req);
    printf("%s %s with %zu headers\n", req.method, req.path, hmap_len(req.headers));
    hmap_free(req.headers);
    return 0;
}
