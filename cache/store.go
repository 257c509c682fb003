package cache

import (
	"context"
	"time"
)

// Store is a second-level cache shared between processes (many instances
// of a campaign generator behind one Redis). The resolver consults it after
// the in-process cache and before any provider, and writes every good
// provider answer to it, from a goroutine of its own. A Store's failure
// never fails a resolve: an error or a timeout (the resolver bounds each
// call by the caller's deadline) is treated as a miss.
//
// The ttl given to Set is how long to keep the entry, not how long it is
// fresh: the resolver asks for the entry's TTL plus a stale window
// (fallback's cache.stale_window) and judges freshness itself from
// StoredAt. An entry past its TTL answers only as a stale last good answer
// (layer 3, scored by the acceptance rule) in an instance that has none of
// its own — a new one, or one just restarted — or only one too old to be
// accepted, when the providers fail. A
// Store therefore needs nothing beyond keeping what it is given for as
// long as it is asked — Get returns an entry until its ttl runs out — and
// keeping the newer of two entries for a key.
//
// Set must never replace a newer entry: when the entry stored under key
// has a StoredAt after e's, Set leaves it (and its expiry) as it is and
// returns nil — the write is superseded, not failed. Each instance writes
// its answers from a queue, off its callers' paths, so an instance on a
// slow link can reach the Store with an answer for a key after another
// instance stored a newer one; only the Store sees both writes, so only
// it can order them, and it must compare and write in one step. An entry
// with the same StoredAt may be replaced, and a value that is not an
// entry (another program's, a corrupt one) must be. The order is
// StoredAt's, when an instance got the answer — the order in which the
// fleet got its answers, the time the TTL counts from, and the order an
// instance's own cache keeps (its latest answer) — not ObservedAt's,
// which the provider reports: by ObservedAt, an answer just fetched from
// a source whose data lags (a secondary's, say) would lose to an earlier
// fetch, which runs past its TTL first; every instance would then miss
// the key and pay for answers it cannot share until that entry expires.
// StoredAt comes from the instances' clocks, which may differ a little:
// within that skew the instance whose clock is ahead wins. An entry dated
// further ahead than that of the Store's own clock was written by an
// instance whose clock runs ahead, and must be replaced like an older
// one: kept, it would refuse every other instance's newer answer for as
// long as that clock stays ahead (redisstore compares with Redis's clock,
// allowing redisstore.Config.ClockSkew, 1s).
//
// strata does not check what Set did. With a Store that replaces a newer
// entry, the key holds the older answer until its next write: a fresh
// hit for the fleet while its own StoredAt is within the TTL, and after
// that the stale-if-error answer of an instance that has none of its own
// (a restarted one whose providers fail). The resolver keeps only its own
// writes in order: it drops a queued answer for a key when a newer one
// for the same key is queued too.
//
// Implementations must be safe for concurrent use and must return entries
// exactly as they were set (Value, ObservedAt, StoredAt, Source,
// Confidence, Layer) — but for an entry dated further ahead of the
// Store's own clock than the skew it allows, which it may store dated by
// its own clock instead, ObservedAt moved as much (its age kept), as
// redisstore does; an entry that fails to decode is a miss, never a
// zero value. Keys are the resolver's canonical keys; an implementation
// namespaces and versions them itself.
type Store interface {
	// Get returns the entry stored under key, or ok false.
	Get(ctx context.Context, key string) (e Entry, ok bool, err error)
	// Set stores e under key for ttl (zero: no expiry), unless the entry
	// stored under key is newer (a later StoredAt): see above.
	Set(ctx context.Context, key string, e Entry, ttl time.Duration) error
	// Delete removes key and reports whether it was there.
	Delete(ctx context.Context, key string) (bool, error)
}

// Scanner is an optional capability of a Store: deleting every key for
// which match returns true (for a person's deletion request, or
// retention), reporting how many it deleted.
type Scanner interface {
	DeleteMatching(ctx context.Context, match func(key string) bool) (int, error)
}

// Claimer is an optional capability of a Store: electing, among the
// instances that share it, the one that fetches a key's new answer, so
// that a fleet missing a key at once pays for it once (see fallback's
// cache.claim). Claim takes key's claim for hold and reports true when
// nobody held it, false when another caller took it less than its hold
// ago. A claim is never released early: it ends when its hold runs out,
// and the claimant's answer reaches the others through Set.
type Claimer interface {
	Claim(ctx context.Context, key string, hold time.Duration) (bool, error)
}
