/*
 * rename_user.c - crash reproduction: key modified after insertion.
 *
 * A user directory maps each user's name to the user's record, and the
 * key is the record's own name field (a `const char *` into it, the
 * HMAP_TYPE_CSTR way), which saves a copy.  The bug: rename_user edits the
 * name in place, so a stored key changes while it is in the map.  The
 * entry stays where the old name's hash put it: neither the old name nor
 * the new one finds it, until some later growth happens to rehash it.
 *
 * Built with -DHMAP_CHECKED the runtime rehashes every key that growth
 * moves, finds an edited one out of place, and reports it, every run:
 *     ==PID==ERROR: hmap: key modified after insertion on map 0x...
 * naming the key as it reads now, in the add_user call whose insert grew
 * the map.  (A renamed key could by chance keep the 7-bit tag of its hash,
 * the one thing growth can check in a map of one table, about 1 time in
 * 128; with three renames, practically every run is caught.)
 * Built plain it runs to the end, with lookups that fail.
 * rename_user_fixed.c removes the entry, renames, and inserts it again.
 */
#include <hmap.h>

#include <stdio.h>
#include <string.h>

enum { USERS = 100 };

struct user {
    char name[16];
    unsigned uid;
};

static struct user users[USERS];
static hmap *by_name; /* user name (pointing into the user's record) -> struct user * */

static void add_user(unsigned uid)
{
    struct user *u = &users[uid];
    snprintf(u->name, sizeof u->name, "user%u", uid);
    u->uid = uid;
    const char *key = u->name;
    hmap_set(by_name, &key, &u);
}

static void rename_user(struct user *u, const char *new_name)
{
    snprintf(u->name, sizeof u->name, "%s", new_name); /* the bug: u->name is a key */
}

/* Renames imported from the company directory: uid, new name. */
static const struct {
    unsigned uid;
    const char *name;
} renames[] = { { 3, "alice" }, { 5, "bob" }, { 6, "carol" } };

int main(void)
{
    by_name = hmap_new(&HMAP_TYPE_CSTR(struct user *), 0);
    if (!by_name)
        return 1;
    for (unsigned uid = 0; uid < 8; uid++)
        add_user(uid);
    for (size_t i = 0; i < sizeof renames / sizeof renames[0]; i++)
        rename_user(&users[renames[i].uid], renames[i].name);

    const char *name = "alice";
    printf("after the renames, alice is %s\n", hmap_has(by_name, &name) ? "found" : "missing");
    for (unsigned uid = 8; uid < USERS; uid++) /* the map grows on the way */
        add_user(uid);
    printf("%zu users\n", hmap_len(by_name));
    hmap_free(by_name);
    return 0;
}
