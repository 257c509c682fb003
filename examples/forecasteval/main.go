// Command forecasteval scores strata's forecasting methods on benchmark
// series in the layout of the M3 data set (id,frequency,horizon,train,test
// [,group]): every series' hold-out horizon is forecast from its training
// part with each method, and the M3/M4 accuracy measures are printed per
// frequency group and overall.
//
//	go run ./examples/forecasteval -in m3_dev700.csv [-in more.csv] \
//	    [-methods auto,ses,theta] [-json] [-out forecasts.csv] [-workers 1]
//
// Measures (each averaged per series over the horizon, then over series):
// sMAPE (M3 definition, %), MASE (scaled by the in-sample mean absolute
// seasonal difference), the coverage of the 80 % and 95 % intervals (%),
// and MSIS (M4, 95 % interval, same scale as MASE). With -out every
// forecast is written as id,method,model,mean,lo80,hi80,lo95,hi95
// (space-separated numbers per cell), the layout R's score.R reads.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "forecasteval:", err)
		os.Exit(1)
	}
}
