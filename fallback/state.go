package fallback

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/internal/lru"
	"github.com/strata-go/strata/stats"
)

// The state a resolver learns — last good answers, each key's history,
// the adaptive TTLs' rates — written by Export and read back by Import,
// so that a process keeps it across a restart with the host doing the
// I/O. docs/state.md describes the format.

// StateFormat and StateVersion name the format Export writes; Import
// reads this version only.
const (
	StateFormat  = "strata-state"
	StateVersion = 1
)

// MaxStateLine bounds one line of a state file: a longer one is skipped
// (ImportTooLong). It holds a series of WindowLimit observations.
const MaxStateLine = 4 << 20

// MaxImportSkips bounds ImportReport.Skips; the counts by reason cover
// every skip.
const MaxImportSkips = 100

// ErrStateFormat is matched by the error Import returns for input that is
// not a state file of a version it reads; the concrete error is a
// *StateError.
var ErrStateFormat = errors.New("fallback: not a state file")

// StateError says why Import refused its input as a whole: Line is the
// line (1 for the header), Msg what is wrong. It matches ErrStateFormat.
type StateError struct {
	Line int
	Msg  string
}

func (e *StateError) Error() string {
	return fmt.Sprintf("fallback: not a state file: line %d: %s", e.Line, e.Msg)
}

// Is matches ErrStateFormat.
func (e *StateError) Is(target error) bool { return target == ErrStateFormat }

// stateHeader is the first line of a state file.
type stateHeader struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Written time.Time `json:"written_at"`
	// KeyFingerprint identifies the hash key sensitive values in keys
	// are hashed under ("" without one): HMAC-SHA256 of a fixed text
	// under the key, 128 bits in hex. It does not reveal the key.
	KeyFingerprint string `json:"key_fingerprint"`
}

// stateRecord is every other line; Kind says which fields it uses.
type stateRecord struct {
	Kind string `json:"kind"`
	// answer and history
	Key string `json:"key,omitempty"`
	// answer
	Value      *float64   `json:"value,omitempty"`
	ObservedAt time.Time  `json:"observed_at,omitzero"`
	StoredAt   time.Time  `json:"stored_at,omitzero"`
	Source     string     `json:"source,omitempty"`
	Confidence *float64   `json:"confidence,omitempty"`
	Layer      uint8      `json:"layer,omitempty"`
	Series     []stateObs `json:"observations,omitempty"`
	// rate
	DataType string   `json:"data_type,omitempty"`
	Rate     *float64 `json:"rate,omitempty"`
	// end
	Answers *int `json:"answers,omitempty"`
	Keys    *int `json:"series,omitempty"`
	Rates   *int `json:"rates,omitempty"`
}

type stateObs struct {
	At    time.Time `json:"at"`
	Value float64   `json:"value"`
}

// ExportReport says what Export wrote.
type ExportReport struct {
	// Answers counts last good answers, Series the keys' histories (with
	// Observations in all), Rates the data types' learned rates — the
	// records encoded: Export writes through a buffer, so when w fails,
	// some of them may not have reached it.
	Answers, Series, Observations, Rates int
}

// Export writes what the resolver has learned to w, in the state format
// (docs/state.md): its last good answers (layer 3), its own history of
// each key when the history can list its keys (stats.Lister; the
// in-memory default can), and the rates the adaptive TTLs learned; then
// an end record, so that Import can tell a whole file from a cut one.
// An observation no state file can hold (a value not finite, a time
// outside the years 1 to 9999: a host's history may keep one) is left out,
// and so are a series' observations before its newest WindowLimit, which
// Import would not keep.
// Keys are written as the resolver keeps them, sensitive values hashed;
// the header names the hash key by a fingerprint that does not reveal it.
//
// Export does no I/O but w's: the host chooses the file, the bucket or the
// socket. It reads the history through the same guard as a resolve does
// (a history that hangs is abandoned when ctx ends); it stops at ctx's end
// or w's first error, returning what it wrote so far with the error. It
// may run while the resolver serves: each record is consistent, the whole
// is what the resolver knew about while it wrote, and it holds the cache a
// chunk of answers at a time, so resolves go on (cache.Cache.Range). After
// Close it writes nothing and returns ErrClosed. w is called on the
// caller's goroutine, as a writer is: ctx is looked at between records, so
// a Write that blocks holds Export until it returns (give w a deadline of
// its own: a file, a net.Conn with SetWriteDeadline), and a Write that
// panics panics Export.
func (r *Resolver) Export(ctx context.Context, w io.Writer) (ExportReport, error) {
	var rep ExportReport
	if r.closed.Load() {
		return rep, ErrClosed
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(stateHeader{Format: StateFormat, Version: StateVersion, Written: time.Now().UTC(), KeyFingerprint: keyFingerprint(r.hashKey)}); err != nil {
		return rep, err
	}

	// Range holds the cache's lock a chunk at a time: resolves go on (a
	// DeleteFunc that deleted nothing held them for the whole copy, past
	// a short deadline at 100000 answers).
	type answer struct {
		key string
		e   cache.Entry
	}
	answers := make([]answer, 0, r.cache.Len())
	r.cache.Range(func(key string, e cache.Entry) bool {
		answers = append(answers, answer{key, e})
		return true
	})
	if r.closed.Load() {
		// Close may have emptied the cache during Range: what was copied
		// is partial, and must not be sealed by an end record.
		return rep, ErrClosed
	}
	slices.SortFunc(answers, func(a, b answer) int { return strings.Compare(a.key, b.key) })
	for _, a := range answers {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		v, c := a.e.Value, a.e.Confidence
		// An answer expired when its provider was caught (dropCaught)
		// keeps its stored time (cache.Expire): Import compares by it.
		if err := enc.Encode(stateRecord{Kind: "answer", Key: a.key, Value: &v, ObservedAt: a.e.ObservedAt.UTC(), StoredAt: a.e.StoredAt.UTC(),
			Source: a.e.Source, Confidence: &c, Layer: a.e.Layer}); err != nil {
			return rep, err
		}
		rep.Answers++
	}

	if err := r.exportHistory(ctx, enc, &rep); err != nil {
		return rep, err
	}

	names := make([]string, 0, len(r.types))
	for name := range r.types {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if rate, ok := r.types[name].rate(); ok {
			if err := enc.Encode(stateRecord{Kind: "rate", DataType: name, Rate: &rate}); err != nil {
				return rep, err
			}
			rep.Rates++
		}
	}
	end := stateRecord{Kind: "end", Answers: &rep.Answers, Keys: &rep.Series, Rates: &rep.Rates}
	if err := enc.Encode(end); err != nil {
		return rep, err
	}
	return rep, bw.Flush()
}

// ownHistory is the resolver's own history: not the shared one.
func (r *Resolver) ownHistory() stats.History {
	if t, ok := r.history.(*tieredHistory); ok {
		return t.local
	}
	return r.history
}

func (r *Resolver) exportHistory(ctx context.Context, enc *json.Encoder, rep *ExportReport) error {
	l, ok := r.ownHistory().(stats.Lister)
	if !ok {
		return nil
	}
	keys, err := guarded(ctx, r, &r.callbacks.historyKeys, func(ctx context.Context) ([]string, error) { return l.Keys(ctx) })
	if err != nil {
		return fmt.Errorf("fallback: export: history keys: %w", err)
	}
	slices.Sort(keys)
	for _, key := range keys {
		obs, err := guarded(ctx, r, &r.callbacks.historyGet, func(ctx context.Context) ([]stats.Observation, error) {
			return r.ownHistory().Observations(ctx, key)
		})
		if err != nil {
			return fmt.Errorf("fallback: export: history: %w", err)
		}
		// Import keeps a series' newest WindowLimit observations: more
		// would only lengthen the line, past MaxStateLine for a host's
		// long series (Import skipped it whole).
		obs = newestRead(obs)
		if len(obs) == 0 {
			continue
		}
		rec := stateRecord{Kind: "history", Key: key, Series: make([]stateObs, 0, len(obs))}
		for _, o := range obs {
			// A host's history may hold what no state file can: a value
			// not finite, a time outside the years 1 to 9999 (JSON
			// refuses both: one failed the whole Export). Import would
			// refuse them anyway.
			if at := o.At.UTC(); !math.IsNaN(o.Value) && !math.IsInf(o.Value, 0) && at.Year() >= 1 && at.Year() <= 9999 {
				rec.Series = append(rec.Series, stateObs{At: at, Value: o.Value})
			}
		}
		if len(rec.Series) == 0 {
			continue
		}
		if err := enc.Encode(rec); err != nil {
			return err
		}
		rep.Series++
		rep.Observations += len(rec.Series)
	}
	return nil
}

// keyFingerprint names hashKey without revealing it; "" for none.
func keyFingerprint(hashKey []byte) string {
	if len(hashKey) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, hashKey)
	m.Write([]byte("strata state: hash key fingerprint"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// ImportReason says why Import skipped a record, or an observation.
type ImportReason string

// The reasons Import skips what it skips.
const (
	// ImportMalformed: a line that is not a JSON record of the format.
	ImportMalformed ImportReason = "malformed"
	// ImportTooLong: a line longer than MaxStateLine.
	ImportTooLong ImportReason = "too long"
	// ImportUnknownKind: a record of a kind this version does not know.
	ImportUnknownKind ImportReason = "unknown kind"
	// ImportUnknownDataType: a data type the config does not declare.
	ImportUnknownDataType ImportReason = "unknown data type"
	// ImportBadKey: not a canonical key of the data type (an undeclared
	// or missing param, a value the schema refuses, another spelling).
	ImportBadKey ImportReason = "bad key"
	// ImportOtherHashKey: a key with sensitive params, written under
	// another hash key (or none): its hashes mean nothing here.
	ImportOtherHashKey ImportReason = "hashed under another key"
	// ImportRefused: what a provider's answer would be refused for (a
	// value out of bounds or not finite, a confidence outside [0, 1], no
	// source, a time unset or in the future), or a rate that is not a
	// finite number ≥ 0.
	ImportRefused ImportReason = "refused"
	// ImportExpired: older than the retention (Config.Retention).
	ImportExpired ImportReason = "expired"
	// ImportStale: an answer older than the one the process has.
	ImportStale ImportReason = "older than the process's own"
	// ImportHeldFresh: an answer for a key the process holds a fresh
	// answer for (stored less than its TTL ago).
	ImportHeldFresh ImportReason = "the process's own is fresh"
	// ImportNotAdaptive: a rate for a data type without adaptive TTL.
	ImportNotAdaptive ImportReason = "not adaptive"
	// ImportHistoryFailed: the history refused the series or failed.
	ImportHistoryFailed ImportReason = "history failed"
	// ImportImplausible: an answer further from its key's history (the
	// median of its newest PlausibilityConfig.ReferencePoints
	// observations, the file's included) than plausibility allows; or an
	// observation further from the one before it than plausibility
	// allows, and not kept by the one after it (see Import).
	ImportImplausible ImportReason = "implausible"
	// ImportUnconfirmed: an observation of a move a history ends at (far
	// from the observation before it, kept only by those after it) that
	// the process would not have confirmed from a provider yet: the move's
	// observations number fewer than PlausibilityConfig.ConfirmAnswers or
	// span less than ConfirmAfter (see Import).
	ImportUnconfirmed ImportReason = "unconfirmed move"
	// ImportHeld: an observation for a period the history already has
	// one for (the history keeps one per key and period: a file imported
	// twice adds nothing the second time), or one of several for the
	// same period in the record but its newest.
	ImportHeld ImportReason = "period already held"
)

// ImportSkip is one record Import skipped.
type ImportSkip struct {
	// Line is the record's line, from 1 (the header).
	Line int
	// Kind is the record's kind, when it could be read.
	Kind string
	// Key is the record's key (sensitive values hashed; one not hashed in
	// the file, of a param sensitive now, shown as "[redacted]") or data
	// type, when it could be read. Kind and Key are cut to 256 bytes, and
	// quoted (Go syntax, ASCII) when they hold control characters or
	// invalid UTF-8.
	Key    string
	Reason ImportReason
	// Detail says more, when there is more to say.
	Detail string
}

// ImportReport says what Import took and what it skipped.
type ImportReport struct {
	// Version is the format version read.
	Version int
	// Answers counts the last good answers taken that the process still
	// holds when Import returns, Series the histories (with Observations
	// in all), Rates the learned rates.
	Answers, Series, Observations, Rates int
	// Evicted counts the answers taken but pushed out of the process's
	// last-good store (cache.last_good_capacity) before Import returned:
	// by the file's later answers, or by the resolves made meanwhile; an
	// answer a resolve replaced meanwhile counts here too, and so does
	// one a Forget made meanwhile deleted. A file of more answers than
	// the store holds keeps the last ones read.
	Evicted int
	// Skipped counts the records skipped, Dropped the observations
	// dropped from series that were otherwise taken.
	Skipped, Dropped int
	// Reasons counts the skipped records and dropped observations by
	// reason.
	Reasons map[ImportReason]int
	// Skips lists the first MaxImportSkips records skipped, in order.
	Skips []ImportSkip
	// Complete is true when the end record was read: the file was whole.
	Complete bool
}

// hashedValue is the form of a sensitive value in a key: "h:" and 32 hex
// digits (see hashValue).
var hashedValue = regexp.MustCompile(`^h:[0-9a-f]{32}$`)

// Import reads a state file written by Export (of this resolver, an
// earlier run of it, or another instance) from rd and takes what it
// holds, checking every record as it would a provider's answer:
//
//   - a key must be a canonical key of a declared data type, each param
//     declared and its value one the schema accepts;
//   - a key with sensitive params is taken only from a file whose header
//     names this resolver's hash key (WithHashKey): its values stay
//     hashed, and a hash under another key is refused, not re-hashed;
//   - an answer must pass the checks of the shared tier's entries
//     (checkEntry: a finite value within the bounds, a confidence in
//     [0, 1], a source, times set and not in the future), and is taken as
//     the key's last good answer (layer 3, never a fresh hit) unless the
//     process has a newer one, or a fresh one (stored less than its TTL
//     ago: replaced, the next resolve would pay a provider for the key) —
//     and, once the file's series are in,
//     unless it moved further from its key's history (the median of the
//     newest PlausibilityConfig.ReferencePoints observations) than
//     plausibility allows, as a shared-tier answer is judged: taken, a
//     wrong answer would be the reference every provider answer for the
//     key is judged by. The answers are held aside until then, the last
//     ones read of as many keys as the process's last-good store holds:
//     while Import runs, none is served or judged by, and the process's
//     own answer for a key is replaced only by one that passed. A big
//     move the exporting process had confirmed but its history does not
//     show yet (or shows only in its newest observation, dropped below)
//     is skipped so: the process confirms it again from its providers, as
//     it confirms any move (see PlausibilityConfig), serving it flagged
//     Implausible until then;
//   - each observation of a history must be a finite value within the
//     bounds at a time set and not in the future (one ahead by less than
//     a minute of clock skew is dated now, as a provider's answer is, and
//     counts in the current period); the series goes to the
//     resolver's own history (not the shared one), one observation per
//     key and period (Imports running at once take turns at each series);
//   - and each must be plausible, as it was judged when it was answered:
//     for a data type plausibility judges, an observation further from
//     the one before it (the file's or one the history holds; for the
//     series' oldest, the median of its first
//     PlausibilityConfig.ReferencePoints) than the data type's volatility
//     allows over the periods between them is dropped
//     (ImportImplausible) unless the observation after it is within that
//     factor of it — the series kept its level: a move —, or one a
//     season or two before or after it is (a peak of the data type's
//     season). A ×10 among a key's observations, which the default engine
//     would average and the forecast start from, is dropped, and so is a
//     move shown only by the newest observation. A move the series ends
//     at (kept only by the observations after it) is held to the
//     standard a provider's move is: its observations from the move to
//     the newest, the history's included, must number at least
//     PlausibilityConfig.ConfirmAnswers and span at least ConfirmAfter,
//     or the file's are dropped (ImportUnconfirmed) — two ×10s ending a
//     series vouch for each other, and the forecast would follow them as
//     a new level; a move the series keeps longer is taken. A series
//     shorter than its season (with the history's, spanning fewer
//     periods) has nothing a season away, and there a peak looks like a
//     spike: a far observation is kept unless it has the shape of
//     garbage against the one it is judged by — a unit error (×10, ÷10)
//     or a zero. No value is within a factor of a zero but a zero: a
//     zero among a series is dropped, a move to zero it keeps is taken;
//   - with a Retention, an answer or observation older than it is
//     skipped;
//   - a rate must be a finite number ≥ 0, for a data type with adaptive
//     TTL: the TTL follows from it as if it had been learned here.
//
// What is skipped is counted in the report, by reason, and the first
// MaxImportSkips records are listed. Import returns an error only when rd
// is not a state file of a version it reads (a *StateError), when rd
// fails, or when ctx ends: what was taken before stays. A file without
// its end record (cut short) is taken as far as it goes, with
// Complete false. After Close it takes nothing and returns ErrClosed;
// Close during an Import ends it with ErrClosed (what was taken before
// stays, in a resolver that is closed). rd is read on the caller's
// goroutine: ctx and Close are looked at between its reads — also inside
// a line that never ends — so a Read that blocks holds Import until it
// returns (give rd a deadline of its own), and a Read that panics panics
// Import.
func (r *Resolver) Import(ctx context.Context, rd io.Reader) (rep ImportReport, err error) {
	rep = ImportReport{Reasons: map[ImportReason]int{}}
	if r.closed.Load() {
		return rep, ErrClosed
	}
	br := bufio.NewReaderSize(rd, 64<<10)
	capacity := r.cfg.Cache.LastGoodCapacity
	if capacity <= 0 {
		capacity = cache.DefaultLastGoodCapacity
	}
	im := importer{r: r, rep: &rep, now: time.Now(), plain: map[*dataType]*schema{}, read: lru.New[string, takenAnswer](capacity), taken: map[string]takenAnswer{}}
	defer im.countKept() // on every return: rep is the result
	// A Forget made while Import runs may have come before a matching
	// record was taken: what it matched is forgotten again once all is
	// taken, so that nothing of it is back after Forget returns.
	seq := r.forgets.begin()
	defer r.forgets.end(seq)
	defer im.forgetAgain(seq)
	// Runs first, at the end, once the file's series are in (Export
	// writes them after the answers).
	defer im.takeAnswers(ctx)
	line := 0
	stop := func() error {
		if r.closed.Load() {
			return ErrClosed
		}
		return ctx.Err()
	}
	for {
		if err := stop(); err != nil {
			return rep, err
		}
		raw, n, tooLong, err := readLine(br, stop)
		if serr := stop(); serr != nil {
			return rep, serr
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return rep, fmt.Errorf("fallback: import: %w", err)
		}
		if n > 0 {
			line++
			switch {
			case line == 1:
				if herr := im.header(raw, tooLong); herr != nil {
					return rep, herr
				}
			case len(raw) > 0 || tooLong:
				im.record(ctx, line, raw, tooLong)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if line == 0 {
		return rep, &StateError{Line: 1, Msg: "empty input"}
	}
	return rep, nil
}

// readLine reads one line, without its end (\n or \r\n), and how many
// bytes it took; a line longer than MaxStateLine is consumed and reported
// too long, not returned. Blank lines are returned empty. Between the
// buffer's fills it asks stop whether to go on: a line that never ends
// (a reader that never sends a newline) must not hold Import past its
// context or Close.
func readLine(br *bufio.Reader, stop func() error) (line []byte, n int, tooLong bool, err error) {
	for {
		if err := stop(); err != nil {
			return nil, n, tooLong, err
		}
		chunk, err := br.ReadSlice('\n')
		n += len(chunk)
		if len(line)+len(chunk) > MaxStateLine+2 {
			tooLong, line = true, nil
		} else if !tooLong {
			line = append(line, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if tooLong {
			return nil, n, true, err
		}
		return bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r")), n, false, err
	}
}

// importer is one Import's state.
type importer struct {
	r     *Resolver
	rep   *ImportReport
	now   time.Time
	trust bool                  // the file's hash key is this resolver's
	plain map[*dataType]*schema // each data type's schema with no param hashed

	// read holds the answers read, by key, until takeAnswers judges and
	// takes them: the last ones read of as many keys as the process's
	// last-good store holds (it would keep no more).
	read *lru.LRU[string, takenAnswer]

	// taken holds the answers taken, by key, until countKept finds
	// whether the process still holds them; sweep bounds it.
	taken map[string]takenAnswer
	sweep int // len(taken) at which countKept next runs (0: minSweep)
}

// takenAnswer is an answer Import took, and the line it was read from.
type takenAnswer struct {
	e    cache.Entry
	line int
}

// minSweep is the fewest answers taken between two countKept runs.
const minSweep = 1024

// took records e, just taken for key, and counts the answers taken
// that the process no longer holds when there are many: taken stays
// within twice what the last-good store holds.
func (im *importer) took(key string, e cache.Entry, line int) {
	im.taken[key] = takenAnswer{e: e, line: line}
	if len(im.taken) >= max(im.sweep, minSweep) {
		im.countKept()
		im.sweep = 2 * len(im.taken)
	}
}

// countKept moves the answers of taken that the process no longer holds
// (pushed out by capacity, or replaced) from Answers to Evicted.
func (im *importer) countKept() {
	for key, ta := range im.taken {
		if held, ok := im.r.cache.LastGood(key); ok && sameAnswer(held, ta.e) {
			continue
		}
		delete(im.taken, key)
		im.rep.Answers--
		im.rep.Evicted++
	}
}

// sameAnswer reports whether a and b are the same last good answer.
func sameAnswer(a, b cache.Entry) bool {
	return a.Value == b.Value && a.Source == b.Source && a.StoredAt.Equal(b.StoredAt) && a.ObservedAt.Equal(b.ObservedAt)
}

// forgetAgain deletes in the process what the Forgets made since the
// Import began (seq, see forgetLog.begin) matched: Import may have taken
// it after Forget deleted it. Its answers count as Evicted (countKept).
func (im *importer) forgetAgain(seq uint64) {
	for _, match := range im.r.forgets.since(seq) {
		ctx, cancel := context.WithTimeout(im.r.life, im.r.cfg.Cache.StoreTimeout)
		_, _, errs := im.r.forgetInProcess(ctx, match)
		cancel()
		for _, err := range errs {
			im.r.callbackFailed(&im.r.callbacks.historyDelete, "", err)
		}
	}
}

// takeAnswers judges the answers read, oldest read first, and takes
// those that pass as their keys' last good answers: it skips an answer
// that moved further from its key's history reference (historyReference,
// read once the file's series are in) than the data type's volatility
// allows — as a shared-tier answer for a key the process has no answer of
// its own for is judged — (ImportImplausible), and one older than the
// answer the process holds by then (ImportStale). Taken, a wrong answer
// would be the reference every provider answer for the key is judged by,
// and refuse the right ones; so no answer is put before it is judged, and
// the process's own is never lost to one skipped. After ctx's end the
// answers left are taken unjudged (as the file's series read so far
// stay); after Close, none.
func (im *importer) takeAnswers(ctx context.Context) {
	type readAnswer struct {
		key string
		takenAnswer
	}
	answers := make([]readAnswer, 0, im.read.Len())
	im.read.Range(func(key string, ta takenAnswer) bool {
		answers = append(answers, readAnswer{key, ta})
		return true
	})
	slices.Reverse(answers) // the least recently read first
	for _, a := range answers {
		if im.r.closed.Load() {
			return
		}
		name, _, _ := strings.Cut(a.key, "?")
		dt := im.r.types[name]
		if ctx.Err() == nil {
			if ref, ok := im.r.historyReference(ctx, dt, a.key); ok {
				if ie := im.r.plaus.moved(dt, a.e.Value, ref, a.e.ObservedAt); ie != nil {
					detail := fmt.Sprintf("%.6g is ×%.3g the median of the key's history, %.6g (at most ×%.3g expected)", ie.Value, ie.Factor(), ie.Reference, ie.Allowed)
					im.skip(a.line, "answer", a.key, ImportImplausible, detail)
					continue
				}
			}
		}
		// A last good answer, never a fresh hit: it does not replace a
		// fresh one, which the next resolve would then pay a provider
		// for, nor one stored as late or later. Both checked against
		// the process's own in the step that puts it: a resolve may
		// store one at any moment, and one from the shared tier keeps
		// the time it was stored elsewhere, which may be older than the
		// file's.
		if importBeforePut != nil {
			importBeforePut(a.key)
		}
		if stored, fresh := im.r.cache.PutLastGoodUnlessHeld(a.key, a.e, dt.currentTTL(), time.Now()); !stored {
			reason := ImportStale
			if fresh {
				reason = ImportHeldFresh
			}
			im.skip(a.line, "answer", a.key, reason, "")
			continue
		}
		im.rep.Answers++
		im.took(a.key, a.e, a.line)
	}
}

// importBeforePut, set by tests only, runs just before takeAnswers puts
// an answer: where a resolve may store one for its key.
var importBeforePut func(key string)

func (im *importer) header(raw []byte, tooLong bool) error {
	// A byte-order mark, as editors on Windows write one, is no content.
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	var h stateHeader
	if tooLong || json.Unmarshal(raw, &h) != nil || h.Format != StateFormat {
		return &StateError{Line: 1, Msg: fmt.Sprintf("the first line is not a %s header", StateFormat)}
	}
	if h.Version != StateVersion {
		return &StateError{Line: 1, Msg: fmt.Sprintf("version %d; this strata reads version %d", h.Version, StateVersion)}
	}
	im.rep.Version = h.Version
	own := keyFingerprint(im.r.hashKey)
	im.trust = own != "" && hmac.Equal([]byte(own), []byte(h.KeyFingerprint))
	return nil
}

func (im *importer) skip(line int, kind, key string, reason ImportReason, detail string) {
	im.rep.Skipped++
	im.rep.Reasons[reason]++
	if len(im.rep.Skips) < MaxImportSkips {
		im.rep.Skips = append(im.rep.Skips, ImportSkip{Line: line, Kind: skipText(kind), Key: skipText(im.shown(key)), Reason: reason, Detail: detail})
	}
}

// maxSkipText bounds what a skip repeats of a record's kind or key.
const maxSkipText = 256

// skipText is s as a skip repeats it: cut to maxSkipText bytes on a rune
// boundary, and quoted (Go syntax, ASCII) when it holds control
// characters or invalid UTF-8. The file is the host's to trust or not: a
// report it prints must not carry a megabyte or a terminal's escapes.
func skipText(s string) string {
	s, _ = cutAt(s, maxSkipText)
	if !printable(s) {
		s = strconv.QuoteToASCII(s)
	}
	return s
}

// shown is a record's key as a skip reports it: the value of a param
// sensitive in the key's data type — in any data type, when the data type
// is not declared — and not hashed is masked (a file written before the
// param was sensitive holds it raw), and a string that is no key is not
// repeated. A data type's name (a rate's key) is shown as it is.
func (im *importer) shown(key string) string {
	name, rest, has := strings.Cut(key, "?")
	if !has {
		return key
	}
	if _, _, ok := ParseKey(key); !ok {
		return ""
	}
	sensitive := func(param string) bool {
		if dt, ok := im.r.types[name]; ok {
			return dt.schema.sensitive(param)
		}
		for _, dt := range im.r.types {
			if dt.schema.sensitive(param) {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	b.WriteString(name)
	sep := "?"
	for part := range strings.SplitSeq(rest, "&") {
		b.WriteString(sep)
		sep = "&"
		param, val, _ := strings.Cut(part, "=")
		if sensitive(param) && !hashedValue.MatchString(val) {
			val = "[redacted]"
		}
		b.WriteString(param + "=" + val)
	}
	return b.String()
}

func (im *importer) record(ctx context.Context, line int, raw []byte, tooLong bool) {
	if tooLong {
		im.skip(line, "", "", ImportTooLong, fmt.Sprintf("longer than %d bytes", MaxStateLine))
		return
	}
	var rec stateRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		im.skip(line, "", "", ImportMalformed, err.Error())
		return
	}
	switch rec.Kind {
	case "answer":
		im.answer(line, &rec)
	case "history":
		im.history(ctx, line, &rec)
	case "rate":
		im.rate(line, &rec)
	case "end":
		im.rep.Complete = true
	default:
		im.skip(line, rec.Kind, "", ImportUnknownKind, "")
	}
}

// dataTypeOf checks a record's key and returns its data type, or skips
// the record.
func (im *importer) dataTypeOf(line int, rec *stateRecord) (*dataType, bool) {
	name, params, ok := ParseKey(rec.Key)
	if !ok {
		im.skip(line, rec.Kind, rec.Key, ImportBadKey, "not a key")
		return nil, false
	}
	dt, ok := im.r.types[name]
	if !ok {
		im.skip(line, rec.Kind, rec.Key, ImportUnknownDataType, "")
		return nil, false
	}
	if why := im.checkKey(dt, rec.Key, params); why != "" {
		reason := ImportBadKey
		if why == string(ImportOtherHashKey) {
			reason, why = ImportOtherHashKey, ""
		}
		im.skip(line, rec.Kind, rec.Key, reason, why)
		return nil, false
	}
	return dt, true
}

// checkKey says why key is not the canonical key of params for dt, or "".
func (im *importer) checkKey(dt *dataType, key string, params Params) string {
	s := dt.schema
	vals := make([]string, len(s.specs))
	for name, v := range params {
		i, ok := s.index[name]
		if !ok {
			return fmt.Sprintf("param %q is not declared", name)
		}
		sp := &s.specs[i]
		switch {
		case sp.sensitive && !im.trust:
			return string(ImportOtherHashKey)
		case sp.sensitive && !hashedValue.MatchString(v):
			return fmt.Sprintf("param %q is sensitive but not hashed", name)
		case !sp.sensitive:
			if err := s.check(sp, v); err != nil {
				return err.Error()
			}
		}
		vals[i] = v
	}
	for i := range s.specs {
		if s.specs[i].required && vals[i] == "" {
			return fmt.Sprintf("param %q is required", s.specs[i].name)
		}
	}
	plain, ok := im.plain[dt]
	if !ok {
		cp := *s
		cp.specs = slices.Clone(s.specs)
		for i := range cp.specs {
			cp.specs[i].sensitive = false // a hash stands as it is
		}
		plain = &cp
		im.plain[dt] = plain
	}
	if string(plain.appendKey(nil, vals)) != key {
		return "not in the canonical form"
	}
	return ""
}

func (im *importer) answer(line int, rec *stateRecord) {
	dt, ok := im.dataTypeOf(line, rec)
	if !ok {
		return
	}
	if rec.Value == nil || rec.Confidence == nil {
		im.skip(line, rec.Kind, rec.Key, ImportMalformed, "no value or confidence")
		return
	}
	e := cache.Entry{Value: *rec.Value, ObservedAt: rec.ObservedAt, StoredAt: rec.StoredAt, Source: rec.Source, Confidence: *rec.Confidence, Layer: rec.Layer}
	if err := checkEntry(dt, e, im.now); err != nil {
		im.skip(line, rec.Kind, rec.Key, ImportRefused, err.Error())
		return
	}
	e = im.r.inPresent(dt, e, im.now)
	if e.Layer != uint8(LayerPrimary) && e.Layer != uint8(LayerSecondary) {
		im.skip(line, rec.Kind, rec.Key, ImportRefused, fmt.Sprintf("layer %d is not a provider's", e.Layer))
		return
	}
	if ret := im.r.cfg.Retention; ret > 0 && im.now.Sub(e.ObservedAt) > ret {
		im.skip(line, rec.Kind, rec.Key, ImportExpired, "")
		return
	}
	// Older than the process's answer, or than the file's read before
	// for the key: skipped now (takeAnswers checks again against the
	// process's answer, which a resolve may replace meanwhile).
	held, ok := im.r.cache.LastGood(rec.Key)
	if read, again := im.read.Peek(rec.Key); again {
		held, ok = read.e, true
	}
	if ok && !held.StoredAt.Before(e.StoredAt) {
		im.skip(line, rec.Kind, rec.Key, ImportStale, "")
		return
	}
	if _, _, pushed := im.read.Put(rec.Key, takenAnswer{e: e, line: line}); pushed {
		im.rep.Evicted++ // the store would not have kept it either
	}
}

func (im *importer) history(ctx context.Context, line int, rec *stateRecord) {
	dt, ok := im.dataTypeOf(line, rec)
	if !ok {
		return
	}
	var before time.Time
	if ret := im.r.cfg.Retention; ret > 0 {
		before = im.now.Add(-ret)
	}
	obs := make([]stats.Observation, 0, len(rec.Series))
	var refused, expired int
	for _, o := range rec.Series {
		switch {
		case !o.At.After(time.Time{}) || o.At.After(im.now.Add(maxClockSkew)) || checkValue(dt, o.Value) != nil:
			refused++
		case o.At.Before(before):
			expired++
		default:
			// Dated now when ahead within the clock skew, as a live answer
			// observed ahead is (walk.answer): its period is the current
			// one, else the key's record of the period would move to the
			// next and the current period would get none.
			at := o.At
			if at.After(im.now) {
				at = im.now
			}
			obs = append(obs, stats.Observation{At: at, Value: o.Value})
		}
	}
	if len(obs) == 0 {
		reason := ImportRefused
		if expired > 0 && refused == 0 {
			reason = ImportExpired
		}
		im.skip(line, rec.Kind, rec.Key, reason, "no usable observation")
		return
	}
	slices.SortStableFunc(obs, func(a, b stats.Observation) int { return a.At.Compare(b.At) })
	// One observation per period, the newest, as the history keeps them.
	period := dt.cfg.Period.Index
	var held int
	kept := obs[:1]
	for _, o := range obs[1:] {
		if period(o.At) == period(kept[len(kept)-1].At) {
			kept[len(kept)-1] = o
			held++
		} else {
			kept = append(kept, o)
		}
	}
	obs = kept
	if n := len(obs) - WindowLimit; n > 0 {
		refused += n // the oldest: more than any series is kept
		obs = obs[n:]
	}
	// The check and the appends are two steps: Imports running at once
	// take turns at them, else each adds what the others add (four
	// Imports of one file at once quadrupled its series). A turn ends
	// when the check and appends return, not when guarded abandons them
	// at ctx's end: they go on, and the next turn appended what they
	// were appending. A turn not had by ctx's end or Close takes
	// nothing, and Import returns their error.
	select {
	case im.r.importing <- struct{}{}:
	case <-ctx.Done():
		return
	case <-im.r.life.Done():
		return
	}
	endTurn := sync.OnceFunc(func() { <-im.r.importing })
	h := im.r.ownHistory()
	type appended struct {
		taken  []stats.Observation
		far    int // left out by plausibility (see plausibility.series)
		unconf int // a move the series ends at, not confirmed
	}
	got, err := guarded(ctx, im.r, &im.r.callbacks.historyAppend, func(ctx context.Context) (appended, error) {
		defer endTurn()
		have, err := h.Observations(ctx, rec.Key)
		if err != nil {
			return appended{}, err
		}
		periods := make(map[int64]bool, len(have))
		for _, o := range have {
			periods[period(o.At)] = true
		}
		var fresh []stats.Observation
		for _, o := range obs {
			if !periods[period(o.At)] {
				fresh = append(fresh, o)
			}
		}
		// Judged as they were when answered: a garbage observation
		// would be averaged into the key's default and forecast from.
		fresh, far, unconf := im.r.plaus.series(dt, usableObservations(have, dt.cfg.Bounds, im.now.Add(maxClockSkew)), fresh)
		a := appended{far: far, unconf: unconf}
		for _, o := range fresh {
			if err := h.Append(ctx, rec.Key, o); err != nil {
				return a, err
			}
			a.taken = append(a.taken, o)
		}
		return a, nil
	})
	if errors.Is(err, ErrClosed) {
		endTurn() // guarded did not run them: Close had begun
	}
	if err != nil {
		im.skip(line, rec.Kind, rec.Key, ImportHistoryFailed, err.Error())
		return
	}
	taken, far, unconf := got.taken, got.far, got.unconf
	held += len(obs) - len(taken) - far - unconf
	if len(taken) == 0 {
		reason := ImportHeld
		switch {
		case far > 0:
			reason = ImportImplausible
		case unconf > 0:
			reason = ImportUnconfirmed
		}
		im.skip(line, rec.Kind, rec.Key, reason, "")
		return
	}
	// The newest period has its observation: a resolve in it adds none
	// (the gate never moves back to an older period).
	im.r.gate.admit(rec.Key, period(taken[len(taken)-1].At))
	im.rep.Series++
	im.rep.Observations += len(taken)
	im.rep.Dropped += refused + expired + held + far + unconf
	for reason, n := range map[ImportReason]int{ImportRefused: refused, ImportExpired: expired, ImportHeld: held, ImportImplausible: far, ImportUnconfirmed: unconf} {
		if n > 0 {
			im.rep.Reasons[reason] += n
		}
	}
}

func (im *importer) rate(line int, rec *stateRecord) {
	dt, ok := im.r.types[rec.DataType]
	switch {
	case !ok:
		im.skip(line, rec.Kind, rec.DataType, ImportUnknownDataType, "")
	case !dt.cfg.AdaptiveTTL.Enabled:
		im.skip(line, rec.Kind, rec.DataType, ImportNotAdaptive, "")
	case rec.Rate == nil || !(*rec.Rate >= 0) || math.IsInf(*rec.Rate, 0):
		im.skip(line, rec.Kind, rec.DataType, ImportRefused, "not a finite rate ≥ 0")
	default:
		dt.restoreRate(*rec.Rate)
		im.rep.Rates++
	}
}
