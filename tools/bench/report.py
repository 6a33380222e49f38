#!/usr/bin/env python3
"""report.py - turns the benchmark's raw lines into the results.

Usage: report.py RAW OUTDIR [META]

RAW holds the lines of many hmap-bench runs ("table=... keys=... n=...
hash=... op=insert ns_per_op=..." and so on; a line without hash= is
hash=own).  For every (hash, table, keys, n) this takes the median of each
figure over the runs and writes, in OUTDIR:
  results.md       per hash (own, same): the table of medians, and how
                   hmap compares with each peer (boost, absl, khash) and
                   with the best of them
  plot-<keys>.dat  ns/op per operation and table at the largest n, with
                   the tables' own hashes (the same hash if only that ran),
  plot-vars.gp     and what plot.gp needs to know about them
and prints results.md.  META (optional) is a file of lines put at the top.
Standard library only.
"""
import collections
import statistics
import sys

OPS = ["insert", "hit", "miss", "iterate", "replace", "erase",
       "grow-hit", "grow-miss", "grow-erase-absent"]
PLOT_OPS = ["insert", "hit", "miss", "replace", "erase", "grow-hit", "grow-miss"]
KEYS = ["u64", "big", "str"]
KEY_TITLES = {"u64": "uint64_t -> uint64_t", "big": "uint64_t -> 64-byte struct",
              "str": "16-char string -> uint64_t"}
HASHES = ["own", "same"]
HASH_TITLES = {"own": "Each table with its own hash",
               "same": "Every table with the same hash (bench_hash.h)"}
PEERS = ["boost", "absl", "khash"]
C_TABLES = ["glib", "uthash", "stb_ds"]
# figures compared besides the ops: (name in the raw lines, row title, divisor)
OTHER_FIGURES = [("bytes_per_entry", "bytes/entry", 1),
                 ("worst_insert_ns", "worst insert µs", 1000)]


def parse(path):
    """{(hash, table, keys, n): {figure: [values...]}}, tables in first-seen order."""
    data = collections.defaultdict(lambda: collections.defaultdict(list))
    tables = []
    with open(path) as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if not {"table", "keys", "n"} <= fields.keys():
                continue
            key = (fields.pop("hash", "own"), fields.pop("table"), fields.pop("keys"),
                   int(fields.pop("n")))
            if key[1] not in tables:
                tables.append(key[1])
            if "op" in fields:
                data[key][fields["op"]].append(float(fields["ns_per_op"]))
            else:
                for name, value in fields.items():
                    data[key][name].append(float(value))
    return data, tables


def median(data, key, figure):
    values = data.get(key, {}).get(figure)
    return statistics.median(values) if values else None


def fmt(value, digits=1):
    return "—" if value is None else f"{value:,.{digits}f}"


def results_table(data, hash_, tables, sizes):
    head = ("| table | keys | n | " + " | ".join(OPS) +
            " | bytes/entry | peak RSS MB | worst insert µs | runs |")
    rows = [head, "|" + "---|" * 3 + "---:|" * (len(OPS) + 4)]
    for keys in KEYS:
        for n in sizes:
            for table in tables:
                key = (hash_, table, keys, n)
                if key not in data:
                    continue
                def m(figure, scale=1):
                    value = median(data, key, figure)
                    return fmt(None if value is None else value / scale)
                cells = [table, keys, f"{n:,}"] + [m(op) for op in OPS]
                cells += [m("bytes_per_entry"), m("peak_rss_kb", 1024),
                          m("worst_insert_ns", 1000),
                          str(len(data[key].get("insert", [])))]
                rows.append("| " + " | ".join(cells) + " |")
    return rows


def comparison(data, hash_, tables, sizes):
    """For each keys, n and figure: the lowest table, hmap's figure over each
    peer's, over the best peer's, and over the best C table's."""
    peers = [t for t in PEERS if t in tables]
    c_tables = [t for t in C_TABLES if t in tables]
    head = ["keys", "n", "figure", "lowest"] + [f"hmap/{t}" for t in peers]
    if peers:
        head.append("hmap/best peer")
    if c_tables:
        head.append("hmap/best C")
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * 4 + "---:|" * (len(head) - 4)]
    figures = [(op, op, 1) for op in OPS] + OTHER_FIGURES
    for keys in KEYS:
        for n in sizes:
            for figure, title, scale in figures:
                values = {t: median(data, (hash_, t, keys, n), figure) for t in tables}
                values = {t: v for t, v in values.items() if v is not None}
                hmap = values.get("hmap")
                if not values or hmap is None:
                    continue
                best = min(values, key=values.get)
                cells = [keys, f"{n:,}", title, f"{best} ({values[best] / scale:,.1f})"]
                ratio = lambda v: "—" if not v else f"{hmap / v:.2f}x"
                cells += [ratio(values.get(t)) for t in peers]
                def best_of(group):
                    found = [(values[t], t) for t in group if t in values]
                    return min(found) if found else (None, None)
                if peers:
                    v, t = best_of(peers)
                    cells.append("—" if v is None else f"{ratio(v)} ({t})")
                if c_tables:
                    cells.append(ratio(best_of(c_tables)[0]))
                rows.append("| " + " | ".join(cells) + " |")
    return rows


def checked_overhead(data, hash_, sizes):
    """hmap-checked's time over hmap's, per keys, n and op."""
    rows = ["| keys | n | " + " | ".join(OPS) + " |", "|---|---|" + "---:|" * len(OPS)]
    for keys in KEYS:
        for n in sizes:
            plain = [median(data, (hash_, "hmap", keys, n), op) for op in OPS]
            checked = [median(data, (hash_, "hmap-checked", keys, n), op) for op in OPS]
            if not any(plain) or not any(checked):
                continue
            cells = ["—" if not p or not c else f"{c / p:.2f}x" for p, c in zip(plain, checked)]
            rows.append(f"| {keys} | {n:,} | " + " | ".join(cells) + " |")
    return rows if len(rows) > 2 else []


def write_plot_data(data, hash_, tables, n, outdir):
    """plot-<keys>.dat: every table in every file (NaN where missing), so a
    table keeps its column and colour; plot-vars.gp: the size, the hash,
    the key types that have data and their columns, for plot.gp."""
    columns, panels = {}, []
    for keys in KEYS:
        with open(f"{outdir}/plot-{keys}.dat", "w") as f:
            f.write("op " + " ".join(tables) + "\n")
            for op in PLOT_OPS:
                vals = [median(data, (hash_, t, keys, n), op) for t in tables]
                f.write(op + " " + " ".join("NaN" if v is None else f"{v:.3f}"
                                            for v in vals) + "\n")
        columns[keys] = " ".join(str(i + 2) for i, t in enumerate(tables)
                                 if (hash_, t, keys, n) in data)
        if columns[keys]:
            panels.append(keys)
    with open(f"{outdir}/plot-vars.gp", "w") as f:
        f.write(f'n = "{n:,}"\n')
        f.write(f'hash = "{hash_}"\n')
        f.write(f'panels = "{" ".join(panels)}"\n')
        for keys in KEYS:
            f.write(f'columns_{keys} = "{columns[keys]}"\n')
            f.write(f'title_{keys} = "{KEY_TITLES[keys]}"\n')


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    raw, outdir = sys.argv[1], sys.argv[2]
    data, tables = parse(raw)
    if not data:
        sys.exit("report.py: no results in " + raw)
    sizes = sorted({key[3] for key in data})
    hashes = [h for h in HASHES if any(key[0] == h for key in data)]
    lines = ["# hmap benchmark results", ""]
    if len(sys.argv) == 4:
        with open(sys.argv[3]) as f:
            lines += [l.rstrip("\n") for l in f] + [""]
    lines += ["Medians over runs; operations in ns per operation (lower is better). "
              "insert: into an empty table with no size hint; hit/erase: all keys, "
              "shuffled; miss: n absent keys; iterate: per entry; replace: every key "
              "set again to a new value, shuffled; grow-hit, grow-miss, "
              "grow-erase-absent: from an empty table, n/400 keys inserted at a time "
              "and after each step as many hits, misses and erases of absent keys, "
              "timed apart from the inserts (lookups while the table grows). "
              "bytes/entry: RSS growth from just before the table was created to "
              "the end of the insert phase, over n. peak RSS: the whole process (keys "
              "included). worst insert: the slowest single insert in a separate "
              "pass, thread CPU time. Key types: "
              + "; ".join(f"{k}: {KEY_TITLES[k]}" for k in KEYS) + ".", ""]
    for hash_ in hashes:
        lines += [f"## {HASH_TITLES[hash_]}", ""]
        if hash_ == "same":
            lines += ["hmap (as hmap_type.hash, a call through a pointer), boost, absl, "
                      "khash and GLib hash u64 and big keys with one 64-bit mulx mixer "
                      "and strings with one word-wise hash; uthash and stb_ds cannot be "
                      "given a hash per map and are left out.", ""]
        lines += results_table(data, hash_, tables, sizes)
        lines += ["", f"### hmap against the others ({hash_} hash)", "",
                  "hmap's figure divided by the other table's (below 1.00x: hmap is "
                  "better); best peer: the lowest of boost, absl and khash, named; "
                  "lowest: the lowest of all tables.", ""]
        lines += comparison(data, hash_, tables, sizes)
        overhead = checked_overhead(data, hash_, sizes)
        if overhead:
            lines += ["", f"### The checked build against the plain one ({hash_} hash)", "",
                      "Time of hmap-checked (-DHMAP_CHECKED, default HMAP_OPTIONS) divided by "
                      "plain hmap's; the target is at most 1.50x.", ""] + overhead
        lines.append("")
    text = "\n".join(lines)
    with open(f"{outdir}/results.md", "w") as f:
        f.write(text)
    write_plot_data(data, hashes[0], tables, sizes[-1], outdir)
    print(text, end="")


if __name__ == "__main__":
    main()
