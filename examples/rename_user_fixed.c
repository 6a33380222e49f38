/*
 * rename_user_fixed.c - a correct program: rename_user.c, taking the entry
 * out of the map while its key changes.
 *
 * rename_user removes the user under the old name, edits the name, and
 * inserts the user under the new one: a stored key never changes.  Built
 * with -DHMAP_CHECKED it must run clean, and the renamed users must be
 * found under their new names and not under the old ones.
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
    const char *key = u->name;
    hmap_del(by_name, &key); /* out of the map while its key changes */
    snprintf(u->name, sizeof u->name, "%s", new_name);
    hmap_set(by_name, &key, &u);
}

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
    for (unsigned uid = 8; uid < USERS; uid++)
        add_user(uid);

    const char *alice = "alice", *user3 = "user3";
    struct user *const *found = hmap_get(by_name, &alice);
    printf("alice is %s, user3 is %s; %zu users\n", found ? "found" : "missing",
           hmap_has(by_name, &user3) ? "found" : "gone", hmap_len(by_name));
    int ok = found && (*found)->uid == 3 && !hmap_has(by_name, &user3) && hmap_len(by_name) == USERS;
    hmap_free(by_name);
    return ok ? 0 : 1;
}
