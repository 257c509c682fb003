// Package lru is a plain, non-concurrent least-recently-used map with an
// explicit capacity, used wherever strata must bound memory without
// silently refusing writes: the cache's last-known-good store and the
// in-memory history. Callers wrap it in their own lock.
package lru

// LRU maps keys to values and evicts the least recently used entry when a
// Put would exceed the capacity. It is not safe for concurrent use.
type LRU[K comparable, V any] struct {
	capacity int
	items    map[K]*node[K, V]
	root     node[K, V] // sentinel: root.next is the most recent, root.prev the least
	free     *node[K, V]
}

type node[K comparable, V any] struct {
	key        K
	value      V
	prev, next *node[K, V]
}

// New returns an LRU holding at most capacity entries. It panics if
// capacity < 1: that is a programming error, not run-time data.
func New[K comparable, V any](capacity int) *LRU[K, V] {
	if capacity < 1 {
		panic("lru: capacity must be at least 1")
	}
	l := &LRU[K, V]{capacity: capacity, items: make(map[K]*node[K, V])}
	l.root.next, l.root.prev = &l.root, &l.root
	return l
}

// Len returns the number of entries.
func (l *LRU[K, V]) Len() int { return len(l.items) }

// Cap returns the capacity.
func (l *LRU[K, V]) Cap() int { return l.capacity }

// Get returns the value for k and marks it most recently used.
func (l *LRU[K, V]) Get(k K) (V, bool) {
	n, ok := l.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	l.moveToFront(n)
	return n.value, true
}

// Peek returns the value for k without changing its recency.
func (l *LRU[K, V]) Peek(k K) (V, bool) {
	n, ok := l.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	return n.value, true
}

// Put sets k to v and marks it most recently used. When that makes the LRU
// exceed its capacity it evicts the least recently used entry and returns
// it with evicted true.
func (l *LRU[K, V]) Put(k K, v V) (evictedKey K, evictedValue V, evicted bool) {
	if n, ok := l.items[k]; ok {
		n.value = v
		l.moveToFront(n)
		return evictedKey, evictedValue, false
	}
	if len(l.items) >= l.capacity {
		old := l.root.prev
		evictedKey, evictedValue, evicted = old.key, old.value, true
		l.remove(old)
	}
	n := l.free
	if n != nil {
		l.free = nil
	} else {
		n = new(node[K, V])
	}
	n.key, n.value = k, v
	l.items[k] = n
	l.insertFront(n)
	return evictedKey, evictedValue, evicted
}

// Replace sets k to v without changing its recency, and reports whether
// k was present; an absent k is not added.
func (l *LRU[K, V]) Replace(k K, v V) bool {
	n, ok := l.items[k]
	if ok {
		n.value = v
	}
	return ok
}

// Delete removes k and reports whether it was present.
func (l *LRU[K, V]) Delete(k K) bool {
	n, ok := l.items[k]
	if !ok {
		return false
	}
	l.remove(n)
	return true
}

// Range calls fn for every entry from the most to the least recently used,
// until fn returns false. fn must not modify the LRU.
func (l *LRU[K, V]) Range(fn func(k K, v V) bool) {
	for n := l.root.next; n != &l.root; n = n.next {
		if !fn(n.key, n.value) {
			return
		}
	}
}

// DeleteFunc removes every entry for which fn returns true and returns how
// many it removed.
func (l *LRU[K, V]) DeleteFunc(fn func(k K, v V) bool) int {
	removed := 0
	for n := l.root.next; n != &l.root; {
		next := n.next
		if fn(n.key, n.value) {
			l.remove(n)
			removed++
		}
		n = next
	}
	return removed
}

// remove unlinks n, drops it from the map and keeps it for reuse.
func (l *LRU[K, V]) remove(n *node[K, V]) {
	n.prev.next, n.next.prev = n.next, n.prev
	delete(l.items, n.key)
	var zk K
	var zv V
	n.key, n.value, n.prev, n.next = zk, zv, nil, nil
	l.free = n
}

func (l *LRU[K, V]) insertFront(n *node[K, V]) {
	n.prev, n.next = &l.root, l.root.next
	l.root.next.prev = n
	l.root.next = n
}

func (l *LRU[K, V]) moveToFront(n *node[K, V]) {
	if l.root.next == n {
		return
	}
	n.prev.next, n.next.prev = n.next, n.prev
	l.insertFront(n)
}
