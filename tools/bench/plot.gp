# plot.gp - the benchmark chart: grouped bars of ns/op per operation, one
# bar per table, one panel per key type measured, at the largest size
# measured and with the tables' own hashes.  Called by tools/bench.sh as
#   gnuplot -e "dir='OUTDIR'" tools/bench/plot.gp
# reading OUTDIR/plot-{u64,big,str}.dat and OUTDIR/plot-vars.gp (written by
# report.py) and writing OUTDIR/bench.png.

load dir . '/plot-vars.gp'   # n, hash, panels, columns_<keys>, title_<keys>

set terminal pngcairo size 1400,(450 * words(panels) + 100) font "sans,13" noenhanced
set output dir . '/bench.png'

set style data histograms
set style histogram clustered gap 1.5
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.95
set logscale y
set format y "%g"
set ylabel "ns per operation (log scale, lower is better)"
set grid ytics mytics lw 0.5 lc rgb "#dddddd"
set key outside right top vertical Left reverse noautotitle
set xtics nomirror scale 0
set ytics nomirror
set border 3
# one colour per table column (column 2 is hmap)
array colour[8] = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#ff7f0e", "#8c564b", "#7f7f7f"]

set multiplot layout words(panels),1 \
    title "hmap benchmark, n = " . n . " entries, " . hash . " hash (medians)" font ",15"
do for [keys in panels] {
    file = dir . '/plot-' . keys . '.dat'
    set title value("title_" . keys)
    cols = value("columns_" . keys)
    plot for [c in cols] file using (column(int(c))):xtic(1) \
         title columnheader(int(c)) lc rgb colour[(int(c) - 2) % 8 + 1]
}
unset multiplot
