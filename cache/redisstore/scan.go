package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// scanCount is the COUNT hint of each SCAN: keys examined per round trip.
const scanCount = 512

// reserved starts the part of a namespace that is not the Store's
// entries': the History's series ("strata:v1:#h:" + key), the claims
// ("strata:v1:#c:" + key). A resolver's canonical key
// starts with a data type's name, a lowercase letter, so no key the Store
// is given starts with it.
const reserved = "#"

// DeleteMatching deletes every key of the Store's namespace (this Prefix
// and Version only) for which match returns true, and returns how many it
// deleted. match gets the key as it was given to Set, without the
// namespace; it is called from one goroutine at a time, never while the
// Store holds a lock. Keys of the namespace that start with "#" belong to
// the History or are claims, and are neither passed to match nor deleted.
//
// It walks the namespace with SCAN, so it does not block Redis, and sees
// every key present for the whole walk (a key set or deleted meanwhile may
// or may not be seen, as SCAN promises). On a *redis.ClusterClient it
// walks every master, on a *redis.Ring every shard. Each round trip is
// bounded by Config.Timeout and the whole walk by ctx; on an error it
// returns the number deleted so far with the error.
func (s *Store) DeleteMatching(ctx context.Context, match func(key string) bool) (int, error) {
	if match == nil {
		return 0, errors.New("redisstore: DeleteMatching: nil match")
	}
	var mu sync.Mutex // serialises match across the nodes walked concurrently
	n, err := scanNodes(ctx, s.client, &s.g, s.ns+"*", func(ctx context.Context, c redis.Cmdable, keys []string) (int, error) {
		var doomed []string
		mu.Lock()
		for _, k := range keys {
			if key, ok := strings.CutPrefix(k, s.ns); ok && !strings.HasPrefix(key, reserved) && match(key) {
				doomed = append(doomed, k)
			}
		}
		mu.Unlock()
		return deleteKeys(ctx, c, &s.g, doomed)
	})
	s.deletes.Add(uint64(n))
	if err != nil {
		return n, fmt.Errorf("redisstore: delete matching: %w", err)
	}
	return n, nil
}

// deleteKeys deletes keys on c, one DEL per key, pipelined (a multi-key
// DEL would fail on a cluster when the keys are in different slots), and
// returns how many were there.
func deleteKeys(ctx context.Context, c redis.Cmdable, g *guard, keys []string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	return call(ctx, g, func(ctx context.Context) (int, error) {
		cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Del(ctx, k)
			}
			return nil
		})
		n := 0
		for _, cmd := range cmds {
			if d, cerr := cmd.(*redis.IntCmd).Result(); cerr == nil {
				n += int(d)
			}
		}
		return n, err
	})
}

// scanNodes walks every key matching pattern on every node of client (each
// master of a cluster, each shard of a ring, else the one server), one
// SCAN page at a time, each bounded by g, and hands each page to page on
// the node it came from. It returns the sum of what page returned; on an
// error, the sum so far and the error. Nodes are walked concurrently.
func scanNodes(ctx context.Context, client redis.UniversalClient, g *guard, pattern string, page func(ctx context.Context, c redis.Cmdable, keys []string) (int, error)) (int, error) {
	type eachNode interface {
		ForEachMaster(ctx context.Context, fn func(ctx context.Context, c *redis.Client) error) error
	}
	type eachShard interface {
		ForEachShard(ctx context.Context, fn func(ctx context.Context, c *redis.Client) error) error
	}
	var total int
	var totalMu sync.Mutex
	walk := func(ctx context.Context, c redis.Cmdable) error {
		n, err := scanNode(ctx, c, g, pattern, page)
		totalMu.Lock()
		total += n
		totalMu.Unlock()
		return err
	}
	var err error
	switch c := client.(type) {
	case eachNode:
		err = c.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return walk(ctx, c) })
	case eachShard:
		err = c.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error { return walk(ctx, c) })
	default:
		err = walk(ctx, client)
	}
	return total, err
}

// scanNode walks one node.
func scanNode(ctx context.Context, c redis.Cmdable, g *guard, pattern string, page func(ctx context.Context, c redis.Cmdable, keys []string) (int, error)) (int, error) {
	var cursor uint64
	total := 0
	for {
		type result struct {
			keys []string
			next uint64
		}
		pg, err := call(ctx, g, func(ctx context.Context) (result, error) {
			keys, next, err := c.Scan(ctx, cursor, pattern, scanCount).Result()
			return result{keys, next}, err
		})
		if err != nil {
			return total, err
		}
		n, err := page(ctx, c, pg.keys)
		total += n
		if err != nil {
			return total, err
		}
		cursor = pg.next
		if cursor == 0 {
			return total, nil
		}
	}
}
