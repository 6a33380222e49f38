/*
 * cxx_header.cc - hmap.h compiles as C++: HMAP_TYPE, HMAP_SET_TYPE and
 * HMAP_TYPE_CSTR descriptors stored in variables (names "K -> V"), a map
 * made, written and read, iterated and verified, from C++.
 */
#include <hmap.h>

#include <check.h>
#include <cstdint>
#include <cstring>
#include <string>

START_TEST(cxx_map)
{
    hmap_type t = HMAP_TYPE(uint64_t, double);
    ck_assert_str_eq(t.name, "uint64_t -> double");
    ck_assert_uint_eq(t.key_size, sizeof(uint64_t));
    ck_assert_uint_eq(t.val_align, alignof(double));

    hmap *m = hmap_new(&t, 0);
    ck_assert_ptr_nonnull(m);
    for (uint64_t k = 0; k < 1000; k++) {
        bool inserted = false;
        double *v = static_cast<double *>(hmap_put(m, &k, &inserted));
        ck_assert_ptr_nonnull(v);
        ck_assert(inserted);
        ck_assert(*v == 0.0);
        *v = static_cast<double>(k) * 0.5;
    }
    for (uint64_t k = 0; k < 1000; k++) {
        const double *v = static_cast<const double *>(hmap_get(m, &k));
        ck_assert_ptr_nonnull(v);
        ck_assert(*v == static_cast<double>(k) * 0.5);
    }
    uint64_t absent = 5000;
    ck_assert(!hmap_has(m, &absent));
    hmap_iter it;
    hmap_iter_init(&it, m);
    size_t count = 0;
    while (hmap_iter_next(&it))
        count++;
    ck_assert_uint_eq(count, 1000);
    ck_assert(hmap_verify(m));
    hmap_free(m);

    hmap_type s = HMAP_SET_TYPE(uint32_t);
    ck_assert_str_eq(s.name, "set of uint32_t");
    hmap_type c = HMAP_TYPE_CSTR(int);
    ck_assert_str_eq(c.name, "const char * -> int");
    hmap *sm = hmap_new(&c, 16);
    ck_assert_ptr_nonnull(sm);
    const char *key = "hello";
    int one = 1;
    ck_assert_int_eq(hmap_set(sm, &key, &one), 0);
    std::string copy("hello");
    const char *ckey = copy.c_str();
    const int *v = static_cast<const int *>(hmap_get(sm, &ckey));
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(*v, 1);
    hmap_free(sm);
}
END_TEST

int main()
{
    Suite *s = suite_create("cxx_header");
    TCase *tc = tcase_create("cxx");
    tcase_add_test(tc, cxx_map);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
