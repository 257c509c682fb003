package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/strata-go/strata/stats"
)

// Series is one benchmark series: its training part and the hold-out
// window to forecast.
type Series struct {
	ID        string
	Frequency int
	Train     []float64
	Test      []float64
	Group     string
}

// groupOrder is the order groups are printed in; others follow sorted.
var groupOrder = []string{"yearly", "quarterly", "monthly", "other"}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// about says what the program does, under the synopsis in -help.
const about = `Scores strata's forecasting methods on series in the M3 layout
(id,frequency,horizon,train,test[,group]): each series' test window is
forecast from its training part, and sMAPE, MASE, the coverage of the 80 %
and 95 % intervals and MSIS are printed per group and overall. With -ref,
the forecasts are also compared with reference forecasts (R's, for M3).`

// usage is the command line's synopsis, printed by -help and with every
// flag error.
const usage = "usage: forecasteval -in FILE [-in FILE...] [-methods m1,m2] [-ref FILE [-ref-method NAME]] [-json] [-out FILE] [-workers N] [-q]"

// run parses args, evaluates and writes the report to stdout. -help prints
// the usage and every flag to stdout and returns nil. Progress lines (a
// line per tenth of the series, per method) go to progress unless it is
// nil or -q is given; main passes stderr when it is a terminal. Nothing
// but the report is written to stdout.
func run(ctx context.Context, args []string, stdout, progress io.Writer) error {
	fs := flag.NewFlagSet("forecasteval", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a flag error is returned, not printed
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\n%s\n\nflags:\n", usage, about)
		fs.PrintDefaults()
	}
	var in multiFlag
	fs.Var(&in, "in", "data `file` in the M3 layout (repeatable)")
	methodsFlag := fs.String("methods", "auto", "comma-separated `methods`, or \"all\" ("+strings.Join(stats.Methods(), ",")+")")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the tables")
	out := fs.String("out", "", "also write every forecast to this CSV `file` (id,method,model,mean,lo80,hi80,lo95,hi95)")
	workers := fs.Int("workers", 1, "series forecast in parallel (0: one per CPU)")
	ref := fs.String("ref", "", "compare with reference forecasts in this CSV `file` (the -out layout, e.g. R's reference_forecasts.csv): per method, the series within 1 % of the reference's method of the same name, and both sMAPEs")
	refMethod := fs.String("ref-method", "", "compare every method with this reference `method` instead of the one of the same name (e.g. ets)")
	quiet := fs.Bool("q", false, "quiet: no progress on stderr (progress is shown only when stderr is a terminal)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil
		}
		return fmt.Errorf("%w\n%s", err, usage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only)\n%s", fs.Arg(0), usage)
	}
	if *quiet || progress == nil {
		progress = io.Discard
	}
	if len(in) == 0 {
		return errors.New("no input: give -in FILE")
	}
	var series []Series
	for _, path := range in {
		s, err := readSeriesFile(path)
		if err != nil {
			return err
		}
		series = append(series, s...)
	}
	meths := strings.Split(*methodsFlag, ",")
	if *methodsFlag == "all" {
		meths = stats.Methods()
	}
	n := *workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	var fcw *csv.Writer
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		bw := bufio.NewWriter(f)
		defer bw.Flush()
		fcw = csv.NewWriter(bw)
		defer fcw.Flush()
		if err := fcw.Write([]string{"id", "method", "model", "mean", "lo80", "hi80", "lo95", "hi95"}); err != nil {
			return err
		}
	}
	var refs map[refKey]refForecast
	if *ref != "" {
		var err error
		if refs, err = readReferenceFile(*ref); err != nil {
			return err
		}
	}
	rep := Report{Methods: map[string]*MethodReport{}}
	start := time.Now()
	for _, m := range meths {
		m = strings.TrimSpace(m)
		fc, err := stats.New(stats.Config{Method: m, MinPoints: 3})
		if err != nil {
			return err
		}
		mr, fcs, err := evaluate(ctx, fc, series, n, func(done int) {
			fmt.Fprintf(progress, "forecasteval: %s %d/%d series (%.1fs)\n", m, done, len(series), time.Since(start).Seconds())
		})
		if err != nil {
			return err
		}
		if refs != nil {
			rm := m
			if *refMethod != "" {
				rm = *refMethod
			}
			mr.Reference = compareReference(series, fcs, refs, rm)
		}
		rep.Methods[m] = mr
		rep.order = append(rep.order, m)
		if fcw != nil {
			for i, s := range series {
				if err := fcw.Write(forecastRow(s, m, fcs[i])); err != nil {
					return err
				}
			}
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeText(stdout)
}

// readSeriesFile reads a file in the M3 layout. The group column is
// optional; without it the group follows the frequency (1 yearly, 4
// quarterly, 12 monthly, other otherwise).
func readSeriesFile(path string) ([]Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := readSeries(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func readSeries(r io.Reader) ([]Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	hdr, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	col := map[string]int{}
	for i, h := range hdr {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"id", "frequency", "horizon", "train", "test"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("header has no %q column", need)
		}
	}
	var out []Series
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		s := Series{ID: get("id"), Group: get("group")}
		if s.Frequency, err = strconv.Atoi(get("frequency")); err != nil || s.Frequency < 1 {
			return nil, fmt.Errorf("line %d: bad frequency %q", line, get("frequency"))
		}
		h, err := strconv.Atoi(get("horizon"))
		if err != nil || h < 1 {
			return nil, fmt.Errorf("line %d: bad horizon %q", line, get("horizon"))
		}
		if s.Train, err = parseNums(get("train")); err != nil {
			return nil, fmt.Errorf("line %d: train: %w", line, err)
		}
		if s.Test, err = parseNums(get("test")); err != nil {
			return nil, fmt.Errorf("line %d: test: %w", line, err)
		}
		if len(s.Test) != h {
			return nil, fmt.Errorf("line %d: test has %d values, horizon is %d", line, len(s.Test), h)
		}
		if len(s.Train) == 0 {
			return nil, fmt.Errorf("line %d: empty train", line)
		}
		if s.Group == "" {
			switch s.Frequency {
			case 1:
				s.Group = "yearly"
			case 4:
				s.Group = "quarterly"
			case 12:
				s.Group = "monthly"
			default:
				s.Group = "other"
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func parseNums(s string) ([]float64, error) {
	f := strings.Fields(s)
	out := make([]float64, len(f))
	for i, v := range f {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// evaluate forecasts every series with fc on n workers and scores them,
// calling done with the number of series forecast at every tenth of them
// (from the calling goroutine).
func evaluate(ctx context.Context, fc *stats.Forecaster, series []Series, n int, done func(int)) (*MethodReport, []stats.Forecast, error) {
	fcs := make([]stats.Forecast, len(series))
	errs := make([]error, len(series))
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	finished := make(chan struct{}, len(series))
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s := series[i]
				fcs[i], errs[i] = fc.Forecast(s.Train, s.Frequency, len(s.Test))
				finished <- struct{}{}
			}
		}()
	}
	var cerr error
	count, step := 0, max(1, len(series)/10)
	report := func() {
		for {
			select {
			case <-finished:
				count++
				if count%step == 0 || count == len(series) {
					done(count)
				}
			default:
				return
			}
		}
	}
	for i := range series {
		if cerr = ctx.Err(); cerr != nil {
			break
		}
		next <- i
		report()
	}
	close(next)
	wg.Wait()
	report()
	if cerr != nil {
		return nil, nil, cerr
	}
	mr := &MethodReport{Groups: map[string]*Scores{}, Seconds: time.Since(start).Seconds()}
	var all acc
	groups := map[string]*acc{}
	for i, s := range series {
		f := fcs[i]
		if errs[i] != nil {
			// Score a refused series as a flat forecast at the last value,
			// and count it.
			f = flat(s.Train[len(s.Train)-1], len(s.Test))
			mr.Refused++
		}
		sc := scoreSeries(s, f)
		all.add(sc)
		g := groups[s.Group]
		if g == nil {
			g = &acc{}
			groups[s.Group] = g
		}
		g.add(sc)
	}
	mr.Overall = all.scores()
	for k, g := range groups {
		mr.Groups[k] = g.scores()
	}
	return mr, fcs, nil
}

// flat is a forecast at v with no intervals.
func flat(v float64, h int) stats.Forecast {
	m := make([]float64, h)
	for i := range m {
		m[i] = v
	}
	return stats.Forecast{Model: "refused", Mean: m}
}

// seriesScore holds one series' measures; NaN where undefined.
type seriesScore struct {
	smape, mase, cov80, cov95, msis float64
}

// scoreSeries computes the M3/M4 measures of f against s.Test.
func scoreSeries(s Series, f stats.Forecast) seriesScore {
	y := s.Test
	h := len(y)
	sc := masScale(s.Train, s.Frequency)
	var sm, ae float64
	for i := range h {
		d := math.Abs(y[i]) + math.Abs(f.Mean[i])
		if d > 0 {
			sm += 200 * math.Abs(y[i]-f.Mean[i]) / d
		}
		ae += math.Abs(y[i] - f.Mean[i])
	}
	out := seriesScore{smape: sm / float64(h), mase: math.NaN(), cov80: math.NaN(), cov95: math.NaN(), msis: math.NaN()}
	if sc > 0 {
		out.mase = ae / float64(h) / sc
	}
	if iv, ok := interval(f, 0.80); ok {
		out.cov80 = coverage(y, iv)
	}
	if iv, ok := interval(f, 0.95); ok {
		out.cov95 = coverage(y, iv)
		if sc > 0 {
			const a = 0.05
			t := 0.0
			for i := range h {
				lo, hi := iv.Lower[i], iv.Upper[i]
				t += hi - lo
				if y[i] < lo {
					t += 2 / a * (lo - y[i])
				}
				if y[i] > hi {
					t += 2 / a * (y[i] - hi)
				}
			}
			out.msis = t / float64(h) / sc
		}
	}
	return out
}

// masScale is the in-sample mean absolute seasonal difference (lag m, or 1
// when m is 1 or the series is not longer than m).
func masScale(x []float64, m int) float64 {
	lag := 1
	if m > 1 && len(x) > m {
		lag = m
	}
	if len(x) <= lag {
		return 0
	}
	s := 0.0
	for t := lag; t < len(x); t++ {
		s += math.Abs(x[t] - x[t-lag])
	}
	return s / float64(len(x)-lag)
}

func interval(f stats.Forecast, level float64) (stats.Interval, bool) {
	for _, iv := range f.Intervals {
		if math.Abs(iv.Level-level) < 1e-9 && len(iv.Lower) >= len(f.Mean) {
			return iv, true
		}
	}
	return stats.Interval{}, false
}

func coverage(y []float64, iv stats.Interval) float64 {
	in := 0
	for i, v := range y {
		if v >= iv.Lower[i] && v <= iv.Upper[i] {
			in++
		}
	}
	return 100 * float64(in) / float64(len(y))
}

// acc accumulates series scores.
type acc struct {
	n                               int
	smape, mase, cov80, cov95, msis float64
	nMase, nCov80, nCov95, nMsis    int
}

func (a *acc) add(s seriesScore) {
	a.n++
	a.smape += s.smape
	addIf(&a.mase, &a.nMase, s.mase)
	addIf(&a.cov80, &a.nCov80, s.cov80)
	addIf(&a.cov95, &a.nCov95, s.cov95)
	addIf(&a.msis, &a.nMsis, s.msis)
}

func addIf(sum *float64, n *int, v float64) {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		*sum += v
		*n++
	}
}

func (a *acc) scores() *Scores {
	div := func(s float64, n int) *float64 {
		if n == 0 {
			return nil
		}
		v := s / float64(n)
		return &v
	}
	return &Scores{
		SMAPE: s0(div(a.smape, a.n)), MASE: div(a.mase, a.nMase),
		Coverage80: div(a.cov80, a.nCov80), Coverage95: div(a.cov95, a.nCov95),
		MSIS: div(a.msis, a.nMsis), Series: a.n,
	}
}

func s0(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// Scores are the mean measures over a set of series. Coverages are in
// percent; a measure no series defines (no intervals, a zero MASE scale)
// is null.
type Scores struct {
	SMAPE      float64  `json:"smape"`
	MASE       *float64 `json:"mase"`
	Coverage80 *float64 `json:"coverage80"`
	Coverage95 *float64 `json:"coverage95"`
	MSIS       *float64 `json:"msis"`
	Series     int      `json:"series"`
}

// MethodReport is one method's scores overall and per group.
type MethodReport struct {
	Overall *Scores            `json:"overall"`
	Groups  map[string]*Scores `json:"groups"`
	Seconds float64            `json:"seconds"`
	Refused int                `json:"refused"`
	// Reference compares the forecasts with -ref's (absent without -ref).
	Reference *Comparison `json:"reference,omitempty"`
}

// Report is the whole evaluation.
type Report struct {
	Methods map[string]*MethodReport `json:"methods"`
	Seconds float64                  `json:"seconds"`
	order   []string
}

func (r *Report) writeText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmtp := func(p *float64, prec int) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatFloat(*p, 'f', prec, 64)
	}
	for _, m := range r.order {
		mr := r.Methods[m]
		fmt.Fprintf(bw, "method %s: %.2f s", m, mr.Seconds)
		if mr.Refused > 0 {
			fmt.Fprintf(bw, ", %d series refused (scored as flat)", mr.Refused)
		}
		fmt.Fprintln(bw)
		fmt.Fprintf(bw, "  %-10s %6s %8s %8s %7s %7s %8s\n", "group", "series", "sMAPE", "MASE", "cov80", "cov95", "MSIS")
		var gs []string
		for _, g := range groupOrder {
			if _, ok := mr.Groups[g]; ok {
				gs = append(gs, g)
			}
		}
		var rest []string
		for g := range mr.Groups {
			if !slices.Contains(groupOrder, g) {
				rest = append(rest, g)
			}
		}
		slices.Sort(rest)
		gs = append(gs, rest...)
		row := func(name string, s *Scores) {
			fmt.Fprintf(bw, "  %-10s %6d %8.2f %8s %7s %7s %8s\n", name, s.Series, s.SMAPE, fmtp(s.MASE, 3), fmtp(s.Coverage80, 1), fmtp(s.Coverage95, 1), fmtp(s.MSIS, 2))
		}
		for _, g := range gs {
			row(g, mr.Groups[g])
		}
		row("all", mr.Overall)
		if c := mr.Reference; c != nil {
			if c.Series == 0 {
				fmt.Fprintf(bw, "  reference %s: no forecasts for these series\n", c.Method)
				continue
			}
			fmt.Fprintf(bw, "  reference %s on %d series: %d within 1 %% (mean |f-r|/|r| over the horizon), %d the same model; sMAPE %.2f vs %.2f (%+.2f %%)\n",
				c.Method, c.Series, c.Within1, c.SameModel, c.SMAPE, c.RefSMAPE, 100*(c.SMAPE-c.RefSMAPE)/c.RefSMAPE)
		}
	}
	fmt.Fprintf(bw, "total %.2f s\n", r.Seconds)
	return bw.Flush()
}

// forecastRow is one line of the -out file.
func forecastRow(s Series, method string, f stats.Forecast) []string {
	nums := func(v []float64) string {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = strconv.FormatFloat(x, 'g', 10, 64)
		}
		return strings.Join(parts, " ")
	}
	row := []string{s.ID, method, f.Model, nums(f.Mean), "", "", "", ""}
	if iv, ok := interval(f, 0.80); ok {
		row[4], row[5] = nums(iv.Lower), nums(iv.Upper)
	}
	if iv, ok := interval(f, 0.95); ok {
		row[6], row[7] = nums(iv.Lower), nums(iv.Upper)
	}
	return row
}
