// Command goalparser reads marketing goals written as a person writes them
// and says whether each is feasible, from benchmarks resolved through
// strata:
//
//	go run ./examples/goalparser [flags] "GOAL"...
//	go run ./examples/goalparser 'increase qualified leads by 20% in Q3 with a $50k budget' \
//	    'cut CPA to $35 by March' 'double organic traffic this year'
//	go run ./examples/goalparser -json -outage all 'cut CPA to $35 by March'
//
// (single quotes keep the shell from reading "$50k" as a variable)
//
// Each goal is parsed by package goal into a metric, a direction, an
// amount and unit, a deadline and a budget; a goal that cannot be read
// gets an error naming the part that could not be read. The benchmarks
// the goal needs are resolved through one strata resolver, and the goal
// gets a verdict — realistic, stretch or unrealistic — with the numbers
// and the confidence behind it.
//
// Flags:
//
//	-json            one JSON object per goal, one a line (below)
//	-now YYYY-MM-DD  the day deadlines count from (default today)
//	-outage MODE     none; primary: the benchmark API is down, the industry
//	                 reports answer; all: both are down, and the answers
//	                 come from forecasts and defaults
//	-seed N          seed of the fake benchmark data (default 7)
//	-industry NAME   industry the benchmarks are for (default saas)
//	-market CC       two-letter market (default us)
//	-horizon N       months a goal without a deadline is judged over (12)
//	-history N       months of metric_growth history preloaded for the
//	                 statistical layer (24; 0 for none, at most 1200)
//	-help            the usage and every flag (exit status 0)
//
// A bad flag value is refused before any goal, naming the flag and what it
// wants ("-market \"usa\": want a two-letter market code, such as us, gb
// or de"); codes and modes are read in any case.
//
// The exit status is 1, after every goal has been written, when any goal
// could not be read or judged; 0 otherwise.
//
// # Benchmarks
//
// The embedded config.yaml declares three data types, each with the
// params metric (goal.Metric), industry and market, and a default per
// metric. The numbers are illustrative benchmarks for a mid-sized
// advertiser, not published statistics; money is USD.
//
//   - metric_growth: the improvement of the metric a team can sustain per
//     month, as a fraction, in the metric's better direction (leads 0.05,
//     qualified leads 0.04, organic traffic 0.03, revenue 0.03, CPA 0.03,
//     CTR 0.03, ROAS 0.025, retention 0.01...).
//   - metric_level: the metric's typical level, in its own units (leads
//     800 a month, CPA $45, CTR 3.2%, ROAS 3.5x, revenue $400,000 a
//     month...). A goal that states its current level ("from 2% to 3%")
//     uses that instead, and this benchmark is not resolved.
//   - cost_per_result: for a volume (a count, revenue, MRR, ARR), the USD
//     that buy one more unit a month (a lead $55, a signup $30, a dollar
//     of revenue $0.30); for a rate, ratio or cost, the USD per 1% of
//     relative improvement (CPA $400, CTR $250). Resolved only for a goal
//     with a budget.
//
// Two fake providers answer them, deterministically: benchmarks_api
// (primary, confidence 0.9, $0.02 a request) answers the default within
// ±15%, varied per industry and market by a hash of the request and the
// seed; industry_reports (secondary, confidence 0.7, free) a further ±8%
// off. When both are down, metric_growth is forecast from the preloaded
// history (statistical layer) and the others come from the defaults.
//
// # The verdict
//
// The goal's time is the months from -now to its deadline, counting the
// deadline's day (days / 30.44); for a growth rate with a basis, the
// basis ("15% QoQ" is 15% in 3 months; YoY 12, MoM 1, WoW 0.23); without
// either, -horizon months.
//
// The current level C is the goal's stated baseline or the metric_level
// benchmark, and the target is T = goal.Target(C). The required pace is
// the compounded monthly change from C to T over the goal's months M:
//
//	required = (T/C)^(1/M) − 1   when T > C
//	required = 1 − (T/C)^(1/M)   when T < C
//
// and, with g the metric_growth benchmark:
//
//	required ≤ g                  realistic
//	required ≤ max(2g, upper)     stretch (upper: the top of the
//	                              benchmark's widest prediction interval,
//	                              when it came from a forecast)
//	otherwise                     unrealistic
//
// Special cases:
//
//   - A target that cannot exist — a rate above 100%, a level at or below
//     zero ("cut CPA by $60" from $45) — is unrealistic.
//   - A target within 0.5% of C, or one to reach that the metric is
//     already better than ("CPA under $50" when it is $45), is met:
//     realistic, required 0.
//   - A goal that moves the metric the worse way ("increase CPA by 10%",
//     "increase CPA to $60") is flagged, not refused: wrong_way is set and
//     a note says so, and it is judged as a change of that size, since the
//     benchmark bounds how fast the metric moves. Making a metric worse
//     on purpose (buying pricier traffic) is a choice, not a feasibility
//     question, and package goal accepts such goals for the same reason.
//
// # The budget
//
// A goal with a budget needs at least, with p the cost_per_result:
//
//	volume:      (T − C) × p      one month of the extra results at the target
//	otherwise:   p × 100 × |T/C − 1|
//
// nothing when it is met. A budget below that downgrades the verdict one
// step (realistic to stretch, stretch to unrealistic). A budget or amount
// in another currency than USD is compared at face value, with a note.
//
// # Confidence
//
// The verdict's confidence is the mean confidence of the figures it used
// (metric_growth always, metric_level unless the goal states its level,
// cost_per_result when it has a budget), times 0.8 for each figure that
// came from a degraded layer (statistical or default):
//
//	confidence = mean(c_i) × 0.8^degraded
//
// so three primary answers give 0.90, three secondary 0.70, and three
// defaults (0.32 each) 0.16. The text names the degraded figures.
//
// # Output
//
// As text, a block per goal: the goal, the parsed goal, the verdict and
// confidence, the current and target levels, the pace needed and the
// benchmark's, the budget check, notes, the degraded figures and every
// figure with its value, layer, source and confidence; then a summary line
// with the verdicts, the layers that answered and the data cost.
//
// With -json, one object per goal on its own line, always with
//
//	goal        the text
//	parsed      the goal (package goal's JSON: metric, direction, amount,
//	            unit, deadline, budget, ...), null when it could not be read
//	verdict     "realistic", "stretch" or "unrealistic"; null on error
//	confidence  in [0, 1], two decimals; null on error
//	error       the message naming the unreadable part; null on success
//
// and, for a judged goal, months, months_from (deadline, basis or
// horizon), current, current_from (goal or benchmark), target,
// required_monthly, benchmark_monthly, stretch_monthly, budget_needed
// (with a budget), wrong_way, degraded, notes and benchmarks (data_type,
// params, value, layer, source, confidence, lower/upper of a forecast's
// interval, cost). A parse error adds error_field, the part of the goal
// that could not be read ("metric", "amount", "deadline", "budget"...).
package main
