package fallback

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/internal/lru"
	"github.com/strata-go/strata/stats"
)

// Market adjustment defaults (see MarketConfig).
const (
	DefaultMarketPeers        = 8
	DefaultMarketShrink       = 1.0
	DefaultMarketMaxFactor    = 3.0
	DefaultMarketMinFreshness = 0.5
	DefaultMarketGroups       = 10000
	DefaultMarketSignificance = 2.0
	// MarketPeersLimit is the most peers MarketConfig.MaxPeers may name.
	MarketPeersLimit = 64
)

// MarketConfig is how the statistical layer (layer 4) adjusts a key's
// forecast by what the market shows now. A forecast comes from the key's
// own history, which ends when its providers stopped answering; its peers
// — keys of the same data type sharing a param value with it (see
// DataTypeConfig.CorrelateBy) — may still be answered fresh. For each peer
// with a fresh answer (freshness at least MinFreshness, observed after the
// key's last observation), the move since then is its answer over its own
// history's value in the key's last period. The key's forecast already
// expects a move of its own (forecast over the key's last value); the
// peers' factor is their weighted mean log move less that expected move,
// each peer weighted by its co-movement with the key, (1 + ρ)/2, where ρ
// is the correlation of the two histories' period-over-period log changes
// (½ when they share too few periods to tell). The factor is shrunk
// towards 1 by W/(W + Shrink), W the sum of the weights, and clamped to
// [1/MaxFactor, MaxFactor]. The host's market factor (WithMarketFactor),
// clamped to the default engine's market bounds, multiplies it: it should
// describe a move the history does not hold yet.
//
// The forecast, its intervals and confidence are multiplied through;
// the confidence is further multiplied by 1/(1 + 2d), d the weighted mean
// absolute deviation of the peers' log moves (peers that disagree lower
// it). Result.Market carries the factor, its parts and the peers' keys.
type MarketConfig struct {
	// Disabled turns the adjustment off: forecasts use the key's own
	// history only.
	Disabled bool `yaml:"disabled"`
	// MaxPeers bounds the peers read per forecast (default 8; at most
	// MarketPeersLimit): each costs a history read.
	MaxPeers int `yaml:"max_peers"`
	// Shrink is the weight of the prior "no move" against the peers'
	// evidence (default 1).
	Shrink float64 `yaml:"shrink"`
	// MaxFactor bounds the peers' factor both ways (default 3), at least 1.
	MaxFactor float64 `yaml:"max_factor"`
	// MinFreshness is the least freshness of a peer's answer for it to
	// count as "now" (default 0.5), in [0, 1].
	MinFreshness float64 `yaml:"min_freshness"`
	// Groups bounds the param values whose recently answered keys are
	// remembered (default 10000; at most CapacityLimit).
	Groups int `yaml:"groups"`
	// Significance is how many standard errors the peers' move must stand
	// out of their noise to count (default 2): the noise is the larger of
	// the peers' spread and the data type's learned volatility per period
	// (see PlausibilityConfig), over the square root of the peers' number.
	// Below it the forecast is not adjusted.
	Significance float64 `yaml:"significance"`
}

// fill applies the defaults and checks the settings.
func (c *MarketConfig) fill(p *problems) {
	atMost(p, "forecast.market.max_peers", &c.MaxPeers, DefaultMarketPeers, MarketPeersLimit)
	orDefault(p, "forecast.market.shrink", &c.Shrink, DefaultMarketShrink)
	if orDefault(p, "forecast.market.max_factor", &c.MaxFactor, DefaultMarketMaxFactor) && c.MaxFactor < 1 {
		p.add("forecast.market.max_factor", "must be at least 1, got %v", c.MaxFactor)
	}
	fraction(p, "forecast.market.min_freshness", &c.MinFreshness, DefaultMarketMinFreshness)
	atMost(p, "forecast.market.groups", &c.Groups, DefaultMarketGroups, CapacityLimit)
	orDefault(p, "forecast.market.significance", &c.Significance, DefaultMarketSignificance)
}

// MarketDetail explains a forecast's market adjustment (see MarketConfig).
type MarketDetail struct {
	// Factor multiplied the forecast: Peers × Host.
	Factor float64 `json:"factor"`
	// Peers is the factor the peers' fresh answers gave (1 with none).
	Peers float64 `json:"peers"`
	// Host is the host's market factor (1 without one).
	Host float64 `json:"host"`
	// Sources are the keys of the peers whose answers were used.
	Sources []string `json:"sources,omitempty"`
}

// peerIndex remembers, per data type and param value, the keys most
// recently answered by a provider, so a forecast can find its peers.
type peerIndex struct {
	mu     sync.Mutex
	groups *lru.LRU[string, []string] // requires mu held: newest last
	size   int                        // keys kept per group
}

func newPeerIndex(groups, size int) *peerIndex {
	return &peerIndex{groups: lru.New[string, []string](groups), size: size}
}

// groupsOf returns the group names of a key: one per param value of the
// data type's CorrelateBy params (by default every param not sensitive)
// present in params.
func groupsOf(dt *dataType, params Params) []string {
	var out []string
	names := dt.cfg.CorrelateBy
	if len(names) == 0 {
		for _, sp := range dt.schema.specs {
			if !sp.sensitive {
				names = append(names, sp.name)
			}
		}
	}
	for _, name := range names {
		if v, ok := params[name]; ok && v != "" {
			out = append(out, dt.cfg.Name+"\x00"+name+"\x00"+v)
		}
	}
	return out
}

// add records that key was just answered.
func (pi *peerIndex) add(dt *dataType, key string, params Params) {
	if pi == nil {
		return
	}
	groups := groupsOf(dt, params)
	pi.mu.Lock()
	defer pi.mu.Unlock()
	for _, g := range groups {
		keys, _ := pi.groups.Get(g)
		if n := len(keys); n > 0 && keys[n-1] == key {
			continue // already the newest
		}
		// A new slice: readers (peers) hold the old one outside the lock.
		fresh := make([]string, 0, min(len(keys)+1, pi.size))
		for _, k := range keys {
			if k != key {
				fresh = append(fresh, k)
			}
		}
		if len(fresh) >= pi.size {
			fresh = fresh[len(fresh)-pi.size+1:]
		}
		pi.groups.Put(g, append(fresh, key))
	}
}

// forget removes the keys match matches, for Forget; a group left
// without keys (one named by a value they held) goes with them.
func (pi *peerIndex) forget(match func(string) bool) {
	if pi == nil {
		return
	}
	pi.mu.Lock()
	defer pi.mu.Unlock()
	kept := map[string][]string{}
	pi.groups.Range(func(g string, keys []string) bool {
		if slices.ContainsFunc(keys, match) {
			// A new slice: readers (peers) hold the old one outside the lock.
			kept[g] = slices.DeleteFunc(slices.Clone(keys), match)
		}
		return true
	})
	for g, keys := range kept {
		if len(keys) == 0 {
			pi.groups.Delete(g)
		} else {
			pi.groups.Replace(g, keys)
		}
	}
}

// peers returns up to n keys sharing a group with key, newest first.
func (pi *peerIndex) peers(dt *dataType, key string, params Params, n int) []string {
	if pi == nil {
		return nil
	}
	groups := groupsOf(dt, params)
	pi.mu.Lock()
	lists := make([][]string, 0, len(groups))
	for _, g := range groups {
		if keys, ok := pi.groups.Get(g); ok {
			lists = append(lists, keys)
		}
	}
	pi.mu.Unlock()
	var out []string
	for i := 0; len(out) < n; i++ {
		more := false
		for _, keys := range lists { // round robin over the groups
			if i >= len(keys) {
				continue
			}
			more = true
			k := keys[len(keys)-1-i]
			if k != key && !slices.Contains(out, k) && len(out) < n {
				out = append(out, k)
			}
		}
		if !more {
			break
		}
	}
	return out
}

// peerMove is one peer's evidence: its log move since the key's last
// period and its weight.
type peerMove struct {
	key    string
	move   float64
	weight float64
}

// adjustByMarket applies the market adjustment (see MarketConfig) to the
// forecast res of key, whose regular series ends with its last period's
// value, observed at lastAt.
func (r *Resolver) adjustByMarket(ctx context.Context, dt *dataType, key string, params Params, series []float64, lastAt time.Time, res Result, now time.Time) Result {
	mc := r.cfg.Forecast.Market
	if mc.Disabled || len(series) == 0 {
		return res
	}
	peers := r.peerFactor(ctx, dt, key, params, series, lastAt, res.Value, now)
	host := 1.0
	if r.market != nil {
		if v, ok := r.market.Factor(ctx, dt.cfg.Name, params); ok && v > 0 && !math.IsInf(v, 0) {
			b := r.cfg.Defaults.MarketBounds
			if b == (defaults.Bounds{}) {
				b = defaults.Bounds{Min: defaults.DefaultFactorMin, Max: defaults.DefaultFactorMax}
			}
			host = min(max(v, b.Min), b.Max)
		}
	}
	if peers.factor == 1 && host == 1 {
		return res
	}
	f := peers.factor * host
	v := res.Value * f
	if checkValue(dt, v) != nil {
		return res // the adjusted forecast leaves the bounds: not trusted
	}
	res.Value = v
	// The intervals are this resolve's own (see fitted).
	for i := range res.Intervals {
		res.Intervals[i].Lower *= f
		res.Intervals[i].Upper *= f
	}
	res.Confidence /= 1 + 2*peers.spread
	res.Market = &MarketDetail{Factor: f, Peers: peers.factor, Host: host, Sources: peers.sources}
	return res
}

// peerEvidence is the peers' factor, how much they disagreed, and who
// they were.
type peerEvidence struct {
	factor  float64
	spread  float64
	sources []string
}

// peerFactor reads key's peers and returns their factor (1 with none).
func (r *Resolver) peerFactor(ctx context.Context, dt *dataType, key string, params Params, series []float64, lastAt time.Time, forecast float64, now time.Time) peerEvidence {
	mc := r.cfg.Forecast.Market
	none := peerEvidence{factor: 1}
	last := series[len(series)-1]
	if !(last > 0) || !(forecast > 0) {
		return none
	}
	names := r.peers.peers(dt, key, params, mc.MaxPeers)
	if len(names) == 0 {
		return none
	}
	lastPeriod := dt.cfg.Period.Index(lastAt)
	ctx, cancel := r.localBound(ctx)
	defer cancel()
	var moves []peerMove
	for _, peer := range names {
		if ctx.Err() != nil {
			break
		}
		e, ok := r.cache.LastGood(peer)
		if !ok || !e.ObservedAt.After(lastAt) || !(e.Value > 0) ||
			cache.Freshness(now.Sub(e.ObservedAt), dt.cfg.HalfLife) < mc.MinFreshness {
			continue
		}
		obs, _, err := r.readHistory(ctx, dt, peer, false)
		if err != nil || len(obs) == 0 {
			continue
		}
		pseries, pend := stats.Regularize(obs, dt.cfg.Period, r.cfg.Forecast.MaxPoints)
		// The peer's value in the key's last period (or its latest before).
		i := len(pseries) - 1 - int(pend-lastPeriod)
		if i < 0 || i >= len(pseries) || !(pseries[i] > 0) {
			continue
		}
		move := math.Log(e.Value / pseries[i])
		if math.IsInf(move, 0) {
			// A ratio no float64 holds (5e-324 to 1): taken, the spread
			// was NaN (+Inf less +Inf), and so was the confidence.
			continue
		}
		moves = append(moves, peerMove{
			key:    peer,
			move:   move,
			weight: (1 + coMovement(series, pseries[:i+1])) / 2,
		})
	}
	if len(moves) == 0 {
		return none
	}
	var w, mean float64
	for _, m := range moves {
		w += m.weight
		mean += m.weight * m.move
	}
	if w == 0 {
		return none
	}
	mean /= w
	var spread float64
	for _, m := range moves {
		spread += m.weight * math.Abs(m.move-mean)
	}
	spread /= w
	move := mean - math.Log(forecast/last)
	// A move within the peers' own noise is no evidence: the larger of
	// their spread and the data type's learned volatility, over √n.
	noise := max(spread, r.plaus.sigma(dt)) / math.Sqrt(float64(len(moves)))
	if math.Abs(move) <= mc.Significance*noise {
		return none
	}
	lf := move * w / (w + mc.Shrink)
	lim := math.Log(mc.MaxFactor)
	lf = min(max(lf, -lim), lim)
	ev := peerEvidence{factor: math.Exp(lf), spread: spread}
	for _, m := range moves {
		ev.sources = append(ev.sources, m.key)
	}
	return ev
}

// coMovementPeriods is how many trailing periods coMovement compares, and
// minCoMovement the fewest it needs to tell.
const (
	coMovementPeriods = 60
	minCoMovement     = 8
)

// coMovement is the correlation of the period-over-period log changes of
// two series over their last common periods (their ends aligned), 0 when
// they share too few to tell.
func coMovement(a, b []float64) float64 {
	n := min(len(a), len(b), coMovementPeriods+1)
	if n-1 < minCoMovement {
		return 0
	}
	a, b = a[len(a)-n:], b[len(b)-n:]
	var da, db []float64
	for i := 1; i < n; i++ {
		if a[i-1] > 0 && a[i] > 0 && b[i-1] > 0 && b[i] > 0 {
			da = append(da, math.Log(a[i]/a[i-1]))
			db = append(db, math.Log(b[i]/b[i-1]))
		}
	}
	if len(da) < minCoMovement {
		return 0
	}
	c := stat.Correlation(da, db, nil)
	if math.IsNaN(c) {
		return 0
	}
	return c
}

// checkCorrelateBy checks that a data type's CorrelateBy names declared
// params that are not sensitive; params maps each declared name to its
// index in dt.Params (fillParams).
func (dt *DataTypeConfig) checkCorrelateBy(p *problems, path string, params map[string]int) {
	dt.CorrelateBy = slices.Clone(dt.CorrelateBy)
	for i, name := range dt.CorrelateBy {
		j, ok := params[name]
		switch {
		case !ok:
			p.add(fmt.Sprintf("%s.correlate_by[%d]", path, i), "param %s is not declared in params", quote(name))
		case dt.Params[j].Sensitive:
			p.add(fmt.Sprintf("%s.correlate_by[%d]", path, i), "param %q is sensitive: its values do not group keys", name)
		}
	}
}
