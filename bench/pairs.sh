# pairs.sh — sourced by the benchmarks that alternate two runs (intake.sh,
# peer_redis.sh, cluster.sh, listing.sh): each appends a line "FIRST SECOND
# [more…]" per pair to a file, then reads its median pair and every ratio.

# median_pair FILE N → "RATIO FIRST SECOND [more…]" of the pair whose
# SECOND ÷ FIRST is the median of the N pairs
median_pair() {
	awk '{ printf "%.4f %s\n", $2 / $1, $0 }' "$1" | sort -n | awk -v n="$2" 'NR == int((n + 1) / 2)'
}

# pair_ratios FILE → every pair's SECOND ÷ FIRST, two decimals, in order
pair_ratios() {
	awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $2 / $1 }' "$1"
}
