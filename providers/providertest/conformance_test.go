package providertest_test

import (
	"context"
	"testing"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/providertest"
)

// cpc returns a request for the keyword, with a Params map of its own.
func cpc(keyword string) providers.Request {
	return providers.Request{DataType: "cpc", Params: map[string]string{"keyword": keyword}}
}

// lookup is the kind of provider a host writes around its own store: a
// providers.Func over a map, with a keyword ("slow") that waits on
// something that never comes, as a real call to a stalled backend does.
func lookup(ctx context.Context, req providers.Request) (providers.Response, error) {
	if err := ctx.Err(); err != nil {
		return providers.Response{}, providers.NewError(providers.Classify(err), err)
	}
	table := map[string]float64{"shoes": 1.25, "boots": 2.5}
	switch k := req.Params["keyword"]; k {
	case "slow":
		<-ctx.Done()
		return providers.Response{}, providers.NewError(providers.Classify(ctx.Err()), ctx.Err())
	case "":
		return providers.Response{}, providers.Errorf(providers.Permanent, "missing keyword")
	default:
		v, ok := table[k]
		if !ok {
			return providers.Response{}, providers.Errorf(providers.Permanent, "no data for %q", k)
		}
		return providers.Response{Value: v}, nil
	}
}

func TestFuncConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Subject {
		slow := cpc("slow")
		return providertest.Subject{
			Provider: providers.Func(lookup),
			Request:  cpc("shoes"),
			Hang:     &slow,
			Failures: []providertest.Failure{
				{Name: "unknown keyword", Request: cpc("sandals"), Class: providers.Permanent},
				{Name: "no keyword", Request: providers.Request{DataType: "cpc"}, Class: providers.Permanent},
			},
		}
	})
}

func TestMinimalSubject(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Subject {
		return providertest.Subject{Provider: providers.Func(lookup), Request: cpc("boots")}
	})
}
