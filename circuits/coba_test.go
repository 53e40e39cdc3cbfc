package circuits

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/neuron"
)

// spikeStatsOf are the statistics of a simulated network that the
// Brian2 comparisons check.
type spikeStatsOf struct {
	// Rate is the mean rate over the whole run, Late over the steps from
	// skipMs on (Hz).
	Rate, Late float64
	// CV is the mean coefficient of variation (std with ddof = 0 over
	// mean) of the inter-spike intervals from skipMs on, over the neurons
	// with at least 3 spikes (Neurons of them).
	CV      float64
	Neurons int
	// Fano is the Fano factor of the population's spike count in 1-ms
	// bins from skipMs on.
	Fano float64
}

// spikeStats steps c for steps steps without input and returns the
// statistics that docs/reference/coba_brian2.py and brunel_brian2.py
// print, spikes stamped at the start of their step as Brian2 stamps them.
func spikeStats(c *Circuit, steps int, skipMs float64) spikeStatsOf {
	var offsets []int
	n := 0
	for _, p := range c.Pops {
		offsets = append(offsets, n)
		n += p.Len()
	}
	times := make([][]float64, n)
	bins := make([]float64, max(1, int(math.Round(float64(steps)*c.DtMs-skipMs))))
	late := 0
	start := c.SpikeCount
	for s := range steps {
		c.Step(nil)
		t := float64(s) * c.DtMs
		if t < skipMs {
			continue
		}
		for p, pop := range c.Pops {
			sp := pop.(neuron.Spiking).Spikes()
			late += len(sp)
			bins[min(len(bins)-1, int(t-skipMs))] += float64(len(sp))
			for _, i := range sp {
				times[offsets[p]+int(i)] = append(times[offsets[p]+int(i)], t)
			}
		}
	}
	var st spikeStatsOf
	st.Rate = float64(c.SpikeCount-start) / float64(n) / (float64(steps) * c.DtMs / 1000)
	st.Late = float64(late) / float64(n) / ((float64(steps)*c.DtMs - skipMs) / 1000)
	sum := 0.0
	for _, ts := range times {
		if len(ts) < 3 {
			continue
		}
		var m, m2 float64
		for k := 1; k < len(ts); k++ {
			m += ts[k] - ts[k-1]
		}
		m /= float64(len(ts) - 1)
		for k := 1; k < len(ts); k++ {
			d := ts[k] - ts[k-1] - m
			m2 += d * d
		}
		sum += math.Sqrt(m2/float64(len(ts)-1)) / m
		st.Neurons++
	}
	st.CV = sum / float64(st.Neurons)
	bm := mean(bins)
	v := 0.0
	for _, b := range bins {
		v += (b - bm) * (b - bm)
	}
	st.Fano = v / float64(len(bins)) / bm
	return st
}

// brianStats reads the statistics that a Brian2 reference script
// (docs/reference/*_brian2.py) printed into file, one line per seed:
// "spikes … mean rate R Hz, mean CV of ISIs C (…)", followed on Brunel's
// lines by ", Fano factor … in 1 ms bins F" (fanos empty where absent).
func brianStats(t *testing.T, file string) (rates, cvs, fanos []float64) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		_, after, ok := strings.Cut(line, "mean rate ")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		r, after, _ := strings.Cut(after, " Hz, mean CV of ISIs ")
		c, after, _ := strings.Cut(after, " ")
		rv, err1 := strconv.ParseFloat(r, 64)
		cv, err2 := strconv.ParseFloat(c, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: bad line %q", file, line)
		}
		rates, cvs = append(rates, rv), append(cvs, cv)
		if _, fs, ok := strings.Cut(after, "in 1 ms bins "); ok {
			fv, err := strconv.ParseFloat(strings.TrimSpace(fs), 64)
			if err != nil {
				t.Fatalf("%s: bad line %q", file, line)
			}
			fanos = append(fanos, fv)
		}
	}
	if len(rates) < 3 {
		t.Fatalf("%s: %d seeds, want at least 3", file, len(rates))
	}
	return rates, cvs, fanos
}

func TestCOBACircuit(t *testing.T) {
	c := buildBuiltin(t, "coba", 1)
	checkBenchmarkLinks(t, c)
	for _, p := range c.Pops {
		z, ok := p.(*neuron.COBA)
		if !ok {
			t.Fatalf("population of %T, want *neuron.COBA", p)
		}
		if z.IBiasMV != 20 || z.EInhMV != -80 {
			t.Fatalf("parameters %+v not the file's", z.COBAParams)
		}
		for _, v := range z.V {
			if v < -60 || v >= -50 {
				t.Fatalf("initial v %g outside [-60, -50)", v)
			}
		}
	}
	stepsAllocateNothing(t, c, 500, 500)
}

// TestCOBAMatchesBrian2 checks that circuits/coba.toml is the network of
// Brian2's COBA benchmark: its mean rate and mean CV of inter-spike
// intervals over 1 s fall in the range Brian2 2.5.1 gave on five seeds
// (testdata/coba_brian2.txt, made once by
//
//	for s in 1 2 3 4 5; do /usr/bin/python3 docs/reference/coba_brian2.py 1 $s; done
//
// ) widened by 15 % of its mean for the rate and 0.15 for the CV.
func TestCOBAMatchesBrian2(t *testing.T) {
	rates, cvs, _ := brianStats(t, "testdata/coba_brian2.txt")
	lo := func(x []float64, m float64) float64 { return minOf(x) - m }
	hi := func(x []float64, m float64) float64 { return maxOf(x) + m }
	rm := 0.15 * mean(rates)
	for seed := uint64(1); seed <= 2; seed++ {
		c := buildBuiltin(t, "coba", seed)
		st := spikeStats(c, 10000, 200)
		rate, cv, n := st.Rate, st.CV, st.Neurons
		t.Logf("seed %d: rate %.3f Hz, CV %.4f (%d neurons); Brian2 rates %v, CVs %v", seed, rate, cv, n, rates, cvs)
		if rate < lo(rates, rm) || rate > hi(rates, rm) {
			t.Errorf("seed %d: rate %.3f Hz outside Brian2's [%.3f, %.3f] ± %.3f", seed, rate, minOf(rates), maxOf(rates), rm)
		}
		if cv < lo(cvs, 0.15) || cv > hi(cvs, 0.15) {
			t.Errorf("seed %d: CV %.4f outside Brian2's [%.4f, %.4f] ± 0.15", seed, cv, minOf(cvs), maxOf(cvs))
		}
		if n < 1000 {
			t.Errorf("seed %d: only %d neurons with 3 spikes after 200 ms", seed, n)
		}
	}
}

func minOf(x []float64) float64 {
	m := x[0]
	for _, v := range x {
		m = min(m, v)
	}
	return m
}

func maxOf(x []float64) float64 {
	m := x[0]
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// BenchmarkCOBACircuit simulates 1 s of circuits/coba.toml (10000 steps of
// 0.1 ms) per op; construction is not timed.
func BenchmarkCOBACircuit(b *testing.B) { benchCircuitSecond(b, "coba") }

// Projections onto a coba population carry conductances: sparse, >= 0.
func TestCOBAProjectionsAreConductances(t *testing.T) {
	base, ok := Builtin("coba")
	if !ok {
		t.Fatal("no built-in coba")
	}
	for _, c := range []struct{ from, to, want string }{
		{"weight = 6.7             # g_i increment: the inhibitory channel", "weight = -6.7", "coba.toml:77: projection[ie].weight: a conductance increment onto a coba population must be >= 0"},
		{"[[projection]]\nname = \"ee\"\nfrom = \"exc\"\nto = \"exc\"\nconnectivity = \"sparse\"\np = 0.02\nweight = 0.6",
			"[[projection]]\nname = \"ee\"\nfrom = \"exc\"\nto = \"exc\"", "coba.toml:55: projection[ee].connectivity: a coba population (\"exc\") takes sparse projections only"},
		{"tau_syn_i_ms = 10.0\ne_exc_mv = 0.0\ne_inh_mv = -80.0\n\n[[population]]", "tau_syn_i_ms = 10.0\ne_exc_mv = 0.0\ne_inh_mv = 5.0\n\n[[population]]", "coba.toml:36: population[exc].coba.e_inh_mv: must be below e_exc_mv"},
		{"model = \"coba\"\ninit_v_uniform_mv = [-60.0, -50.0]   # uniform", "model = \"coba\"\ntau_m_ms = 10.0\ninit_v_uniform_mv = [-60.0, -50.0]   # uniform", "coba.toml:25: population[exc].tau_m_ms: applies only to model = \"lif\""},
	} {
		src := strings.Replace(string(base), c.from, c.to, 1)
		if src == string(base) {
			t.Fatalf("edit %q not found in coba.toml", c.from)
		}
		_, err := Parse("coba.toml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.to, err, c.want)
		}
	}
}
