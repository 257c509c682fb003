package fuzzy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEditDistanceAndSuggest(t *testing.T) {
	assert.Equal(t, 0, EditDistance("abc", "abc"))
	assert.Equal(t, 1, EditDistance("cost", "costt"))
	assert.Equal(t, 3, EditDistance("kitten", "sitting"))
	assert.Equal(t, 64, EditDistance(strings.Repeat("a", 65), "a"))
	assert.Equal(t, "cost", Suggest("cots", []string{"cost", "name"}))
	assert.Equal(t, "", Suggest("zzzzzz", []string{"cost", "name"}))
}
