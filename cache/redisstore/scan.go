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

// DeleteMatching deletes every key of the Store's namespace (this Prefix
// and Version only) for which match returns true, and returns how many it
// deleted. match gets the key as it was given to Set, without the
// namespace; it is called from one goroutine at a time, never while the
// Store holds a lock.
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
	serial := func(key string) bool {
		mu.Lock()
		defer mu.Unlock()
		return match(key)
	}
	type eachNode interface {
		ForEachMaster(ctx context.Context, fn func(ctx context.Context, c *redis.Client) error) error
	}
	type eachShard interface {
		ForEachShard(ctx context.Context, fn func(ctx context.Context, c *redis.Client) error) error
	}
	var total int
	var totalMu sync.Mutex
	walk := func(ctx context.Context, c redis.Cmdable) error {
		n, err := s.deleteMatching(ctx, c, serial)
		totalMu.Lock()
		total += n
		totalMu.Unlock()
		return err
	}
	var err error
	switch c := s.client.(type) {
	case eachNode:
		err = c.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return walk(ctx, c) })
	case eachShard:
		err = c.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error { return walk(ctx, c) })
	default:
		err = walk(ctx, s.client)
	}
	s.deletes.Add(uint64(total))
	if err != nil {
		return total, fmt.Errorf("redisstore: delete matching: %w", err)
	}
	return total, nil
}

// deleteMatching walks one node.
func (s *Store) deleteMatching(ctx context.Context, c redis.Cmdable, match func(string) bool) (int, error) {
	pattern := s.ns + "*" // the namespace holds no glob character (see Config)
	var cursor uint64
	deleted := 0
	for {
		type page struct {
			keys []string
			next uint64
		}
		pg, err := call(ctx, &s.g, func(ctx context.Context) (page, error) {
			keys, next, err := c.Scan(ctx, cursor, pattern, scanCount).Result()
			return page{keys, next}, err
		})
		if err != nil {
			return deleted, err
		}
		var doomed []string
		for _, k := range pg.keys {
			if key, ok := strings.CutPrefix(k, s.ns); ok && match(key) {
				doomed = append(doomed, k)
			}
		}
		if len(doomed) > 0 {
			// One DEL per key, pipelined: a multi-key DEL would fail on a
			// cluster when the keys are in different slots.
			n, err := call(ctx, &s.g, func(ctx context.Context) (int, error) {
				cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
					for _, k := range doomed {
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
			deleted += n
			if err != nil {
				return deleted, err
			}
		}
		cursor = pg.next
		if cursor == 0 {
			return deleted, nil
		}
	}
}
