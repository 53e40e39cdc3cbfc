package reward

import (
	"os"
	"syscall"
	"testing"
)

// cpuTime returns the process's user and system CPU time in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchEpisodes times one episode of the first job of a shipped file
// (its per-step loop allocates nothing but the recorded steps, which are
// off here). cpu-ns/op is the process's CPU time per episode, steadier
// than ns/op on a busy machine.
func benchEpisodes(b *testing.B, file string, overrides ...string) {
	data, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	t := &testing.T{}
	e := load(t, file, string(data), append(overrides, "record.steps_every=0", "episodes=1000000")...)
	eps, err := NewEpisodes(e.jobs[0])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		if _, _, err := eps.Next(false, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkConditioningTrial: one 25-step trial of the TD critic over a
// complete serial compound.
func BenchmarkConditioningTrial(b *testing.B) { benchEpisodes(b, "../conditioning.toml") }

// BenchmarkSpikingCriticTrial: the same trial with the spiking critic
// (100 neurons, 40 inputs per feature, 2500 steps of 1 ms).
func BenchmarkSpikingCriticTrial(b *testing.B) { benchEpisodes(b, "../conditioning_spiking.toml") }

// BenchmarkSpikingBanditTrial: one trial of the spiking actor (450 ms of
// the 250-neuron circuit with R-STDP, per-step).
func BenchmarkSpikingBanditTrial(b *testing.B) { benchEpisodes(b, "../bandit_spiking.toml") }

// An episode allocates nothing (steps not recorded), for every agent of
// the shipped files and both critics.
func TestEpisodeAllocatesNothing(t *testing.T) {
	for _, file := range []string{"../conditioning.toml", "../conditioning_spiking.toml", "../bandit.toml", "../bandit_spiking.toml", "../gridworld.toml", "../cartpole.toml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		e := load(t, file, string(data), "record.steps_every=0", "episodes=1000", "seeds=1")
		for _, j := range e.jobs {
			eps, err := NewEpisodes(j)
			if err != nil {
				t.Fatal(err)
			}
			eps.Next(false, nil) // first episode: a bandit draws its arms' order
			if a := testing.AllocsPerRun(5, func() { eps.Next(false, nil) }); a != 0 {
				t.Errorf("%s, %s %s: %g allocations per episode", file, j.Agent.ID(), j.Condition, a)
			}
		}
	}
	// The acrobot's episodes, cut short: hundreds of steps over its 5000
	// tile features otherwise.
	data, err := os.ReadFile("../acrobot.toml")
	if err != nil {
		t.Fatal(err)
	}
	e := load(t, "acrobot.toml", string(data), "record.steps_every=0", "seeds=1", "environment.max_steps=40")
	for _, j := range e.jobs {
		eps, err := NewEpisodes(j)
		if err != nil {
			t.Fatal(err)
		}
		if a := testing.AllocsPerRun(2, func() { eps.Next(false, nil) }); a != 0 {
			t.Errorf("acrobot.toml, %s: %g allocations per episode", j.Agent.ID(), a)
		}
	}
}

// BenchmarkDistalRewardSecond: one second (one episode) of the
// distal-reward hour, rewarded condition (1000 Izhikevich neurons, 100 000
// plastic synapses, event-driven R-STDP): the number per second of the
// hour's CPU time (the network fires more as the hour goes on).
func BenchmarkDistalRewardSecond(b *testing.B) { benchEpisodes(b, "../distal_reward.toml") }

// BenchmarkDistalControlSecond: the same second of the control condition
// (no reward: the dopamine stays at its tonic level).
func BenchmarkDistalControlSecond(b *testing.B) {
	benchEpisodes(b, "../distal_reward.toml", "environment.reward=0")
}
