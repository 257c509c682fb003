package fallback

import (
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"sync"

	"github.com/strata-go/strata/stats"
)

// fleetState is what a resolver keeps for the state it shares with other
// instances: the writer's queues, the shared history and the health bus.
type fleetState struct {
	instance string // this resolver's name on the health bus

	// The writer is one goroutine that writes good answers to the shared
	// tier and observations to the shared history, and publishes breaker
	// transitions, off every caller's path.
	writes chan sharedWrite // nil: no shared tier nor shared history
	outbox chan HealthEvent // nil: fleet health off
	writer taskKind         // the writer, for Close's report
	holds  writeHolds       // Forget's holds on the writes

	history stats.History // the shared history; nil: none
	once    OnceAppender  // history's AppendOnce; nil when it has none
	bus     HealthBus     // nil: fleet health off

	historyGet, historyAppend, publish, subscribe taskKind

	rngMu sync.Mutex
	rng   *mrand.Rand // requires rngMu held: the shared answers' jitter (storeGet)
}

// draw returns a uniform number in [0, 1) from the resolver's seeded
// source.
func (f *fleetState) draw() float64 {
	f.rngMu.Lock()
	defer f.rngMu.Unlock()
	return f.rng.Float64()
}

// startFleet sets the resolver's fleet state up from the options and the
// resolver's seed, and starts the writer and the health bus's listener;
// New calls it last.
func (r *Resolver) startFleet(o *options, seed uint64) {
	f := &r.fleet
	f.rng = mrand.New(mrand.NewPCG(seed, 0xf1ee7))
	f.writer = taskKind{name: "writer"}
	f.historyGet = taskKind{name: "shared history.Observations"}
	f.historyAppend = taskKind{name: "shared history.Append"}
	f.publish = taskKind{name: "health bus.Publish"}
	f.subscribe = taskKind{name: "health bus.Subscribe"}
	if r.store != nil || o.sharedHistory != nil {
		f.writes = make(chan sharedWrite, r.cfg.Cache.WriteQueue)
	}
	if o.sharedHistory != nil {
		f.history = o.sharedHistory
		f.once, _ = o.sharedHistory.(OnceAppender)
		r.history = &tieredHistory{r: r, local: r.history}
	}
	if r.cfg.FleetHealth.Enabled {
		var id [8]byte
		_, _ = rand.Read(id[:]) // never fails (crypto/rand)
		f.instance = hex.EncodeToString(id[:])
		f.bus = o.healthBus
		f.outbox = make(chan HealthEvent, r.cfg.FleetHealth.Queue)
		if r.tasks.add(&f.subscribe) {
			go r.listen()
		}
	}
	if (f.writes != nil || f.outbox != nil) && r.tasks.add(&f.writer) {
		go r.write()
	}
}
