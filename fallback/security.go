package fallback

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// hashPrefix marks a keyed hash in place of a sensitive value in a key.
const hashPrefix = "h:"

// hashValue returns the keyed hash that stands for a sensitive value in
// keys: HMAC-SHA256 under the host's key, truncated to 128 bits, hex.
func hashValue(key []byte, v string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(v))
	return hashPrefix + hex.EncodeToString(m.Sum(nil)[:16])
}

// redact returns a copy of params safe to report: sensitive values are
// replaced by providers.Redacted.
func (r *Resolver) redact(dt *dataType, params Params) Params {
	out := make(Params, len(params))
	for k, v := range params {
		if dt.schema.sensitive(k) {
			v = providers.Redacted
		}
		out[k] = v
	}
	return out
}

// minimize returns the params p may receive: those its config lists, or
// all of them when it lists none.
func (r *Resolver) minimize(p *provider, params Params) map[string]string {
	if p.allowed == nil {
		return params
	}
	out := make(map[string]string, len(p.allowed))
	for k, v := range params {
		if p.allowed[k] {
			out[k] = v
		}
	}
	return out
}

// scrubbed is an error whose message has the sensitive values and
// secrets of its request cut out. Unwrap still reaches the original, for
// errors.Is and errors.As; its own message is the caller's to guard.
type scrubbed struct {
	err error
	msg string
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub returns err with every occurrence of the given values in its
// message replaced by providers.Redacted; err itself when none occurs.
func scrub(err error, values []string) error {
	if err == nil || len(values) == 0 {
		return err
	}
	msg := err.Error()
	clean := msg
	for _, v := range values {
		if v != "" {
			clean = strings.ReplaceAll(clean, v, providers.Redacted)
		}
	}
	if clean == msg {
		return err
	}
	return &scrubbed{err: err, msg: clean}
}

// secretsOf lists the values that must not appear in what a resolve
// reports: the sensitive params' values and the credential.
func secretsOf(dt *dataType, params Params, cred providers.Secret) []string {
	var out []string
	if dt.schema.hasSensitive {
		for k, v := range params {
			if dt.schema.sensitive(k) {
				out = append(out, v)
			}
		}
	}
	if !cred.IsZero() {
		out = append(out, cred.Reveal())
	}
	return out
}

// ForgetReport says what Forget removed.
type ForgetReport struct {
	// Cache counts in-process cache entries removed, History the history
	// series, Store the entries of the shared tier.
	Cache, History, Store int
}

// Total is the number of entries and series removed.
func (f ForgetReport) Total() int { return f.Cache + f.History + f.Store }

// Forget removes every cached answer and history series whose key holds
// param = value — in process, in the history (when it can list and delete
// keys: stats.Lister and stats.Deleter) and in the shared tier (when it
// implements cache.Scanner) — for a person's deletion request (GDPR,
// CCPA). For a sensitive param, value is matched through its keyed hash.
// Every part is attempted; the error joins those that failed.
func (r *Resolver) Forget(ctx context.Context, param, value string) (ForgetReport, error) {
	var rep ForgetReport
	if param == "" {
		return rep, errors.New("fallback: forget: param is required")
	}
	want := map[string]bool{value: true}
	if r.hashKey != nil {
		want[hashValue(r.hashKey, value)] = true
	}
	match := func(key string) bool {
		_, params, ok := ParseKey(key)
		return ok && want[params[param]]
	}
	rep.Cache = r.cache.DeleteFunc(func(k string, _ cache.Entry, _ bool) bool { return match(k) })
	r.memo.forget(match)
	var errs []error
	if l, ok := r.history.(stats.Lister); ok {
		if d, ok := r.history.(stats.Deleter); ok {
			keys, err := l.Keys(ctx)
			if err != nil {
				errs = append(errs, err)
			}
			for _, k := range keys {
				if !match(k) {
					continue
				}
				if removed, err := d.Delete(ctx, k); err != nil {
					errs = append(errs, err)
				} else if removed {
					rep.History++
				}
			}
		}
	}
	if sc, ok := r.store.(cache.Scanner); ok && r.store != nil {
		n, err := sc.DeleteMatching(ctx, match)
		rep.Store = n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}

// PruneReport says what Prune deleted.
type PruneReport struct {
	Cache, History int
}

// Prune deletes every cached answer observed before now − retention and
// every history observation older than that (when the history implements
// stats.Pruner). Config.Retention sets the retention; the resolver runs
// Prune every Config.RetentionInterval by itself, and a host may call it
// too. With no retention configured it deletes nothing.
func (r *Resolver) Prune(ctx context.Context) (PruneReport, error) {
	var rep PruneReport
	if r.cfg.Retention <= 0 {
		return rep, nil
	}
	before := time.Now().Add(-r.cfg.Retention)
	rep.Cache = r.cache.DeleteFunc(func(_ string, e cache.Entry, ok bool) bool { return ok && e.ObservedAt.Before(before) })
	if p, ok := r.history.(stats.Pruner); ok {
		n, err := p.Prune(ctx, before)
		rep.History = n
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// janitor runs Prune every RetentionInterval until Close.
func (r *Resolver) janitor(task *taskKind) {
	defer r.tasks.done(task)
	t := time.NewTicker(r.cfg.RetentionInterval)
	defer t.Stop()
	for {
		select {
		case <-r.life.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(r.life, r.cfg.RetentionInterval)
			_, _ = r.Prune(ctx)
			cancel()
		}
	}
}
