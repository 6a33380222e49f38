#!/usr/bin/env python3
"""report.py - turns the benchmark's raw lines into the results.

Usage: report.py RAW OUTDIR [META]

RAW holds the lines of many hmap-bench runs ("table=... keys=... n=...
op=insert ns_per_op=..." and so on).  For every (table, keys, n) this takes
the median of each figure over the runs and writes, in OUTDIR:
  results.md       the table of medians, and how hmap compares
  plot-<keys>.dat  ns/op per operation and table at the largest n, and
  plot-vars.gp     what plot.gp needs to know about them
and prints results.md.  META (optional) is a file of lines put at the top.
Standard library only.
"""
import collections
import statistics
import sys

OPS = ["insert", "hit", "miss", "erase", "iterate"]
KEYS = ["u64", "str"]
KEY_TITLES = {"u64": "uint64_t -> uint64_t", "str": "16-char string -> uint64_t"}


def parse(path):
    """{(table, keys, n): {figure: [values...]}}, and tables in first-seen order."""
    data = collections.defaultdict(lambda: collections.defaultdict(list))
    tables = []
    with open(path) as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if not {"table", "keys", "n"} <= fields.keys():
                continue
            key = (fields.pop("table"), fields.pop("keys"), int(fields.pop("n")))
            fields.pop("hash", None)  # tools/bench.sh runs hash=own only
            if key[0] not in tables:
                tables.append(key[0])
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


def results_table(data, tables, sizes):
    head = ("| table | keys | n | insert | hit | miss | erase | iterate "
            "| peak RSS MB | table MB | worst insert µs | runs |")
    rows = [head, "|" + "---|" * 3 + "---:|" * 9]
    for keys in KEYS:
        for n in sizes:
            for table in tables:
                key = (table, keys, n)
                if key not in data:
                    continue
                def m(figure, scale=1):
                    value = median(data, key, figure)
                    return fmt(None if value is None else value / scale)
                cells = [table, keys, f"{n:,}"] + [m(op) for op in OPS]
                cells += [m("peak_rss_kb", 1024), m("table_kb", 1024),
                          m("worst_insert_ns", 1000),
                          str(len(data[key].get("insert", [])))]
                rows.append("| " + " | ".join(cells) + " |")
    return rows


def comparison(data, tables, sizes):
    """For each keys, n and op: the fastest table, and hmap's time over others'."""
    c_tables = [t for t in tables if t in ("glib", "uthash", "stb_ds")]
    others = [t for t in ("boost", "absl") if t in tables]
    head = ["keys", "n", "op", "fastest"] + [f"hmap/{t}" for t in others]
    if c_tables:
        head.append("hmap/best C")
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * 4 + "---:|" * (len(head) - 4)]
    for keys in KEYS:
        for n in sizes:
            for op in OPS:
                times = {t: median(data, (t, keys, n), op) for t in tables}
                times = {t: v for t, v in times.items() if v is not None}
                hmap = times.get("hmap")
                if not times or hmap is None:
                    continue
                best = min(times, key=times.get)
                cells = [keys, f"{n:,}", op, f"{best} ({times[best]:.1f})"]
                ratio = lambda v: "—" if not v else f"{hmap / v:.2f}x"
                cells += [ratio(times.get(t)) for t in others]
                if c_tables:
                    best_c = min((times[t] for t in c_tables if t in times), default=None)
                    cells.append(ratio(best_c))
                rows.append("| " + " | ".join(cells) + " |")
    return rows


def checked_overhead(data, sizes):
    """hmap-checked's time over hmap's, per keys, n and op."""
    rows = ["| keys | n | " + " | ".join(OPS) + " |", "|---|---|" + "---:|" * len(OPS)]
    for keys in KEYS:
        for n in sizes:
            plain = [median(data, ("hmap", keys, n), op) for op in OPS]
            checked = [median(data, ("hmap-checked", keys, n), op) for op in OPS]
            if not any(plain) or not any(checked):
                continue
            cells = ["—" if not p or not c else f"{c / p:.2f}x" for p, c in zip(plain, checked)]
            rows.append(f"| {keys} | {n:,} | " + " | ".join(cells) + " |")
    return rows if len(rows) > 2 else []


def write_plot_data(data, tables, n, outdir):
    """plot-<keys>.dat: every table in every file (NaN where missing), so a
    table keeps its column and colour; plot-vars.gp: the size and the
    columns that have data, for plot.gp."""
    columns = {}
    for keys in KEYS:
        with open(f"{outdir}/plot-{keys}.dat", "w") as f:
            f.write("op " + " ".join(tables) + "\n")
            for op in OPS:
                vals = [median(data, (t, keys, n), op) for t in tables]
                f.write(op + " " + " ".join("NaN" if v is None else f"{v:.3f}"
                                            for v in vals) + "\n")
        columns[keys] = " ".join(str(i + 2) for i, t in enumerate(tables)
                                 if (t, keys, n) in data)
    with open(f"{outdir}/plot-vars.gp", "w") as f:
        f.write(f'n = "{n:,}"\n')
        for keys in KEYS:
            f.write(f'columns_{keys} = "{columns[keys]}"\n')


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    raw, outdir = sys.argv[1], sys.argv[2]
    data, tables = parse(raw)
    if not data:
        sys.exit("report.py: no results in " + raw)
    sizes = sorted({n for (_, _, n) in data})
    lines = ["# hmap benchmark results", ""]
    if len(sys.argv) == 4:
        with open(sys.argv[3]) as f:
            lines += [l.rstrip("\n") for l in f] + [""]
    lines += ["Medians over runs; operations in ns per operation (lower is better). "
              "insert: into an empty table with no size hint; hit/erase: all keys, "
              "shuffled; miss: n absent keys; iterate: per entry. peak RSS: the "
              "whole process (keys included); table MB: peak RSS minus RSS before "
              "the table was created. worst insert: the slowest single insert in "
              "a separate pass, thread CPU time.", ""]
    lines += results_table(data, tables, sizes)
    lines += ["", "## hmap against the others", "",
              "Time of hmap divided by the other table's (below 1.00x: hmap is faster).", ""]
    lines += comparison(data, tables, sizes)
    overhead = checked_overhead(data, sizes)
    if overhead:
        lines += ["", "## The checked build against the plain one", "",
                  "Time of hmap-checked (-DHMAP_CHECKED, default HMAP_OPTIONS) divided by "
                  "plain hmap's; the target is at most 1.50x.", ""] + overhead
    text = "\n".join(lines) + "\n"
    with open(f"{outdir}/results.md", "w") as f:
        f.write(text)
    write_plot_data(data, tables, sizes[-1], outdir)
    print(text, end="")


if __name__ == "__main__":
    main()
