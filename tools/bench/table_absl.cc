/*
 * table_absl.cc - absl::flat_hash_map in the benchmark, default absl::Hash
 * (or --hash same); see table_flat.hh.
 */
#include "table_flat.hh"

#include <absl/container/flat_hash_map.h>

template <class K, class V> using absl_flat = absl::flat_hash_map<K, V>;
template <class K, class V> using absl_flat_same = absl::flat_hash_map<K, V, bench_same_hash>;

extern "C" const bench_table bench_absl = flat_table<absl_flat, absl_flat_same>("absl");
