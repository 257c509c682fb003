package lru

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLRUEvictsLeastRecentlyUsed(t *testing.T) {
	l := New[string, int](2)
	l.Put("a", 1)
	l.Put("b", 2)
	_, ok := l.Get("a") // a is now most recent
	require.True(t, ok)
	k, v, evicted := l.Put("c", 3)
	assert.True(t, evicted)
	assert.Equal(t, "b", k)
	assert.Equal(t, 2, v)
	_, ok = l.Peek("b")
	assert.False(t, ok)
	assert.Equal(t, 2, l.Len())

	var order []string
	l.Range(func(k string, _ int) bool { order = append(order, k); return true })
	assert.Equal(t, []string{"c", "a"}, order)
}

func TestLRUUpdateDoesNotEvict(t *testing.T) {
	l := New[string, int](1)
	l.Put("a", 1)
	_, _, evicted := l.Put("a", 5)
	assert.False(t, evicted)
	v, _ := l.Get("a")
	assert.Equal(t, 5, v)
}

func TestLRUReplaceKeepsRecency(t *testing.T) {
	l := New[string, int](2)
	l.Put("a", 1)
	l.Put("b", 2)
	assert.True(t, l.Replace("a", 10))
	assert.False(t, l.Replace("z", 0), "an absent key is not added")
	assert.Equal(t, 2, l.Len())
	l.Put("c", 3)
	_, ok := l.Peek("a")
	assert.False(t, ok, "a stayed the least recently used")
	v, _ := l.Peek("b")
	assert.Equal(t, 2, v)
}

func TestLRUDeleteFunc(t *testing.T) {
	l := New[int, int](10)
	for i := range 10 {
		l.Put(i, i*i)
	}
	n := l.DeleteFunc(func(k, _ int) bool { return k%2 == 0 })
	assert.Equal(t, 5, n)
	assert.Equal(t, 5, l.Len())
	assert.True(t, l.Delete(1))
	assert.False(t, l.Delete(1))
	// Capacity still holds after deletions and reuse of nodes.
	for i := 100; i < 120; i++ {
		l.Put(i, i)
	}
	assert.Equal(t, 10, l.Len())
}

func TestLRUPanicsOnZeroCapacity(t *testing.T) {
	assert.Panics(t, func() { New[int, int](0) })
}
