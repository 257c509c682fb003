package fallback

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/internal/lru"
	"github.com/strata-go/strata/stats"
)

// Plausibility defaults (see PlausibilityConfig).
const (
	DefaultPlausibleRatio     = 3.0
	DefaultPlausibleSigmas    = 6.0
	DefaultPlausibleAgreement = 0.1
	DefaultImplausiblePenalty = 0.5
	// DefaultPlausibleSmoothing is the weight of each new change in a data
	// type's learned volatility.
	DefaultPlausibleSmoothing = 0.05
	DefaultConfirmAfter       = time.Hour
	DefaultConfirmAnswers     = 3
	DefaultFrozenPeriods      = 3.0
	DefaultFrozenRepeats      = 1
	DefaultFrozenRepeatRate   = 0.05
	DefaultPlausibleKeys      = 10000
	DefaultReferencePoints    = 5
	// DefaultAuditRate is the share of accepted provider answers that get
	// a second opinion all the same (see PlausibilityConfig.AuditRate):
	// one in fifty, about 2 % more calls where providers answer. In the
	// simulation (docs/sim.md) a primary drifting ×3 was caught in every
	// run at 0.05 and in half of them at 0.02, but each audit holds its
	// resolve for a second provider's latency: at 0.05 the slow-tail
	// scenario's p99 rose to 0.34 of the baseline's (target a third;
	// 0.32–0.33 at 0.02). A host that fears drift more than its p99 sets
	// 0.05.
	DefaultAuditRate = 0.02
	// DefaultAuditTolerance is how far, relative, an audit's second
	// opinion may be from the audited answer and still agree with it.
	DefaultAuditTolerance = 0.25
	// DefaultAuditWait is the share of the time its walk has left that an
	// audit may hold its resolve (see PlausibilityConfig.AuditWait). In
	// the simulation (docs/sim.md, virtual time) a quarter cut the third
	// opinions that catch a drifting primary (caught in 15 of 20 runs,
	// against 19 of 20 unbounded, at rate 0.02); half kept them (17 of 20
	// at 0.02, 20 of 20 at 0.05), and no bound moved slow-tail's p99 by
	// more than the runs' variance.
	DefaultAuditWait = 0.5
)

// PlausibilityConfig is the check a provider's answer passes beside its
// bounds: whether it is plausible against the key's last good answer.
//
// An answer v is judged against the key's last good answer r (any age; for
// a key the process has no answer for, the median of the ReferencePoints
// newest observations of its history, or of the fleet's shared history
// when its own has none — a shared-tier answer for such a key is judged
// against it too, and so is an answer in a state file Import reads: one
// far from it is skipped, not taken as the key's last good answer)
// when the data type's values are positive (bounds.min ≥ 0) and
// r > 0. Its change is the factor between them, max(v/r, r/v); it is
// implausible when the factor is over the larger of MaxRatio and
// exp(Sigmas × σ × √n), where σ is the data type's learned volatility (the
// standard deviation of its keys' log changes per period between good
// answers) and n the periods since r was observed (at least 1). A zero
// against a positive r is never plausible. An answer that repeats, exactly,
// a value the key has had for FrozenPeriods or more while σ > 0 is
// implausible too (a frozen feed: exactly the same from the same provider
// for FrozenPeriods, or for more than FrozenRepeats answers from one that
// rarely repeats itself) — but with nobody else to ask, it is
// taken as the stable value it may be. A key with nothing to be judged
// against has its first answer trusted.
//
// An implausible answer is not trusted on one provider's word: the walk
// asks the next provider (in the tier, then the next tier). If that one's
// answer is within Agreement of it (relative), the change is real and the
// answer is accepted; if that one's answer is plausible, it wins and the
// outlier is a DataQuality failure (*ImplausibleError), never cached and
// never added to the history — except against a move that is not
// garbage-shaped (below) from a provider not caught: a plausible answer
// denying it may come from a feed that lags or froze on the last good
// answer, so it is held too (ImplausibleError.Contradicts) and a third
// provider settles it: an answer agreeing with either wins, a plausible
// one agreeing with neither is taken as it is (one third opinion is
// asked for, not the rest of the tiers) unless it is the move's unit
// error (held too: the next is asked), and with none the held answer
// is served as it would have been without the question. The implausible attempt does not count
// against the provider's breaker or health: until a second opinion it may
// be the first to report a real change. Agreement on a garbage-shaped
// change — a zero, or a factor within Agreement of a power of ten from the
// last good answer — or between two frozen-looking repeats confirms
// nothing, and the next provider is asked. With no second opinion (no
// other provider answered), a move that is not garbage-shaped is served
// with its confidence multiplied by Penalty and Result.Implausible set,
// neither cached nor added to the history; a garbage-shaped or
// frozen-looking one gives way to the key's last good answer when the
// cache's acceptance rule takes it, then (garbage-shaped) to a forecast or
// the default, and is served so flagged only when none answers. Data types
// whose bounds are zero or have a negative minimum (a sign may flip) are
// checked against their bounds only. An implausible value a key keeps being
// answered, with no plausible answer in between, is accepted as a real
// change (ConfirmAnswers, ConfirmAfter). A provider drifting off the truth
// in steps each within the check passes it; a sample of the answers it
// accepts get a second opinion all the same (AuditRate), and a provider
// two others refute is caught.
type PlausibilityConfig struct {
	// Disabled turns the check off: answers are checked against their
	// bounds only.
	Disabled bool `yaml:"disabled"`
	// MaxRatio is the change factor always allowed (default 3: a unit
	// error of ×10 or ÷10 is caught, a real move of ×2 is not). At least 1.
	MaxRatio float64 `yaml:"max_ratio"`
	// Sigmas is how many learned standard deviations of change per period
	// an answer may move beyond MaxRatio (default 6).
	Sigmas float64 `yaml:"sigmas"`
	// Agreement is how close, relative, a second provider's answer must be
	// to an implausible one to confirm it (default 0.1).
	Agreement float64 `yaml:"agreement"`
	// Penalty multiplies the confidence of an implausible answer served
	// without a second opinion (default 0.5), in (0, 1].
	Penalty float64 `yaml:"penalty"`
	// Smoothing is the weight of each new change in the learned volatility
	// (default 0.05), in (0, 1]. The volatility starts from 0, so a few
	// changes widen the check only a little.
	Smoothing float64 `yaml:"smoothing"`
	// ConfirmAfter and ConfirmAnswers: an implausible value a key keeps
	// being answered — ConfirmAnswers times (default 3) over at least
	// ConfirmAfter (default 1h), with no plausible answer in between — is
	// accepted as a real change: the change a data type's only provider
	// reports cannot be confirmed otherwise.
	ConfirmAfter   time.Duration `yaml:"confirm_after"`
	ConfirmAnswers int           `yaml:"confirm_answers"`
	// FrozenPeriods is how many of the data type's periods a provider may
	// answer exactly the same value for a key, while the data type's
	// learned volatility says its values move, before its answer is
	// suspected of coming from a frozen feed and needs a second opinion
	// (default 3). FrozenRepeats and FrozenRepeatRate catch a frozen feed
	// sooner: a provider whose answers for a key repeat exactly less often
	// than FrozenRepeatRate (default 0.05, learned per data type) is
	// suspected after more than FrozenRepeats (default 1: at its first
	// repeat) identical answers in a row. A feed frozen on a value that was
	// right when it froze serves garbage from the moment the truth moves
	// under it, and only a second opinion can tell: with the default every
	// repeat is asked about, which costs little from a provider that
	// rarely repeats itself. A provider whose garbage-shaped answer was
	// refuted — a frozen-looking repeat, a unit error (a factor within
	// Agreement of a power of ten from the refuting answer) or a zero — is
	// caught: a feed that gave one garbage answer may be giving garbage
	// the check cannot see (a frozen feed is frozen for every key, and
	// plausible until the truth moves), so each of its answers for the
	// data type is asked about as a repeat would be, a key's first answer
	// since it was caught too, until ConfirmAnswers of them in a row that
	// show its feed live were confirmed, or ConfirmAfter has passed without
	// another refutation. An answer shows the feed live when it moved from
	// the provider's last answer for the same key confirmed since it was
	// caught; a frozen feed's answers, which the truth confirms until it
	// moves (each key's first, then repeats), do not, and a confirmed
	// answer that does not show it neither counts nor breaks the row. So
	// a caught provider is cleared only once keys come round twice: with
	// many keys it may stay caught, each of its answers costing a second
	// call, until ConfirmAfter after its last refutation. Of a provider
	// that repeats itself as a habit (a repeat rate of at least
	// FrozenRepeatRate, learned over at least 8 answers) every confirmed
	// answer counts. A
	// large move another provider contradicts catches nobody: the other
	// may be the one that has not seen it yet; but a plausible answer
	// denying a move that a third provider then confirms catches its
	// provider, whose feed has not seen what two others have (a feed
	// frozen on the last good answers). When a frozen-looking repeat or
	// such a denial catches a provider, the answers it gave for the data type
	// that the process's cache still holds as fresh are expired too (they
	// stay the keys' last good answers), since it may have been frozen
	// when it gave them: the next resolve of each of those keys asks again.
	// While it is caught, its answers in a shared Store are refused too
	// (they keep their TTL there for the rest of the fleet).
	FrozenPeriods    float64 `yaml:"frozen_periods"`
	FrozenRepeats    int     `yaml:"frozen_repeats"`
	FrozenRepeatRate float64 `yaml:"frozen_repeat_rate"`
	// Keys bounds the keys whose pending changes are remembered, and,
	// for each provider, the keys whose unchanged and last confirmed
	// values are (default 10000; at most CapacityLimit).
	Keys int `yaml:"keys"`
	// ReferencePoints is how many of the newest observations of a key's
	// history make the reference for a key the process has no answer of
	// its own for: their median (of an even count, without the newest, so
	// that it is a value an observation had), so that one bad observation
	// (another instance's, in the shared history) does not become it. A
	// shared-tier answer refused against it still counts as a second
	// opinion for the provider's answer: the fleet may have accepted a
	// move its history does not show yet. Default 5; in [1, 1000].
	ReferencePoints int `yaml:"reference_points"`
	// AuditRate is the share of provider answers the check accepted that
	// get a second opinion all the same, drawn per answer (a hash of the
	// resolver's seed, WithSeed, the key, the provider, the answer and how
	// many answers the provider gave for the key, so that a seeded run
	// repeats whatever order its resolves run in), for
	// each data type the check judges (default 0.02; in [0, 1]; negative
	// turns the audit off). A
	// provider whose answers drift off the truth in steps each within
	// the check passes it answer after answer; nothing but another
	// provider can tell. The audited answer is held as a plausible
	// answer denying a move is (ImplausibleError.Audit) and the walk goes
	// on to the next provider; the attempts it makes for it are marked
	// (Attempt.Audit). A second opinion within AuditTolerance of it
	// confirms it, and it is served as it would have been. One further
	// off is held too, as a denial (ImplausibleError.Contradicts), and a
	// third provider settles it: the one of the two the third agrees with
	// (within AuditTolerance) and the other does not is right, the other
	// is caught as a refuted denial's provider is (its fresh cached
	// answers expired too), and the walk serves the audited answer if it
	// was right, else the third's. With no third opinion, or one agreeing
	// with both or neither, nobody is caught (one provider's word against
	// another's), and the audited answer is served as it would have been
	// but with its Result's confidence multiplied by Penalty. An audit is
	// made only when it can be afforded: a key with no question pending,
	// and another provider of the data type that the router would pick
	// now (breaker, rate limit, the resolve's budget) and that the
	// audit's wait (AuditWait) leaves its expected latency; otherwise the answer
	// is accepted unaudited.
	AuditRate float64 `yaml:"audit_rate"`
	// AuditTolerance is how far apart, relative to the larger, an
	// audited answer and a second opinion may be and still agree (default
	// 0.25), in (0, 1]: wider than honest providers' noise and bias
	// (the simulation's disagree by at most 0.12 at 5 σ), much narrower
	// than garbage (×2).
	AuditTolerance float64 `yaml:"audit_tolerance"`
	// AuditWait bounds how long an audit may hold its resolve: a share of
	// the time the walk has left (the caller's deadline less the reserve)
	// when the audited answer is held (default 0.5), in (0, 1]; 1 lets
	// the audit run to the walk's deadline. When its second or third
	// opinion has not come by then, the calls under way for it are cut —
	// as a hedge that lost is: not counted against their providers'
	// breakers or health, paid for — and the audited answer is served as
	// it would have been had nobody answered (with its confidence × Penalty
	// when a second opinion disputed it). A late opinion is dropped, not
	// waited for in the background: on its own it settles nothing (one
	// provider's word against another's), and the third it would need has
	// no resolve left to be paid from or bounded by.
	AuditWait float64 `yaml:"audit_wait"`
}

// fill applies the defaults and checks the plausibility settings.
func (c *PlausibilityConfig) fill(p *problems) {
	if orDefault(p, "plausibility.max_ratio", &c.MaxRatio, DefaultPlausibleRatio) && c.MaxRatio < 1 {
		p.add("plausibility.max_ratio", "must be at least 1, got %v", c.MaxRatio)
	}
	orDefault(p, "plausibility.sigmas", &c.Sigmas, DefaultPlausibleSigmas)
	fraction(p, "plausibility.agreement", &c.Agreement, DefaultPlausibleAgreement)
	fraction(p, "plausibility.penalty", &c.Penalty, DefaultImplausiblePenalty)
	fraction(p, "plausibility.smoothing", &c.Smoothing, DefaultPlausibleSmoothing)
	orDefault(p, "plausibility.confirm_after", &c.ConfirmAfter, DefaultConfirmAfter)
	orDefault(p, "plausibility.confirm_answers", &c.ConfirmAnswers, DefaultConfirmAnswers)
	orDefault(p, "plausibility.frozen_periods", &c.FrozenPeriods, DefaultFrozenPeriods)
	orDefault(p, "plausibility.frozen_repeats", &c.FrozenRepeats, DefaultFrozenRepeats)
	fraction(p, "plausibility.frozen_repeat_rate", &c.FrozenRepeatRate, DefaultFrozenRepeatRate)
	atMost(p, "plausibility.keys", &c.Keys, DefaultPlausibleKeys, CapacityLimit)
	atMost(p, "plausibility.reference_points", &c.ReferencePoints, DefaultReferencePoints, 1000)
	if !(c.AuditRate < 0) { // negative turns the audit off; NaN is reported
		fraction(p, "plausibility.audit_rate", &c.AuditRate, DefaultAuditRate)
	}
	fraction(p, "plausibility.audit_tolerance", &c.AuditTolerance, DefaultAuditTolerance)
	fraction(p, "plausibility.audit_wait", &c.AuditWait, DefaultAuditWait)
}

// ErrImplausible matches every *ImplausibleError.
var ErrImplausible = errors.New("fallback: implausible answer")

// ImplausibleError is the failure of a provider answer that was far from
// what the key's last good answer and its data type's volatility make
// plausible, and that no second provider confirmed (see
// PlausibilityConfig). It is reported in Attempt.Err (with class
// DataQuality) and matches ErrImplausible.
type ImplausibleError struct {
	Value     float64 // the answer
	Reference float64 // the key's last good answer
	Allowed   float64 // the change factor allowed
	// Frozen is set when the answer, within the ratio check, needs a
	// second opinion as a frozen feed's would: it repeats a value the key
	// has had, exactly, for too long while its data type's values move
	// (see PlausibilityConfig.FrozenPeriods), or Caught is set.
	Frozen bool
	// Caught is set when the answer is held back only because its
	// provider is caught serving garbage for the data type (an earlier
	// answer of its was refuted; see PlausibilityConfig.FrozenPeriods).
	Caught bool
	// Contradicts is set (to the other answer) when the answer, plausible
	// itself, is held back because it denies a move beyond the check
	// that another provider reported in the same resolve: a third
	// provider is asked (see PlausibilityConfig). 0 otherwise.
	Contradicts float64
	// Audit is set when the answer, plausible itself, is held back for an
	// audit (see PlausibilityConfig.AuditRate): it is the audited answer,
	// a sampled second opinion on it is asked; or, with Contradicts set to
	// the audited answer, it is that second opinion and disputes it, and
	// a third is asked.
	Audit bool
}

// Factor is the change factor from Reference to Value, at least 1 (+Inf
// for a zero).
func (e *ImplausibleError) Factor() float64 { return changeFactor(e.Value, e.Reference) }

func (e *ImplausibleError) Error() string {
	if e.Audit && e.Contradicts != 0 {
		return fmt.Sprintf("audited: %.6g disputes the audited answer %.6g, asked about", e.Value, e.Contradicts)
	}
	if e.Contradicts != 0 {
		return fmt.Sprintf("implausible: %.6g denies another provider's move to %.6g (×%.3g the last good answer %.6g), asked about", e.Value, e.Contradicts, changeFactor(e.Contradicts, e.Reference), e.Reference)
	}
	if e.Audit {
		return fmt.Sprintf("audited: %.6g is held for a sampled second opinion", e.Value)
	}
	if e.Caught {
		return fmt.Sprintf("implausible: %.6g comes from a provider caught serving garbage for the data type, asked about until it is confirmed again", e.Value)
	}
	if e.Frozen {
		return fmt.Sprintf("implausible: %.6g repeats the key's value unchanged for too long while its data type's values move (a frozen feed?)", e.Value)
	}
	return fmt.Sprintf("implausible: %.6g is ×%.3g the last good answer %.6g (at most ×%.3g expected)", e.Value, e.Factor(), e.Reference, e.Allowed)
}

// Is reports whether target is ErrImplausible.
func (e *ImplausibleError) Is(target error) bool { return target == ErrImplausible }

// changeFactor is max(v/r, r/v) for positive r: how many times larger or
// smaller v is; +Inf for v ≤ 0.
func changeFactor(v, r float64) float64 {
	if v <= 0 {
		return math.Inf(1)
	}
	return math.Exp(math.Abs(math.Log(v / r)))
}

// volatility is a data type's learned standard deviation of its keys' log
// changes per period.
type volatility struct {
	mu       sync.Mutex
	variance float64 // EWMA of squared log change per period, from 0
}

// learn feeds the change from a key's previous good answer to v, observed
// periods later. The average starts from 0, not from the first change: a
// first change that was a real ×2 move on one key, taken whole, would
// widen the check for every key of the data type to ×64 (6 σ of ln 2),
// and a ×10 unit error would pass on one provider's word. For the same
// reason a change counts for at most one of maxRatio: a confirmed ×6
// move teaches no more than a ×3 one (with the defaults, σ at most 0.25
// after one such move, a ×4.4 allowance, not ×11).
// A change whose ratio no float64 holds (from a value near zero, with
// maxRatio 1, which caps none) teaches nothing.
func (vo *volatility) learn(prev, v float64, periods, smoothing, maxRatio float64) {
	if prev <= 0 || v <= 0 || periods <= 0 {
		return
	}
	l := math.Abs(math.Log(v / prev))
	if maxRatio > 1 { // 1: no change is allowed on its own, none is capped
		l = min(l, math.Log(maxRatio))
	}
	if math.IsInf(l, 0) {
		// A ratio no float64 holds (5e-324 to 1): learned, the variance
		// stayed +Inf for good, and every answer was plausible.
		return
	}
	sq := l * l / max(periods, 1)
	vo.mu.Lock()
	defer vo.mu.Unlock()
	vo.variance = smoothing*sq + (1-smoothing)*vo.variance
}

// sigma is the learned standard deviation per period, 0 before any change
// was seen.
func (vo *volatility) sigma() float64 {
	vo.mu.Lock()
	defer vo.mu.Unlock()
	return math.Sqrt(vo.variance)
}

// plausibility judges provider answers (see PlausibilityConfig).
type plausibility struct {
	cfg PlausibilityConfig
	vol map[string]*volatility // by data type; built at New, read-only after

	mu      sync.Mutex
	keys    *lru.LRU[string, keyState]  // requires mu held: by key
	feeds   *lru.LRU[string, feedState] // requires mu held: by key and provider
	repeats map[string]repeatRate       // requires mu held: by provider and data type
	caught  map[string]catch            // requires mu held: by provider and data type
	seed    uint64                      // the resolver's (WithSeed): the audits' draws
}

// keyState is the implausible value a key keeps being answered, how
// often, and since when.
type keyState struct {
	pending float64
	count   int
	since   time.Time // zero: nothing pending
}

// feedState is the value a provider last answered for a key, since when
// and how many times in a row it has answered exactly that.
type feedState struct {
	value float64
	since time.Time
	count int
	good  bool // the value passed the ratio check: its run may be learned
	// answers counts the provider's answers for the key noted, whatever
	// their values: an audit's draw hashes it (see audits).
	answers uint64
	// The provider's last answer for the key that another provider
	// confirmed, and when (zero: none): a caught provider shows its feed
	// live by moving from one confirmed answer to another (see confirmed).
	confirmedValue float64
	confirmedAt    time.Time
}

// repeatRate is how often a provider answers a key exactly what it
// answered the time before, for one data type: an EWMA, and how many
// answers it has seen.
type repeatRate struct {
	rate float64
	n    int
}

// minRepeatSamples is how many answers a repeat rate needs before it can
// tell a repeat is unusual.
const minRepeatSamples = 8

func newPlausibility(cfg PlausibilityConfig, types []DataTypeConfig, providers int, seed uint64) *plausibility {
	n := max(cfg.Keys, 1)
	pl := &plausibility{cfg: cfg, vol: make(map[string]*volatility, len(types)), keys: lru.New[string, keyState](n), feeds: lru.New[string, feedState](n * max(providers, 1)), repeats: map[string]repeatRate{}, caught: map[string]catch{},
		seed: seed}
	for _, t := range types {
		pl.vol[t.Name] = &volatility{}
	}
	return pl
}

// persisted reports whether an implausible answer v for key confirms the
// change pending for it: answered ConfirmAnswers times, over at least
// ConfirmAfter, with no plausible answer in between. Otherwise it counts
// v towards the pending change (or makes it the pending change). An
// answer a power of ten (or a zero) away from the pending change, and
// further than it from ref, the key's last good answer, is that change's
// garbage: it neither counts nor restarts it.
func (pl *plausibility) persisted(key string, v float64, ref cache.Entry, hasRef bool, now time.Time) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	ks, _ := pl.keys.Get(key)
	if !ks.since.IsZero() && hasRef && pl.garbageOf(v, ks.pending, ref.Value) {
		return false
	}
	if ks.since.IsZero() || !pl.agrees(ks.pending, v) {
		ks = keyState{pending: v, since: now}
	}
	ks.count++
	if ks.count >= pl.cfg.ConfirmAnswers && now.Sub(ks.since) >= pl.cfg.ConfirmAfter {
		pl.keys.Delete(key)
		return true
	}
	pl.keys.Put(key, ks)
	return false
}

// garbageOf reports whether v is garbage of the answer w, judged from
// ref: a zero or a power of ten away from w, and further from ref.
func (pl *plausibility) garbageOf(v, w, ref float64) bool {
	return pl.garbageShaped(v, w) && changeFactor(v, ref) > changeFactor(w, ref)
}

// pendingChange returns the implausible value key keeps being answered
// (see persisted), if any.
func (pl *plausibility) pendingChange(key string) (float64, bool) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	ks, ok := pl.keys.Peek(key)
	return ks.pending, ok && !ks.since.IsZero()
}

// accepted notes a good answer for key: the change pending ends.
func (pl *plausibility) accepted(key string) {
	if pl == nil {
		return
	}
	pl.mu.Lock()
	pl.keys.Delete(key)
	pl.mu.Unlock()
}

// frozen notes provider's answer v for key at now (good: it passed the
// ratio check), and reports whether it needs a second opinion as a frozen
// feed's would: the provider is caught (see refuted), or the answer looks
// frozen — it repeats, exactly, what the provider has answered for the key
// for FrozenPeriods or more while the data type's values move, or for more
// than FrozenRepeats answers in a row from a provider that repeats itself
// less often than FrozenRepeatRate. onlyCaught tells the first case
// alone. The repeat rate learns from runs of good answers once they end,
// so a run that does not end — a frozen feed — teaches nothing.
func (pl *plausibility) frozen(dt *dataType, key, provider string, v float64, good bool, now time.Time) (suspect, onlyCaught bool) {
	id := key + "\x00" + provider
	rid := provider + "\x00" + dt.cfg.Name
	pl.mu.Lock()
	defer pl.mu.Unlock()
	caught := pl.isCaughtLocked(rid, now)
	fs, seen := pl.feeds.Get(id)
	if seen && fs.value == v {
		fs.count++
		fs.answers++
		pl.feeds.Put(id, fs)
		rr := pl.repeats[rid]
		repeat := pl.vol[dt.cfg.Name].sigma() > 0 && periodsBetween(dt, fs.since, now) >= pl.cfg.FrozenPeriods ||
			rr.n >= minRepeatSamples && rr.rate < pl.cfg.FrozenRepeatRate && fs.count > pl.cfg.FrozenRepeats
		return caught || repeat, caught && !repeat
	}
	if seen && fs.good {
		// The run ended: count-1 repeats, then a change.
		rr := pl.repeats[rid]
		for range min(fs.count-1, pl.cfg.FrozenRepeats+1) {
			rr.observe(true, pl.cfg.Smoothing)
		}
		rr.observe(false, pl.cfg.Smoothing)
		pl.repeats[rid] = rr
	}
	pl.feeds.Put(id, feedState{value: v, since: now, count: 1, good: good, answers: fs.answers + 1, confirmedValue: fs.confirmedValue, confirmedAt: fs.confirmedAt})
	return caught, caught
}

// repeating reports whether v repeats, exactly, provider's last answer
// for key (noted by frozen).
func (pl *plausibility) repeating(key, provider string, v float64) bool {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	fs, ok := pl.feeds.Peek(key + "\x00" + provider)
	return ok && fs.value == v && fs.count >= 2
}

// catch is a provider caught serving garbage (see refuted): since when,
// when it was last refuted, and how many of its answers were confirmed in
// a row since, of those that count (see confirmed).
type catch struct {
	since     time.Time
	at        time.Time
	confirmed int
}

// refuted notes that another provider refuted provider's garbage-shaped
// answer at now (a frozen-looking repeat, a unit error, a zero): the
// provider is caught serving garbage, and may be serving garbage the check
// cannot see — a frozen feed is frozen for every key, and plausible until
// the truth moves — so every answer it gives for the data type that is
// judged at all, a key's first since it was caught too, is asked about, until
// ConfirmAnswers of them in a row that show its feed live were confirmed
// (see confirmed) or ConfirmAfter has passed without another refutation.
// It reports whether the provider was not caught before (the walk then
// deals with the answers it gave before; see dropCaught).
func (pl *plausibility) refuted(dt *dataType, provider string, now time.Time) (newly bool) {
	rid := provider + "\x00" + dt.cfg.Name
	pl.mu.Lock()
	defer pl.mu.Unlock()
	newly = !pl.isCaughtLocked(rid, now)
	since := now
	if !newly {
		since = pl.caught[rid].since
	}
	pl.caught[rid] = catch{since: since, at: now}
	return newly
}

// confirmed notes that another provider confirmed provider's suspected
// answer v for key at now. Of a caught provider, ConfirmAnswers
// confirmations in a row that show its feed live clear it: an answer that
// moved from the provider's last answer for the key confirmed since it
// was caught. A confirmed answer that did not move, or the first for its
// key, neither counts nor breaks the row: a feed frozen while the truth
// stands still gives answers the truth confirms — each key's first, then
// repeats — and is caught still when the truth moves under it. A provider
// that repeats itself as a habit (a learned repeat rate of at least
// FrozenRepeatRate) shows nothing by moving, and every confirmation of it
// counts.
func (pl *plausibility) confirmed(dt *dataType, key, provider string, v float64, now time.Time) {
	id := key + "\x00" + provider
	rid := provider + "\x00" + dt.cfg.Name
	pl.mu.Lock()
	defer pl.mu.Unlock()
	fs, seen := pl.feeds.Get(id)
	last, lastAt := fs.confirmedValue, fs.confirmedAt
	if seen {
		fs.confirmedValue, fs.confirmedAt = v, now
		pl.feeds.Put(id, fs)
	}
	c, ok := pl.caught[rid]
	if !ok {
		return
	}
	rr := pl.repeats[rid]
	habit := rr.n >= minRepeatSamples && rr.rate >= pl.cfg.FrozenRepeatRate
	moved := seen && !lastAt.IsZero() && !lastAt.Before(c.since) && last != v
	switch {
	case !moved && !habit:
	case c.confirmed+1 >= pl.cfg.ConfirmAnswers:
		delete(pl.caught, rid)
	default:
		c.confirmed++
		pl.caught[rid] = c
	}
}

// isCaught reports whether provider is caught serving garbage for dt at
// now (see refuted).
func (pl *plausibility) isCaught(dt *dataType, provider string, now time.Time) bool {
	if pl == nil || pl.cfg.Disabled {
		return false
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.isCaughtLocked(provider+"\x00"+dt.cfg.Name, now)
}

// isCaughtLocked reports whether the provider and data type rid is caught
// at now, forgetting a catch ConfirmAfter old. It requires pl.mu held.
func (pl *plausibility) isCaughtLocked(rid string, now time.Time) bool {
	c, ok := pl.caught[rid]
	if ok && now.Sub(c.at) >= pl.cfg.ConfirmAfter {
		delete(pl.caught, rid)
		return false
	}
	return ok
}

// observe adds one answer, a repeat or not, to the rate.
func (rr *repeatRate) observe(repeat bool, smoothing float64) {
	x := 0.0
	if repeat {
		x = 1
	}
	if rr.n == 0 {
		rr.rate = x
	} else {
		rr.rate = smoothing*x + (1-smoothing)*rr.rate
	}
	rr.n++
}

// verified notes that another provider confirmed provider's repeated
// answer for key at now: the value is stable, not frozen, for another
// FrozenPeriods.
func (pl *plausibility) verified(key, provider string, now time.Time) {
	id := key + "\x00" + provider
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if fs, ok := pl.feeds.Get(id); ok {
		fs.since, fs.count = now, 1
		pl.feeds.Put(id, fs)
	}
}

// forget drops what is remembered of the keys match selects.
func (pl *plausibility) forget(match func(string) bool) {
	pl.mu.Lock()
	pl.keys.DeleteFunc(func(k string, _ keyState) bool { return match(k) })
	pl.feeds.DeleteFunc(func(k string, _ feedState) bool {
		key, _, _ := strings.Cut(k, "\x00")
		return match(key)
	})
	pl.mu.Unlock()
}

// sigma is dt's learned volatility per period, 0 before any change was
// seen.
func (pl *plausibility) sigma(dt *dataType) float64 {
	if pl == nil {
		return 0
	}
	return pl.vol[dt.cfg.Name].sigma()
}

// positive reports whether dt's values are positive quantities, which the
// check judges by ratios: its bounds are set (the zero Bounds means any
// finite value, so a sign may flip) with a minimum of at least 0. Other
// data types — growth rates — are checked against their bounds only.
func positive(dt *dataType) bool { return !dt.cfg.Bounds.isZero() && dt.cfg.Bounds.Min >= 0 }

// periodsBetween is how many of the data type's periods lie between two
// times, as a fraction.
func periodsBetween(dt *dataType, from, to time.Time) float64 {
	return float64(to.Sub(from)) / float64(dt.cfg.Period.Approx())
}

// judge returns an *ImplausibleError when v is implausible against ref,
// the key's last good answer (ok false: none), at now.
func (pl *plausibility) judge(dt *dataType, key, provider string, v float64, ref cache.Entry, ok bool, now time.Time) *ImplausibleError {
	if pl == nil || pl.cfg.Disabled || !positive(dt) {
		return nil
	}
	judged, allowed, far := pl.distance(dt, v, ref, ok, now)
	frozen, caught := pl.frozen(dt, key, provider, v, !far, now)
	switch {
	case !judged:
		return nil
	case far:
		return &ImplausibleError{Value: v, Reference: ref.Value, Allowed: allowed}
	}
	if frozen {
		return &ImplausibleError{Value: v, Reference: ref.Value, Allowed: allowed, Frozen: true, Caught: caught}
	}
	return nil
}

// distance reports whether v can be judged against ref (ok false: there
// is no reference), the change factor allowed by now, and whether v moved
// further than that from ref.
func (pl *plausibility) distance(dt *dataType, v float64, ref cache.Entry, ok bool, now time.Time) (judged bool, allowed float64, far bool) {
	if !ok || ref.Value <= 0 {
		return false, 0, false
	}
	n := max(periodsBetween(dt, ref.ObservedAt, now), 1)
	allowed = max(pl.cfg.MaxRatio, math.Exp(pl.cfg.Sigmas*pl.vol[dt.cfg.Name].sigma()*math.Sqrt(n)))
	return true, allowed, changeFactor(v, ref.Value) > allowed
}

// moved returns an *ImplausibleError when v, an answer another instance
// took (the shared tier's), moved further from ref, this process's last
// good answer for the key, than the data type's volatility allows by now;
// otherwise nil. Unlike judge it remembers nothing: the answer is not
// this process's provider's.
func (pl *plausibility) moved(dt *dataType, v float64, ref cache.Entry, now time.Time) *ImplausibleError {
	if pl == nil || pl.cfg.Disabled || !positive(dt) {
		return nil
	}
	if _, allowed, far := pl.distance(dt, v, ref, true, now); far {
		return &ImplausibleError{Value: v, Reference: ref.Value, Allowed: allowed}
	}
	return nil
}

// series returns obs, observations of key's history read from a state
// file (in time order, one per period, none in a period held holds),
// without those plausibility would have refused when they were answered,
// and how many it left out. held are the observations the history holds
// already (in time order): trusted, they are references too. Each
// observation of obs is judged against the one before it kept, held or
// not — the key's last good answer when it was answered — or, for the
// series' oldest, against the median of its first ReferencePoints (as
// historyReference takes the newest), by distance: the factor allowed by
// the data type's volatility over the periods between them. One further
// than that is kept only when another observation agrees with it (is
// within the factor allowed from it): the one after it (the series kept
// its level: a move as the process confirms one); for the data type's
// season, one one or two seasons before or after it (a weekly peak the
// days around it are far from, which a process that has not learned the
// key's volatility would otherwise take for a spike); and for the oldest,
// judged against the median, any of the others of the first
// ReferencePoints (a spike just after it would otherwise take it with
// it). A spike (a ×10 among a key's observations, none a season away
// agreeing) is left out, and so is a move shown only by the newest
// observation. A move the series ends at, kept only by the observations
// after it, must be confirmed as a provider's is: its observations from
// the move on number at least ConfirmAnswers and span at least
// ConfirmAfter, or those of obs are left out too (counted in unconfirmed,
// not far). In a series shorter than the data type's season (held and
// obs together span fewer periods) no observation has one a season away
// to agree or disagree with it, and a peak of the season looks like a
// spike: there a far observation is held as possible and kept, unless it
// has the shape of garbage against the one it is judged by (a unit
// error, a zero: see garbageShaped). No value agrees with a zero but a
// zero. A data type the check does not judge keeps obs whole.
func (pl *plausibility) series(dt *dataType, held, obs []stats.Observation) (kept []stats.Observation, far, unconfirmed int) {
	if pl == nil || pl.cfg.Disabled || !positive(dt) || len(obs) == 0 {
		return obs, 0, 0
	}
	type point struct {
		stats.Observation
		held bool
	}
	all := make([]point, 0, len(held)+len(obs))
	for _, o := range held {
		all = append(all, point{o, true})
	}
	for _, o := range obs {
		all = append(all, point{o, false})
	}
	slices.SortStableFunc(all, func(a, b point) int { return a.At.Compare(b.At) })
	first := all[:min(len(all), pl.cfg.ReferencePoints)]
	if len(first)%2 == 0 {
		first = first[:len(first)-1] // an odd count: a value an observation had
	}
	values := make([]float64, len(first))
	for i, p := range first {
		values[i] = p.Value
	}
	slices.Sort(values)
	opening := values[len(values)/2]

	// The observations by period, for those a season apart.
	season, period := int64(dt.cfg.Season), dt.cfg.Period.Index
	// A series shorter than its season has no observation a season away
	// from any other: a peak of the season is not told from a spike by
	// the data, and is held as possible (see above).
	short := season > 1 && period(all[len(all)-1].At)-period(all[0].At) < season-1
	byPeriod := map[int64]point{}
	if season > 1 {
		for _, p := range all {
			byPeriod[period(p.At)] = p
		}
	}
	// near reports whether o is within the factor allowed from p. No
	// value is within a factor of a zero but a zero (distance judges
	// nothing from one: a zero among a series was vouched for by the
	// observation after it, whatever it was).
	near := func(o, p point) bool {
		if p.Value <= 0 {
			return o.Value == p.Value
		}
		_, _, isFar := pl.distance(dt, o.Value, cache.Entry{Value: p.Value, ObservedAt: p.At}, true, o.At)
		return !isFar
	}
	// vouched reports whether another observation agrees with all[i]:
	// the one after it; when it was judged against the opening median,
	// any other of the first ReferencePoints after it; or one a season or
	// two before or after it (two: a neighbour's own error leaves the
	// next).
	// They are two checks: ahead reports whether one after it agrees,
	// seasonal whether one a season away does.
	ahead := func(i int, opened bool) bool {
		p := all[i]
		end := min(len(all), i+2)
		if opened {
			end = max(end, min(len(all), pl.cfg.ReferencePoints))
		}
		return slices.ContainsFunc(all[i+1:end], func(o point) bool { return near(o, p) })
	}
	seasonal := func(i int) bool {
		p := all[i]
		for _, k := range []int64{-1, 1, -2, 2} {
			if o, ok := byPeriod[period(p.At)+k*season]; ok && near(o, p) {
				return true
			}
		}
		return false
	}

	var ref cache.Entry
	hasRef := false
	// The points kept, held or not; the last far one kept (an index in
	// kept, -1: none), and whether only those after it kept it: a move.
	taken := make([]point, 0, len(all))
	lastFar, lastMove := -1, false
	for i, p := range all {
		r := ref
		if !hasRef {
			r = cache.Entry{Value: opening, ObservedAt: p.At}
		}
		if _, _, isFar := pl.distance(dt, p.Value, r, true, p.At); isFar {
			possible := p.held || seasonal(i) || (short && !pl.garbageShaped(p.Value, r.Value))
			if !possible && !ahead(i, !hasRef) {
				far++
				continue
			}
			lastFar, lastMove = len(taken), !possible && hasRef
		}
		ref, hasRef = cache.Entry{Value: p.Value, ObservedAt: p.At}, true
		taken = append(taken, p)
	}
	// A move the series ends at is held to the standard a provider's is
	// (see persisted): its observations at the new level, from the move
	// to the series' newest, number at least ConfirmAnswers and span at
	// least ConfirmAfter, or those of the file are left out. Two ×10s at
	// the end of a series vouch for each other, and the forecast would
	// follow them as a new level.
	if lastMove {
		run := taken[lastFar:]
		if len(run) < pl.cfg.ConfirmAnswers || run[len(run)-1].At.Sub(run[0].At) < pl.cfg.ConfirmAfter {
			for _, p := range run {
				if !p.held {
					unconfirmed++
				}
			}
			taken = taken[:lastFar]
		}
	}
	kept = make([]stats.Observation, 0, len(taken))
	for _, p := range taken {
		if !p.held {
			kept = append(kept, p.Observation)
		}
	}
	return kept, far, unconfirmed
}

// agrees reports whether two answers are within the Agreement of each
// other, relative to the larger.
func (pl *plausibility) agrees(a, b float64) bool {
	return math.Abs(a-b) <= pl.cfg.Agreement*max(math.Abs(a), math.Abs(b))
}

// garbageShaped reports whether an answer a, refuted by b, has the shape
// of garbage rather than of a change b has not seen yet: a zero against a
// nonzero b, or a unit error — a factor from b within Agreement of a power
// of ten other than one (×10, ÷10, ×1000…).
func (pl *plausibility) garbageShaped(a, b float64) bool {
	if b == 0 {
		return false
	}
	if a == 0 {
		return true
	}
	r := math.Abs(a / b)
	p := math.Round(math.Log10(r))
	return p != 0 && pl.agrees(r, math.Pow(10, p))
}

// audits draws whether provider's answer v for key of dt, which the check
// accepted, is audited (see PlausibilityConfig.AuditRate). The draw is a
// hash of the resolver's seed, the key, the provider, the answer and how
// many answers the provider has given for the key, not a shared random
// stream: the same answers are audited whatever order concurrent resolves
// of other keys run in, so a seeded run repeats. Each answer has a draw
// of its own: a provider flapping between the truth and a drift gives
// the same answer again and again, but never as the same answer.
func (pl *plausibility) audits(dt *dataType, key, provider string, v float64) bool {
	if pl == nil || pl.cfg.Disabled || pl.cfg.AuditRate <= 0 || !positive(dt) {
		return false
	}
	pl.mu.Lock()
	fs, _ := pl.feeds.Get(key + "\x00" + provider)
	pl.mu.Unlock()
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], pl.seed)
	h.Write(b[:])
	h.Write([]byte(key))
	h.Write([]byte{0})
	h.Write([]byte(provider))
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
	h.Write(b[:])
	binary.LittleEndian.PutUint64(b[:], fs.answers)
	h.Write(b[:])
	// A splitmix64 finaliser spreads FNV's low-entropy high bits.
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11)/(1<<53) < pl.cfg.AuditRate
}

// auditAgrees reports whether two answers are within AuditTolerance of
// each other, relative to the larger: an audit's second opinion that
// confirms the audited answer.
func (pl *plausibility) auditAgrees(a, b float64) bool {
	return math.Abs(a-b) <= pl.cfg.AuditTolerance*max(math.Abs(a), math.Abs(b))
}

// learn feeds a good answer's change from the key's previous one into the
// data type's volatility.
func (pl *plausibility) learn(dt *dataType, prev cache.Entry, v float64, observed time.Time) {
	if pl == nil {
		return
	}
	pl.vol[dt.cfg.Name].learn(prev.Value, v, periodsBetween(dt, prev.ObservedAt, observed), pl.cfg.Smoothing, pl.cfg.MaxRatio)
}
