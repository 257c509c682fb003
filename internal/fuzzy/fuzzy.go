// Package fuzzy finds near misses: the known name a user probably meant.
// It backs the "did you mean" of strict config parsing and the goal
// parser's tolerance for misspelt month names.
package fuzzy

// Suggest returns the candidate nearest to key within two edits (the
// first in order among equals), or "".
func Suggest(key string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := EditDistance(key, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// EditDistance returns the Levenshtein distance between a and b, bytewise.
// Strings longer than 64 bytes are not compared (64 is returned): nothing
// that long is a near miss, and the work is quadratic.
func EditDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
