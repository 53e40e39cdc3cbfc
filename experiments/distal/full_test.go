package distal

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestFullRun runs ../izhikevich2007.toml and writes its outputs into the
// directory named by DOPA_DISTAL_OUT; it is skipped when that is unset.
// DOPA_DISTAL_SET takes overrides as in --set, separated by spaces
// ("duration_s=60 seeds=4"). The one-hour run takes a few minutes:
//
//	DOPA_DISTAL_OUT=/tmp/distal go test ./experiments/distal -run TestFullRun -v -timeout 0
func TestFullRun(t *testing.T) {
	out := os.Getenv("DOPA_DISTAL_OUT")
	if out == "" {
		t.Skip("DOPA_DISTAL_OUT not set")
	}
	const file = "../izhikevich2007.toml"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := Parse(file, data)
	if err != nil {
		t.Fatal(err)
	}
	sets := strings.Fields(os.Getenv("DOPA_DISTAL_SET"))
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := spec.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(context.Background(), spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(out, res); err != nil {
		t.Fatal(err)
	}
	sum := Summarize(res)
	for _, r := range sum.Runs {
		t.Logf("%s seed %d: rewarded weight %.3f (last %gs %.3f, percentile %.2f), others mean %.3f median %.3f above 90%% %.4f, rewards %v, pairings %d, spikes %d, sim %.1fs, wall %.1fs",
			r.Condition, r.Seed, *r.RewardedWeight, r.LastS, *r.RewardedWeightLast, *r.RewardedWeightPercentile,
			*r.MeanOtherWeight, *r.MedianOtherWeight, *r.FractionOtherAbove90pct, deref(r.Rewards), *r.Pairings,
			*r.SpikeCount, *r.SimSeconds, *r.WallSeconds)
	}
	for _, c := range sum.Checks {
		t.Logf("check %s seed %d: %s = %.4f (%s) pass=%v", c.Condition, c.Seed, c.What, c.Value, c.Bound, c.Pass)
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
