/*
 * table_flat.hh - bench_ops for any std::unordered_map-like C++ table
 * (boost::unordered_flat_map, absl::flat_hash_map), with its default
 * hasher or, under --hash same, bench_same_hash.  String keys are std::string_view into the driver's strings, so
 * the table stores a pointer (and a length) as hmap does; big keys map
 * uint64_t to bench_big.
 */
#ifndef TABLE_FLAT_HH
#define TABLE_FLAT_HH

#include "bench.h"
#include "bench_hash.h"

#include <cstdint>
#include <string_view>
#include <type_traits>

/* bench_hash.h's hashes as a hasher.  is_avalanching tells boost to use
 * the hash as it is, without its own extra mixing; absl never adds any. */
struct bench_same_hash {
    using is_avalanching = void;
    size_t operator()(uint64_t x) const noexcept { return bench_hash_u64(x); }
    size_t operator()(std::string_view s) const noexcept
    {
        return bench_hash_str(s.data(), s.size());
    }
};

template <class Map> struct flat_ops {
    using Key = typename Map::key_type;
    using Val = typename Map::mapped_type;
    static constexpr bool is_big = std::is_same_v<Val, bench_big>;
    static constexpr bool is_str = std::is_same_v<Key, std::string_view>;
    /* the element type of the driver's key array */
    using Src = std::conditional_t<is_str, const char *, uint64_t>;

    static Key key(Src s)
    {
        if constexpr (is_str)
            return Key(s, BENCH_STR_LEN); /* string_view users know the length */
        else
            return s;
    }
    /* the value whose first word is v, and the first word of a value */
    static Val val(uint64_t v)
    {
        if constexpr (is_big)
            return bench_big_of(v);
        else
            return v;
    }
    static uint64_t word(const Val &v)
    {
        if constexpr (is_big)
            return v.w[0];
        else
            return v;
    }
    static Map &map(void *t) { return *static_cast<Map *>(t); }

    static void *create(size_t) { return new Map(); }
    static void destroy(void *t) { delete &map(t); }
    static void insert(void *t, const void *keys, size_t first, size_t count)
    {
        Map &m = map(t);
        const Src *k = static_cast<const Src *>(keys);
        for (size_t i = first; i < first + count; i++)
            m.emplace(key(k[i]), val(i + 1));
    }
    static void replace(void *t, const void *keys, size_t n, uint64_t base)
    {
        Map &m = map(t);
        const Src *k = static_cast<const Src *>(keys);
        for (size_t i = 0; i < n; i++)
            m.insert_or_assign(key(k[i]), val(base + i + 1));
    }
    static uint64_t lookup(void *t, const void *keys, size_t n)
    {
        const Map &m = map(t);
        const Src *k = static_cast<const Src *>(keys);
        uint64_t sum = 0;
        for (size_t i = 0; i < n; i++) {
            auto it = m.find(key(k[i]));
            if (it != m.end())
                sum += word(it->second);
        }
        return sum;
    }
    static size_t erase(void *t, const void *keys, size_t n)
    {
        Map &m = map(t);
        const Src *k = static_cast<const Src *>(keys);
        size_t removed = 0;
        for (size_t i = 0; i < n; i++)
            removed += m.erase(key(k[i]));
        return removed;
    }
    static uint64_t iterate(void *t)
    {
        uint64_t sum = 0;
        for (const auto &kv : map(t))
            sum += word(kv.second);
        return sum;
    }
    static size_t len(void *t) { return map(t).size(); }

    static constexpr bench_ops ops = { create, destroy, insert, replace,
                                       lookup, erase,   iterate, len };
};

/* The bench_table of map templates M<Key, Value> (default hasher) and
 * S<Key, Value> (bench_same_hash). */
template <template <class...> class M, template <class...> class S>
constexpr bench_table flat_table(const char *name)
{
    return { name,
             { { &flat_ops<M<uint64_t, uint64_t>>::ops,
                 &flat_ops<M<std::string_view, uint64_t>>::ops,
                 &flat_ops<M<uint64_t, bench_big>>::ops },
               { &flat_ops<S<uint64_t, uint64_t>>::ops,
                 &flat_ops<S<std::string_view, uint64_t>>::ops,
                 &flat_ops<S<uint64_t, bench_big>>::ops } } };
}

#endif /* TABLE_FLAT_HH */
