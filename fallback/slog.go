package fallback

import (
	"context"
	"log/slog"
)

// SlogObserver returns an Observer that logs every event to logger: resolve
// events at Info (Warn when the resolve failed), attempts at Debug (Warn
// when they failed), breaker changes at Warn. Params are the redacted
// copies events carry; secrets never reach an event.
func SlogObserver(logger *slog.Logger) Observer {
	return ObserverFunc(func(ctx context.Context, e Event) {
		switch e.Kind {
		case EventResolve:
			level := slog.LevelInfo
			if e.Err != nil {
				level = slog.LevelWarn
			}
			if !logger.Enabled(ctx, level) {
				return
			}
			attrs := []slog.Attr{
				slog.String("data_type", e.DataType),
				slog.Any("params", map[string]string(e.Params)),
				slog.String("layer", e.Layer.String()),
				slog.String("source", e.Source),
				slog.Float64("value", e.Value),
				slog.Float64("confidence", e.Confidence),
				slog.Float64("cost", e.Cost),
				slog.Duration("latency", e.Latency),
			}
			if e.Shared {
				attrs = append(attrs, slog.Bool("shared", true))
			}
			if e.Err != nil {
				attrs = append(attrs, slog.String("error", e.Err.Error()))
			}
			logger.LogAttrs(ctx, level, "strata resolve", attrs...)
		case EventAttempt:
			level := slog.LevelDebug
			if e.Outcome == Failed {
				level = slog.LevelWarn
			}
			if !logger.Enabled(ctx, level) {
				return
			}
			attrs := []slog.Attr{
				slog.String("data_type", e.DataType),
				slog.Any("params", map[string]string(e.Params)),
				slog.String("provider", e.Provider),
				slog.String("outcome", e.Outcome.String()),
				slog.Duration("latency", e.Latency),
				slog.Float64("cost", e.Cost),
			}
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
			if e.Err != nil {
				attrs = append(attrs, slog.String("error", e.Err.Error()))
			}
			logger.LogAttrs(ctx, level, "strata attempt", attrs...)
		case EventBreaker:
			logger.LogAttrs(ctx, slog.LevelWarn, "strata breaker",
				slog.String("provider", e.Provider), slog.String("from", e.From), slog.String("to", e.To), slog.String("reason", e.Source))
		}
	})
}
