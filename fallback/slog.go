package fallback

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// SlogConfig configures SlogObserver. The zero value means the defaults.
type SlogConfig struct {
	// MaxLines is how many Warn lines of one subject SlogObserver writes
	// per Window: failed attempts per provider, degraded answers and
	// failed resolves per data type, contained failures per callback.
	// The first line written after some were held back carries their
	// count (suppressed=N). Default DefaultSlogMaxLines; a negative
	// value writes every line.
	MaxLines int
	// Window is the period MaxLines counts over, on the events' clock.
	// Default time.Minute.
	Window time.Duration
}

// DefaultSlogMaxLines is SlogConfig.MaxLines's default: three Warn lines
// per provider, data type or callback per minute. Through a ten-minute
// outage of both providers at 100 resolves a second, SlogObserver at
// Info writes 61 lines in all (about 30 000 without the limit): at most 6
// a minute about each provider (its failed attempts, its breaker's
// transitions, the alerts on it) and 3 about the data type
// (TestSlogObserverOutageWritesAFewLinesAMinute).
const DefaultSlogMaxLines = 3

// SlogObserver returns an Observer that logs events to logger, with the
// event's context (logger.LogAttrs(ctx, ...)), so that a handler can add
// what the caller's context carries (a trace ID). Each line's attributes
// are grouped under the event's kind (resolve.layer=primary,
// attempt.provider=p1, ...), with the params, redacted, as a group of
// their own. Levels:
//
//   - a resolve the cache answered: Debug (a hot key answers thousands
//     of times a second; when the answer is a stale one, the failures
//     that led to it are logged with their attempts);
//   - a resolve a provider answered: Info;
//   - a forecast or a default answer, or a failed resolve: Warn, at most
//     cfg.MaxLines per data type per cfg.Window;
//   - a failed attempt: Warn, at most cfg.MaxLines per provider per
//     cfg.Window; other attempts (succeeded, skipped, lost): Debug;
//   - a breaker transition: Warn;
//   - a contained callback failure: Warn, at most cfg.MaxLines per
//     callback per cfg.Window;
//   - an alert raised or changed: Warn, Error when critical; resolved:
//     Info (alerts are de-duplicated already: not limited);
//   - Warm's progress: Debug. Attempt starts are not logged.
//
// Lines held back by the limit are counted; the next line written about
// the same subject carries the count as suppressed=N. Nothing is built
// for a level the logger does not enable. The observer is safe for
// concurrent use, and may be shared by several resolvers. A nil logger
// means slog.Default(), as it is when SlogObserver is called.
func SlogObserver(logger *slog.Logger, cfg SlogConfig) Observer {
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.MaxLines == 0 {
		cfg.MaxLines = DefaultSlogMaxLines
	}
	if cfg.Window <= 0 {
		cfg.Window = time.Minute
	}
	o := &slogObserver{log: logger, limit: lineLimit{max: cfg.MaxLines, window: cfg.Window, subjects: map[lineSubject]*lineWindow{}}}
	return ObserverFunc(o.observe)
}

type slogObserver struct {
	log   *slog.Logger
	limit lineLimit
}

func (o *slogObserver) observe(ctx context.Context, e Event) {
	switch e.Kind {
	case EventResolve:
		o.resolve(ctx, e)
	case EventAttempt:
		o.attempt(ctx, e)
	case EventBreaker:
		if o.log.Enabled(ctx, slog.LevelWarn) {
			o.log.LogAttrs(ctx, slog.LevelWarn, "strata breaker", slog.Group("breaker",
				slog.String("provider", e.Provider), slog.String("from", e.From), slog.String("to", e.To), slog.String("reason", e.Source)))
		}
	case EventCallback:
		attrs, ok := o.limited(ctx, slog.LevelWarn, lineSubject{EventCallback, e.Source}, e.Time)
		if !ok {
			return
		}
		attrs = append(attrs, slog.String("callback", e.Source), slog.String("data_type", e.DataType), slog.String("error", errText(e.Err)))
		o.log.LogAttrs(ctx, slog.LevelWarn, "strata callback failed", slog.Attr{Key: "callback", Value: slog.GroupValue(attrs...)})
	case EventAlert:
		o.alert(ctx, e)
	case EventWarm:
		if o.log.Enabled(ctx, slog.LevelDebug) {
			o.log.LogAttrs(ctx, slog.LevelDebug, "strata warm", slog.Group("warm",
				slog.String("data_type", e.DataType), slog.Int("done", e.Done), slog.Int("total", e.Total),
				slog.String("layer", e.Layer.String()), slog.String("error", errText(e.Err))))
		}
	}
}

func (o *slogObserver) alert(ctx context.Context, e Event) {
	a := e.Alert
	if a == nil {
		return
	}
	level, msg := slog.LevelInfo, "strata alert resolved"
	switch {
	case a.Firing && a.Severity == SeverityCritical:
		level, msg = slog.LevelError, "strata alert"
	case a.Firing:
		level, msg = slog.LevelWarn, "strata alert"
	}
	if !o.log.Enabled(ctx, level) {
		return
	}
	o.log.LogAttrs(ctx, level, msg, slog.Group("alert",
		slog.String("kind", a.Kind.String()), slog.String("subject", a.Subject), slog.String("severity", a.Severity.String()),
		slog.Float64("value", a.Value), slog.Float64("threshold", a.Threshold), slog.Time("since", a.Since)))
}

func (o *slogObserver) resolve(ctx context.Context, e Event) {
	var attrs []slog.Attr
	level := slog.LevelInfo
	switch {
	case e.Err != nil || e.Layer == LayerStatistical || e.Layer == LayerDefault:
		level = slog.LevelWarn
	case e.Layer == LayerCache:
		level = slog.LevelDebug
	}
	if level == slog.LevelWarn {
		var ok bool
		if attrs, ok = o.limited(ctx, level, lineSubject{EventResolve, e.DataType}, e.Time); !ok {
			return
		}
	} else if !o.log.Enabled(ctx, level) {
		return
	}
	attrs = append(attrs,
		slog.String("data_type", e.DataType),
		paramsAttr(e.Params),
		slog.String("layer", e.Layer.String()),
		slog.String("source", e.Source),
		slog.Float64("value", e.Value),
		slog.Float64("confidence", e.Confidence),
		slog.Float64("cost", e.Cost),
		slog.Duration("latency", e.Latency),
	)
	if e.Shared {
		attrs = append(attrs, slog.Bool("shared", true))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	o.log.LogAttrs(ctx, level, "strata resolve", slog.Attr{Key: "resolve", Value: slog.GroupValue(attrs...)})
}

func (o *slogObserver) attempt(ctx context.Context, e Event) {
	var attrs []slog.Attr
	level := slog.LevelDebug
	if e.Outcome == Failed {
		level = slog.LevelWarn
		var ok bool
		if attrs, ok = o.limited(ctx, level, lineSubject{EventAttempt, e.Provider}, e.Time); !ok {
			return
		}
	} else if !o.log.Enabled(ctx, level) {
		return
	}
	attrs = append(attrs,
		slog.String("data_type", e.DataType),
		paramsAttr(e.Params),
		slog.String("provider", e.Provider),
		slog.String("outcome", e.Outcome.String()),
		slog.Duration("latency", e.Latency),
		slog.Float64("cost", e.Cost),
	)
	switch e.Outcome {
	case Failed, Lost:
		attrs = append(attrs, slog.String("class", e.Class.String()))
	case Skipped:
		attrs = append(attrs, slog.String("skip", e.Skip.String()))
	}
	if e.Retry > 0 {
		attrs = append(attrs, slog.Int("retry", e.Retry))
	}
	if e.Hedge {
		attrs = append(attrs, slog.Bool("hedge", true))
	}
	if e.Audit {
		attrs = append(attrs, slog.Bool("audit", true))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	o.log.LogAttrs(ctx, level, "strata attempt", slog.Attr{Key: "attempt", Value: slog.GroupValue(attrs...)})
}

// limited reports whether a line about subject at level may be written
// at, and returns the attributes it starts with: the count of the lines
// held back before it, if any. A line the logger would not write is not
// counted.
func (o *slogObserver) limited(ctx context.Context, level slog.Level, s lineSubject, at time.Time) ([]slog.Attr, bool) {
	if !o.log.Enabled(ctx, level) {
		return nil, false
	}
	ok, suppressed := o.limit.allow(s, at)
	if !ok {
		return nil, false
	}
	if suppressed > 0 {
		return []slog.Attr{slog.Int("suppressed", suppressed)}, true
	}
	return nil, true
}

func paramsAttr(p Params) slog.Attr {
	attrs := make([]slog.Attr, 0, len(p))
	for k, v := range p {
		attrs = append(attrs, slog.String(k, v))
	}
	return slog.Attr{Key: "params", Value: slog.GroupValue(attrs...)}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// lineSubject is what a limited line is about: a provider (attempts), a
// data type (resolves), a callback.
type lineSubject struct {
	kind EventKind
	name string
}

// lineLimit lets at most max lines per subject through in each window,
// counting the others. Subjects are the config's providers, data types
// and callbacks, so the map stays small. Safe for concurrent use.
type lineLimit struct {
	max    int // negative: no limit
	window time.Duration

	mu       sync.Mutex
	subjects map[lineSubject]*lineWindow // requires mu held
}

type lineWindow struct {
	start      time.Time
	written    int // in the window that began at start
	suppressed int // held back since the last line written
}

// allow reports whether a line about s at time at may be written, and
// how many were held back since the last one that was.
func (l *lineLimit) allow(s lineSubject, at time.Time) (bool, int) {
	if l.max < 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.subjects[s]
	if w == nil {
		w = &lineWindow{start: at}
		l.subjects[s] = w
	}
	if at.Sub(w.start) >= l.window {
		w.start, w.written = at, 0
	}
	if w.written >= l.max {
		w.suppressed++
		return false, 0
	}
	w.written++
	n := w.suppressed
	w.suppressed = 0
	return true, n
}
