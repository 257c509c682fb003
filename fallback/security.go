package fallback

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/strata-go/strata/cache"
	redactpkg "github.com/strata-go/strata/internal/redact"
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

// minimize returns a copy of the params p may receive: those its config
// lists, or all of them when it lists none. Each call gets its own map: a
// provider may change the one it is given, and hedged calls run at once.
func (r *Resolver) minimize(p *provider, params Params) map[string]string {
	if p.allowed == nil {
		return maps.Clone(params)
	}
	out := make(map[string]string, len(p.allowed))
	for k, v := range params {
		if p.allowed[k] {
			out[k] = v
		}
	}
	return out
}

// keptSentinels are the errors a scrubbed error still matches, when the
// original did.
var keptSentinels = []error{
	context.Canceled, context.DeadlineExceeded, errAbandoned, ErrClosed, ErrCallbackPanic, ErrCredentials,
	providers.ErrTransient, providers.ErrAuth, providers.ErrRateLimit, providers.ErrDataQuality,
	providers.ErrUnavailable, providers.ErrPermanent, providers.ErrCanceled,
}

// scrub returns err as the resolver reports it: a *providers.Error of
// err's class and retry-after around a scrubbed cause whose message has
// every value in values replaced by providers.Redacted — as given, URL
// query- and path-escaped, JSON-escaped (\u0041, \/ too), as HTML
// character references, in any letter case, escaped again up to three
// levels deep, and any run of 8 or more of its characters (a quote cut
// short; see internal/redact). The cause (a
// redact.Error) still matches the context errors, strata's own sentinels
// and the class sentinels the original matched (keptSentinels); the
// retry-after err carried is kept, and the *providers.Error is what
// errors.As finds. Unless raw is set (WithProviderErrors), nothing of
// err's own chain is reachable from what scrub returns. The message is
// tidied too: cut to maxErrorText bytes, its control characters
// replaced (see tidy).
func scrub(err error, values []string, raw bool) error {
	if err == nil {
		return nil
	}
	class := providers.Classify(err)
	msg := err.Error()
	var perr *providers.Error
	if errors.As(err, &perr) && perr != nil {
		// The class prefix is the wrapper's to print.
		if perr.Err != nil {
			msg = perr.Err.Error()
		} else {
			msg = ""
		}
	}
	// Cut before the redaction too, to bound its work on a huge message.
	full := msg
	msg, cut := cutAt(msg, 4*maxErrorText)
	red := redact(msg, values)
	if cut && len(values) > 0 {
		// A secret the cut split leaves a head that may be too short to
		// be found (a secret shorter than MinRun is found only whole), and
		// the redaction of earlier quotes may shrink the text until that
		// head is within the final cut: the tail goes when the text
		// across the cut holds a secret.
		n := min(len(red), splitGuard)
		if redactpkg.Contains(red[len(red)-n:]+full[len(msg):min(len(full), len(msg)+splitGuard)], values) {
			red, _ = cutText(red, len(red)-n)
		}
	}
	clean := tidy(red, cut)
	out := &providers.Error{Class: class, RetryAfter: providers.RetryAfter(err)}
	if perr != nil {
		out.StatusCode = perr.StatusCode
	}
	if sc := redactpkg.NewError(err, clean, keptSentinels, raw); msg != "" || sc.Matched() || raw {
		out.Err = sc
	}
	return out
}

// maxErrorText bounds the message of an error a resolve reports from a
// provider or a credential source (see scrub): it reaches Result.Attempts,
// events, logs and spans for every attempt, and an upstream may fill it
// with a whole page.
const maxErrorText = 1024

// splitGuard bounds, in bytes, the piece of a secret too short to be
// found (fewer than redact.MinRun characters) in its longest form:
// escaped three levels deep, a character takes at most about 28 bytes.
const splitGuard = 256

// tidy is an error message as a resolve reports it: cut to maxErrorText
// bytes on a rune boundary and before a redaction mark it would cut in
// half, marked "…" when cut (here, or before: cut), with every control
// character but newline and tab, and every byte that is not UTF-8,
// replaced by U+FFFD (a terminal escape or a carriage return from an
// upstream would reach the host's logs as such).
func tidy(msg string, cut bool) string {
	// Replaced first, then cut: each replacement is three bytes, one
	// control byte's or a run of bytes that are not UTF-8.
	msg = strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(msg, string(utf8.RuneError)))
	msg, c := cutText(msg, maxErrorText)
	if cut || c {
		msg += "…"
	}
	return msg
}

// cutText returns s cut to at most limit bytes on a rune boundary, and
// before a redaction mark the cut would leave in half, and whether it
// cut.
func cutText(s string, limit int) (string, bool) {
	out, cut := cutAt(s, limit)
	if cut {
		for i := 1; i < len(providers.Redacted) && i <= len(out); i++ {
			if at := len(out) - i; strings.HasPrefix(s[at:], providers.Redacted) {
				return out[:at], true
			}
		}
	}
	return out, cut
}

// redact replaces every encoding of every value (see scrub), and every
// run of MinRun or more of its characters, in msg by providers.Redacted.
func redact(msg string, values []string) string {
	return redactpkg.Text(msg, providers.Redacted, values)
}

// secretsOf lists the values that must not appear in what a resolve
// reports: the sensitive params' values, the credential, and the
// credentials p was given before (a provider or a credential source may
// quote the key a rotation has just replaced).
func secretsOf(dt *dataType, params Params, cred providers.Secret, p *provider) []string {
	out := p.knownSecrets()
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
// param = value (an empty value is a *ParamError: no key holds one) — in process, in the history (when it can list and delete
// keys: stats.Lister and stats.Deleter) and in the shared tier (when it
// implements cache.Scanner) — for a person's deletion request (GDPR,
// CCPA). For a sensitive param, value is matched through its keyed hash.
// Every part is attempted; the error joins those that failed. The host's
// history and store are called as every host callback is: a panic fails
// that part with an error matching ErrCallbackPanic, and a call still
// running when ctx ends is abandoned (Forget returns then). Writes to the
// shared tier and shared history the resolver queued for a matching key
// before Forget returns are dropped, and those under way (one the store
// timed out on included: it may still land) are waited for first, so
// that nothing a resolve that returned before Forget was called wrote is
// put back after Forget returns. What a walk under way when Forget is
// called brings later — the answer of an attempt a cancelled resolve left
// in flight for a coalesced walk, a refresh-ahead a cache hit started —
// is served to whoever still waits for it but not kept, and an Import
// under way keeps none of the person's answers and series. A resolve of a
// matching key made once Forget is called may add it back: call Forget
// once the person's resolves have returned. In a fleet, call it on every
// instance: each keeps its own in-process copies, and a history of its
// own if it has one. A state file
// written by Export before Forget still holds the person's answers and
// series, and Import brings them back: write it again after Forget.
// After Close it deletes nothing and returns ErrClosed, and Close ends
// its wait for a write under way with ErrClosed too.
func (r *Resolver) Forget(ctx context.Context, param, value string) (ForgetReport, error) {
	var rep ForgetReport
	switch {
	case r.closed.Load():
		return rep, ErrClosed
	case param == "":
		return rep, errors.New("fallback: forget: param is required")
	case value == "":
		// No key holds an empty value (the schema refuses one); matching
		// it would match every key without the param.
		return rep, &ParamError{Param: param, Problem: ParamEmpty, Detail: "Forget matches no key by an empty value"}
	}
	want := map[string]bool{value: true}
	if r.hashKey != nil {
		want[hashValue(r.hashKey, value)] = true
	}
	match := func(key string) bool {
		_, params, ok := ParseKey(key)
		v, has := params[param]
		return ok && has && want[v]
	}
	// A walk under way (an attempt a cancelled caller left in flight, a
	// refresh-ahead) keeps nothing it matches from now on.
	r.forgets.add(match)
	// Writes to the shared tier still queued, or under way, would put
	// back what is deleted below: drop them, and wait for those under way.
	hold, err := r.fleet.holds.hold(ctx, r.life.Done(), match)
	if errors.Is(err, ErrClosed) {
		return rep, err
	} else if err != nil {
		return rep, fmt.Errorf("fallback: forget: %w", err)
	}
	defer r.fleet.holds.release(hold)
	var errs []error
	rep.Cache, rep.History, errs = r.forgetInProcess(ctx, match)
	if sc, ok := r.store.(cache.Scanner); ok && r.store != nil {
		n, err := guarded(ctx, r, &r.callbacks.storeDelete, func(ctx context.Context) (int, error) { return sc.DeleteMatching(ctx, match) })
		rep.Store = n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}

// forgetInProcess is Forget's part in the process: the cached answers,
// the forecasts, plausibility state and market peers, and the history series (when the
// history can list and delete keys) whose keys match. It returns how many
// answers and series it deleted.
func (r *Resolver) forgetInProcess(ctx context.Context, match func(string) bool) (cached, series int, errs []error) {
	cached = r.cache.DeleteFunc(func(k string, _ cache.Entry, _ bool) bool { return match(k) })
	r.memo.forget(match)
	r.plaus.forget(match)
	r.peers.forget(match)
	if l, ok := r.history.(stats.Lister); ok {
		if d, ok := r.history.(stats.Deleter); ok {
			keys, err := guarded(ctx, r, &r.callbacks.historyKeys, func(ctx context.Context) ([]string, error) { return l.Keys(ctx) })
			if err != nil {
				errs = append(errs, err)
			}
			for _, k := range keys {
				if !match(k) {
					continue
				}
				removed, err := guarded(ctx, r, &r.callbacks.historyDelete, func(ctx context.Context) (bool, error) { return d.Delete(ctx, k) })
				if err != nil {
					errs = append(errs, err)
					if ctx.Err() != nil || errors.Is(err, ErrClosed) {
						break
					}
				} else if removed {
					series++
				}
			}
		}
	}
	return cached, series, errs
}

// PruneReport says what Prune deleted.
type PruneReport struct {
	Cache, History int
}

// Prune deletes every cached answer observed before now − retention and
// every history observation older than that (when the history implements
// stats.Pruner). Config.Retention sets the retention; the resolver runs
// Prune every Config.RetentionInterval by itself, and a host may call it
// too. With no retention configured it deletes nothing. The history's
// Prune is called guarded, as Forget's calls are; the resolver's own runs
// report a Prune that panics or outlasts RetentionInterval as an
// EventCallback. After Close it deletes nothing and returns ErrClosed.
func (r *Resolver) Prune(ctx context.Context) (PruneReport, error) {
	var rep PruneReport
	switch {
	case r.closed.Load():
		return rep, ErrClosed
	case r.cfg.Retention <= 0:
		return rep, nil
	}
	before := time.Now().Add(-r.cfg.Retention)
	rep.Cache = r.cache.DeleteFunc(func(_ string, e cache.Entry, ok bool) bool { return ok && e.ObservedAt.Before(before) })
	if p, ok := r.history.(stats.Pruner); ok {
		n, err := guarded(ctx, r, &r.callbacks.historyPrune, func(ctx context.Context) (int, error) { return p.Prune(ctx, before) })
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
			if _, err := r.Prune(ctx); errors.Is(err, ErrCallbackPanic) || err != nil && ctx.Err() != nil && r.life.Err() == nil {
				// Nobody else hears of it: a panicking or hung Prune is
				// reported as a failed callback.
				r.callbackFailed(&r.callbacks.historyPrune, "", err)
			}
			cancel()
		}
	}
}
