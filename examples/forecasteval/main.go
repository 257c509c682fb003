// Command forecasteval scores strata's forecasting methods on benchmark
// series in the layout of the M3 data set (id,frequency,horizon,train,test
// [,group]): every series' hold-out horizon is forecast from its training
// part with each method, and the M3/M4 accuracy measures are printed per
// frequency group and overall.
//
//	go run ./examples/forecasteval -in m3_dev700.csv [-in more.csv] \
//	    [-methods auto,ses,theta] [-json] [-out forecasts.csv] [-workers 1]
//	go run ./examples/forecasteval -in m3_dev700.csv -methods arima \
//	    -ref reference_forecasts.csv    # against R's auto.arima
//	go run ./examples/forecasteval -help  # every flag
//
// Measures (each averaged per series over the horizon, then over series):
// sMAPE (M3 definition, %), MASE (scaled by the in-sample mean absolute
// seasonal difference), the coverage of the 80 % and 95 % intervals (%),
// and MSIS (M4, 95 % interval, same scale as MASE). With -out every
// forecast is written as id,method,model,mean,lo80,hi80,lo95,hi95
// (space-separated numbers per cell), the layout R's score.R reads. With
// -ref each method's forecasts are compared with reference forecasts in
// the same layout (the M3 data set's reference_forecasts.csv holds R's):
// how many series are within 1 % of the reference (mean absolute relative
// difference over the horizon), how many have the same model name (case
// aside), and both sMAPEs on the compared series.
//
// Over many series the run takes a while: a progress line per tenth of the
// series goes to stderr when stderr is a terminal (never with -q, never to
// stdout).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var progress io.Writer
	if isTerminal(os.Stderr) {
		progress = os.Stderr
	}
	if err := run(ctx, os.Args[1:], os.Stdout, progress); err != nil {
		fmt.Fprintln(os.Stderr, "forecasteval:", err)
		os.Exit(1)
	}
}

// isTerminal reports whether f is a terminal (a character device), where
// progress lines are welcome; a pipe or a file gets none.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
