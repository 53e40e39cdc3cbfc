package reward

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dopa-sim/dopa/internal/config"
	"github.com/dopa-sim/dopa/internal/output"
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
