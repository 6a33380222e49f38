/*
 * table_boost.cc - boost::unordered_flat_map (Boost >= 1.81) in the
 * benchmark, default boost::hash (or --hash same); see table_flat.hh.
 */
#include "table_flat.hh"

#include <boost/unordered/unordered_flat_map.hpp>

template <class K, class V> using boost_flat = boost::unordered_flat_map<K, V>;
template <class K, class V>
using boost_flat_same = boost::unordered_flat_map<K, V, bench_same_hash>;

extern "C" const bench_table bench_boost = flat_table<boost_flat, boost_flat_same>("boost");
