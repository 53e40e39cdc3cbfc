package reward

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/experiments/env"
	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
	"github.com/dopa-sim/dopa/modulator"
)

const arenaMaze = `kind = "reward"
seeds = 2
episodes = 12
[environment]
name = "water_maze"
timeout_s = 20
[critic]
step_ms = 100
[[agent]]
name = "actor_critic"
[[agent]]
name = "random"
[record]
steps_every = 0
trajectories = [0, 4]
`

// record.trajectories: the paths of the listed episodes and of the last
// one, every step from the start (step 0) to the end, as many steps as
// episodes.csv says, read back as written; arena.csv holds the pool; the
// figure is drawn. Recording paths changes no number of the run, and a
// file that lists no episodes writes neither file.
func TestTrajectories(t *testing.T) {
	e := load(t, "maze.toml", arenaMaze)
	rs := runAll(t, e)
	plain := runAll(t, load(t, "maze.toml", strings.Replace(arenaMaze, "trajectories = [0, 4]\n", "", 1)))
	for i, r := range rs {
		same := func(a, b Episode) bool {
			eq := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
			return a.Steps == b.Steps && a.Action == b.Action && eq(a.Return, b.Return) && eq(a.Optimal, b.Optimal) && eq(a.Regret, b.Regret)
		}
		if !slices.EqualFunc(r.Episodes, plain[i].Episodes, same) {
			t.Errorf("%s seed %d: recording paths changed the episodes", r.Agent, r.Seed)
		}
		if len(plain[i].Path) != 0 {
			t.Errorf("%s seed %d: %d points recorded with no record.trajectories", r.Agent, r.Seed, len(plain[i].Path))
		}
		var eps []int
		for k, p := range r.Path {
			if k == 0 || p.Episode != r.Path[k-1].Episode {
				eps = append(eps, p.Episode)
				if p.K != 0 {
					t.Fatalf("%s seed %d: episode %d starts at step %d", r.Agent, r.Seed, p.Episode, p.K)
				}
			} else if p.K != r.Path[k-1].K+1 {
				t.Fatalf("%s seed %d: episode %d: step %d after %d", r.Agent, r.Seed, p.Episode, p.K, r.Path[k-1].K)
			}
			if math.Hypot(p.X, p.Y) > 1+1e-12 {
				t.Fatalf("%s seed %d: (%g, %g) outside the pool", r.Agent, r.Seed, p.X, p.Y)
			}
			if k+1 == len(r.Path) || r.Path[k+1].Episode != p.Episode {
				if want := r.Episodes[p.Episode].Steps; p.K != want {
					t.Errorf("%s seed %d: episode %d ends at step %d, episodes.csv says %d", r.Agent, r.Seed, p.Episode, p.K, want)
				}
			}
		}
		if !slices.Equal(eps, []int{0, 4, 11}) {
			t.Errorf("%s seed %d: paths of episodes %v, want [0 4 11]", r.Agent, r.Seed, eps)
		}
	}
	dir := t.TempDir()
	if err := e.write(dir, rs); err != nil {
		t.Fatal(err)
	}
	back, err := readResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if !slices.Equal(back[i].Path, r.Path) {
			t.Errorf("%s seed %d: the paths differ after the round trip", r.Agent, r.Seed)
		}
	}
	arenas, err := readArenas(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a := arenas["default"]; a == nil || a.Shape != "pool" || a.Radius != 1 || a.Platform != [2]float64{0.5, 0.5} || len(a.Starts) != 4 {
		t.Errorf("arena read back: %+v", a)
	}
	if err := writePlots(dir, back); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, output.PlotsDir, "trajectories.png")); err != nil {
		t.Error(err)
	}
	// Damaged files are refused with their line.
	for _, c := range []struct{ file, old, new, want string }{
		{output.TrajectoriesFile, "\n", "\nactor_critic,default,1,0,0,Inf,0\n", "trajectories.csv line 2: bad x"},
		{output.ArenaFile, "\n", "\ndefault,blob,0,0,1\n", "arena.csv line 2: bad shape"},
		{output.ArenaFile, "\n", "\ndefault,grid,1e5,3,1\n", "arena.csv line 2: a grid"},
	} {
		bad := t.TempDir()
		if err := e.write(bad, rs); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(bad, c.file)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(data), c.old, c.new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		rb, err := readResults(bad)
		if err == nil {
			err = writePlots(bad, rb)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("damaged %s: err = %v, want %q", c.file, err, c.want)
		}
	}
	quiet := t.TempDir()
	pe := load(t, "maze.toml", strings.Replace(arenaMaze, "trajectories = [0, 4]\n", "", 1))
	if err := pe.write(quiet, plain); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{output.TrajectoriesFile, output.ArenaFile} {
		if _, err := os.Stat(filepath.Join(quiet, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s written with no record.trajectories (%v)", f, err)
		}
	}
}

// The grid's paths run from its start cell through free cells.
func TestGridTrajectories(t *testing.T) {
	src := "kind = \"reward\"\nseeds = 1\nepisodes = 3\n[environment]\nname = \"grid\"\nwalls = [[1, 0], [1, 1]]\n[[agent]]\nname = \"random\"\n[record]\ntrajectories = [0]\n"
	rs := runAll(t, load(t, "grid.toml", src))
	r := rs[0]
	if len(r.Path) == 0 || r.Path[0].X != 0 || r.Path[0].Y != 0 {
		t.Fatalf("path %v: want it to start at the start cell (0, 0)", r.Path[:min(3, len(r.Path))])
	}
	for _, p := range r.Path {
		if (p.X == 1 && (p.Y == 0 || p.Y == 1)) || p.X < 0 || p.X > 4 || p.Y < 0 || p.Y > 4 {
			t.Fatalf("episode %d step %d at (%g, %g): a wall or off the grid", p.Episode, p.K, p.X, p.Y)
		}
	}
}

// Bad record.trajectories are refused at the key, with the file and line.
func TestTrajectoriesBadInput(t *testing.T) {
	for _, c := range []struct{ name, data, want string }{
		{"episode out of range", strings.Replace(arenaMaze, "[0, 4]", "[0, 12]", 1), "record.trajectories[1]"},
		{"negative", strings.Replace(arenaMaze, "[0, 4]", "[-1]", 1), "record.trajectories[0]"},
		{"not an arena", "kind = \"reward\"\n[environment]\nname = \"conditioning\"\n[[agent]]\nname = \"critic\"\n[record]\ntrajectories = [1]\n", "record.trajectories"},
		{"value map in the grid", "kind = \"reward\"\n[environment]\nname = \"grid\"\n[[agent]]\nname = \"random\"\n[record]\nvalue_map = 5\n", "record.value_map"},
		{"value map too fine", strings.Replace(arenaMaze, "steps_every = 0\n", "steps_every = 0\nvalue_map = 202\n", 1), "record.value_map"},
		{"a condition outgrows it", arenaMaze + "[[condition]]\nname = \"short\"\nset = [\"episodes=3\"]\n", "condition[short].set"},
	} {
		doc, err := config.Parse("bad.toml", []byte(c.data))
		if err == nil {
			_, err = FromDoc(doc)
		}
		var ce *config.Error
		if !errors.As(err, &ce) || ce.File != "bad.toml" || ce.Line == 0 || !strings.HasPrefix(ce.Key, c.want) {
			t.Errorf("%s: err = %v, want a located error at %s", c.name, err, c.want)
		}
	}
}

// record.value_map: at the end of a run of the rate actor-critic in the
// maze, the map covers the pool, its V is the critic's at the features
// observed there, its highest point lies near the platform and the actor's
// preferred directions point towards the platform on the whole; an agent
// that cannot say (random) has none. The map reads back as written.
func TestValueMap(t *testing.T) {
	src := `kind = "reward"
seeds = 1
episodes = 60
[environment]
name = "water_maze"
[critic]
gamma = 0.98
lambda = 0.9
alpha = 0.05
[[agent]]
name = "actor_critic"
learning_rate = 0.5
beta = 2
trace_decay = 0.9
w_max = 5
[[agent]]
name = "random"
[record]
steps_every = 0
value_map = 21
`
	e := load(t, "maze.toml", src)
	rs := runAll(t, e)
	inside := 0
	for j := range 21 {
		for i := range 21 {
			if math.Hypot(-1+float64(i)/10, -1+float64(j)/10) <= 1+1e-12 {
				inside++
			}
		}
	}
	for _, r := range rs {
		if len(r.Map) != inside {
			t.Fatalf("%s: %d points, want the %d of the 21 × 21 grid inside the pool", r.Agent, len(r.Map), inside)
		}
	}
	ac, rnd := rs[0], rs[1]
	best, toward, n := ac.Map[0], 0.0, 0
	for _, q := range ac.Map {
		if q.Value > best.Value {
			best = q
		}
		if d := math.Hypot(0.5-q.X, 0.5-q.Y); d > 0.3 {
			toward += (q.PX*(0.5-q.X) + q.PY*(0.5-q.Y)) / (d * math.Hypot(q.PX, q.PY))
			n++
		}
		if l := math.Hypot(q.PX, q.PY); !(l <= 1+1e-12) {
			t.Fatalf("preferred direction of length %g at (%g, %g): want at most 1", l, q.X, q.Y)
		}
	}
	if d := math.Hypot(best.X-0.5, best.Y-0.5); d > 0.3 {
		t.Errorf("V peaks at (%g, %g), %g m from the platform", best.X, best.Y, d)
	}
	if toward /= float64(n); toward < 0.5 {
		t.Errorf("mean cosine between the preferred direction and the platform's bearing %g, want > 0.5", toward)
	}
	for _, q := range rnd.Map {
		if !math.IsNaN(q.PX) || !math.IsNaN(q.PY) || math.IsNaN(q.Value) {
			t.Fatalf("random agent at (%g, %g): value %g, direction (%g, %g): want a value and no direction", q.X, q.Y, q.Value, q.PX, q.PY)
		}
	}
	// V is the critic's: a critic trained the same way gives the same map.
	eps, err := NewEpisodes(e.jobs[0])
	if err != nil {
		t.Fatal(err)
	}
	for !eps.Done() {
		if _, _, err := eps.Next(false, nil); err != nil {
			t.Fatal(err)
		}
	}
	x := make([]float64, len(eps.x))
	m := eps.env.(env.Mapped)
	for _, q := range ac.Map {
		m.ObserveAt(q.X, q.Y, x)
		if v := eps.critic.Value(x); v != q.Value {
			t.Fatalf("V(%g, %g) = %g in the map, %g from the critic", q.X, q.Y, q.Value, v)
		}
	}
	dir := t.TempDir()
	if err := e.write(dir, rs); err != nil {
		t.Fatal(err)
	}
	back, err := readResults(dir)
	if err != nil {
		t.Fatal(err)
	}
	eq := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	for i, r := range rs {
		if !slices.EqualFunc(back[i].Map, r.Map, func(a, b MapPoint) bool {
			return eq(a.X, b.X) && eq(a.Y, b.Y) && eq(a.Value, b.Value) && eq(a.PX, b.PX) && eq(a.PY, b.PY)
		}) {
			t.Errorf("%s: the map differs after the round trip", r.Agent)
		}
	}
	if err := writePlots(dir, back); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, output.PlotsDir, "value_map.png")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dir, output.TrajectoriesFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("trajectories.csv written with no record.trajectories (%v)", err)
	}
}

// The spiking critic's value for the map is Σ_i x_i·w̄_i, w̄_i the mean
// weight of feature i's block over the critic's neurons.
func TestSpikingMapValue(t *testing.T) {
	p := SpikingCritic{}.Defaults()
	p.InputNeurons, p.Neurons = 2, 3
	c := newSpikingCritic(p, modulator.TDParams{}.Defaults(), 100, 2, nil)
	in := 2 * p.InputNeurons
	for m := range p.Neurons {
		for j := range in {
			c.w[m*in+j] = float64(j/p.InputNeurons+1) * float64(m+1) // feature 0: 1·(m+1), feature 1: 2·(m+1)
		}
	}
	// w̄_0 = mean(1, 2, 3) = 2, w̄_1 = 4.
	if v := c.MapValue([]float64{0.5, 0.25}); math.Abs(v-(0.5*2+0.25*4)) > 1e-12 {
		t.Errorf("MapValue = %g, want 2", v)
	}
}

// A traced episode allocates nothing: its path fills a buffer made once.
func TestTracedEpisodeAllocatesNothing(t *testing.T) {
	e := load(t, "maze.toml", arenaMaze, "episodes=1000", "seeds=1")
	for _, j := range e.jobs {
		eps, err := NewEpisodes(j)
		if err != nil {
			t.Fatal(err)
		}
		eps.TracePaths(true)
		if a := testing.AllocsPerRun(5, func() { eps.Next(false, nil) }); a != 0 {
			t.Errorf("%s: %g allocations per traced episode", j.Agent.ID(), a)
		}
		if len(eps.Path()) == 0 {
			t.Errorf("%s: no path traced", j.Agent.ID())
		}
	}
}
