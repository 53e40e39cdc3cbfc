package live

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"path/filepath"

	"github.com/chromedp/chromedp"

	"github.com/dopa-sim/dopa/experiments/training"
	"github.com/dopa-sim/dopa/internal/store"
)

// The Browser tests drive the real page in headless Chromium (Debian's
// chromium package). Without a Chromium binary they skip, unless CI is
// set: then they fail.

// chromium returns the path of a Chromium binary.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DOPA_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "chromium-headless-shell", "headless_shell", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium binary found (chromium, chromium-headless-shell, …) and CI is set: install Debian's chromium")
	}
	t.Skip("no Chromium binary found (apt-get install -y chromium); CI unset, so skipping")
	return ""
}

// browser opens the page of hs in a fresh headless Chromium.
func browser(t *testing.T, url string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // as root, Chromium needs it
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitJS polls a JavaScript condition in the page.
func waitJS(t *testing.T, ctx context.Context, d time.Duration, js string) {
	t.Helper()
	end := time.Now().Add(d)
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("after %v, still not %s", d, js)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// moveSlider moves the slider of key to the position nearest value, as a
// hand does: input events while it moves, change when it is let go.
func moveSlider(t *testing.T, ctx context.Context, key string, value float64) string {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		const sl = document.querySelector('input.slider[data-key=%q]');
		const c = JSON.parse(document.getElementById("controls").dataset.shown).find((c) => c.key === %q);
		const x = c.log ? (Math.log(%g) - Math.log(c.min)) / (Math.log(c.max) - Math.log(c.min)) : (%g - c.min) / (c.max - c.min);
		sl.value = Math.round(x * 1000);
		sl.dispatchEvent(new Event("input", { bubbles: true }));
		sl.dispatchEvent(new Event("change", { bubbles: true }));
		return document.querySelector('input.value[data-key=%q]').value;
	})()`, key, key, value, value, key)
	return eval[string](t, ctx, js)
}

// TestBrowserPageStreams: the page loads, shows the controls of the
// running rule, and more than 100 trace points reach its plots within
// 10 s.
func TestBrowserPageStreams(t *testing.T) {
	_, _, hs := testSession(t, "dopamine", 200)
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 10*time.Second, `window.dopaLive && window.dopaLive.points > 100`)
	if n := eval[int](t, ctx, `document.querySelectorAll("#controls .ctl").length`); n < 10 {
		t.Errorf("%d controls on the page, want the rule's ≥ 10", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#plots .uplot").length`); n != 5 {
		t.Errorf("%d plots, want 5", n)
	}
	if s := eval[string](t, ctx, `document.getElementById("status").textContent`); s != "running" {
		t.Errorf("status %q", s)
	}
}

// TestBrowserSliderChangesRun: moving the learning-rate slider changes the
// running simulation between two updates (wp's η trace, constant until
// then, takes the new value) and the value is stored: in the session's
// parameters and in the run store's autosave set.
func TestBrowserSliderChangesRun(t *testing.T) {
	s, srv, hs := testSession(t, "wp", 200)
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 10*time.Second, `window.dopaLive.points > 20 && window.dopaLive.last.lr === 1`)
	runs := eval[int](t, ctx, `window.dopaLive.runs`)
	shown := moveSlider(t, ctx, "rule.wp.learning_rate", 0.1)
	want, err := strconv.ParseFloat(shown, 64)
	if err != nil || want < 0.09 || want > 0.11 {
		t.Fatalf("slider shows %q, want ≈ 0.1", shown)
	}
	waitJS(t, ctx, 5*time.Second, fmt.Sprintf(`window.dopaLive.last.lr === %s`, shown))
	if r := eval[int](t, ctx, `window.dopaLive.runs`); r != runs {
		t.Errorf("the change started a new run (%d → %d); it should reach the running one", runs, r)
	}
	if got := s.Overrides()["rule.wp.learning_rate"]; got != shown {
		t.Errorf("session value %q, want %q", got, shown)
	}
	// The autosave is written after the change reaches the run: waited
	// for (under the race detector on a loaded machine it can lag).
	st, _ := srv.store()
	var ps store.ParamSet
	deadline := time.Now().Add(10 * time.Second)
	for {
		ps, err = st.LoadParamSet(context.Background(), AutosaveSet)
		if err == nil && ps.Values["rule.wp.learning_rate"] == shown || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || ps.Values["rule.wp.learning_rate"] != shown {
		t.Errorf("stored: %v %v", ps.Values, err)
	}
	if lr := lastLR(s); fmt.Sprint(lr) != shown {
		t.Errorf("simulation η %g, want %s", lr, shown)
	}
}

// TestBrowserParamSetReloads: a parameter set saved from the page reloads
// into a new run: after the value is changed again, loading the set starts
// a new run with the saved value.
func TestBrowserParamSetReloads(t *testing.T) {
	s, _, hs := testSession(t, "wp", 200)
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 10*time.Second, `window.dopaLive.points > 5`)
	saved := moveSlider(t, ctx, "rule.wp.learning_rate", 0.3)
	waitJS(t, ctx, 5*time.Second, `window.dopaLive.last.lr === `+saved)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#set-name", "slow-wp"),
		chromedp.SendKeys("#set-notes", "η about 0.3"),
		chromedp.Click(`#save button`),
	); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, 5*time.Second, `!!document.querySelector('#sets tr[data-set="slow-wp"] button.load')`)
	other := moveSlider(t, ctx, "rule.wp.learning_rate", 3)
	waitJS(t, ctx, 5*time.Second, `window.dopaLive.last.lr === `+other)
	runs := eval[int](t, ctx, `window.dopaLive.runs`)
	if err := chromedp.Do(ctx, chromedp.Click(`#sets tr[data-set="slow-wp"] button.load`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, 5*time.Second, fmt.Sprintf(`window.dopaLive.runs > %d && window.dopaLive.points > 0 && window.dopaLive.last.lr === %s && window.dopaLive.last.epoch < 400`, runs, saved))
	if got := s.Overrides()["rule.wp.learning_rate"]; got != saved {
		t.Errorf("session value %q after loading, want %q", got, saved)
	}
	waitJS(t, ctx, 3*time.Second, fmt.Sprintf(`document.querySelector('input.value[data-key="rule.wp.learning_rate"]').value === %q`, saved))
}

// TestBrowserBadValueShowsError: a bad value typed into a control shows
// its --set error on the page and changes nothing.
func TestBrowserBadValueShowsError(t *testing.T) {
	s, _, hs := testSession(t, "wp", 200)
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 10*time.Second, `window.dopaLive.points > 5 && window.dopaLive.last.lr === 1`)
	runs := eval[int](t, ctx, `window.dopaLive.runs`)
	box := `input.value[data-key="rule.wp.learning_rate"]`
	eval[bool](t, ctx, `(() => { const b = document.querySelector('`+box+`'); b.focus(); b.select(); return true })()`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent("-2\t")); err != nil {
		t.Fatal(err)
	}
	msg := "rule[wp].learning_rate: must be a finite number > 0, got -2"
	waitJS(t, ctx, 5*time.Second, fmt.Sprintf(`!document.getElementById("error").hidden && document.getElementById("error").textContent.includes(%q)`, msg))
	if e := eval[string](t, ctx, `document.querySelector('.ctl[data-key="rule.wp.learning_rate"] .err').textContent`); !strings.Contains(e, msg) {
		t.Errorf("control error %q", e)
	}
	time.Sleep(200 * time.Millisecond)
	if lr := eval[float64](t, ctx, `window.dopaLive.last.lr`); lr != 1 {
		t.Errorf("page η %g after a bad value", lr)
	}
	if lr := lastLR(s); lr != 1 {
		t.Errorf("simulation η %g after a bad value", lr)
	}
	if r := eval[int](t, ctx, `window.dopaLive.runs`); r != runs {
		t.Errorf("a bad value started a new run")
	}
	if o := s.Overrides(); len(o) != 1 {
		t.Errorf("overrides %v", o)
	}
	waitJS(t, ctx, 3*time.Second, `document.querySelector('`+box+`').value === "1"`) // back to the value in force
}

// TestScreenshot writes the page's screenshot for the README when
// DOPA_SCREENSHOT names the PNG file to write (not a Browser test: it only
// makes a picture, and is skipped otherwise).
func TestScreenshot(t *testing.T) {
	out := os.Getenv("DOPA_SCREENSHOT")
	if out == "" {
		t.Skip("DOPA_SCREENSHOT unset")
	}
	_, _, hs := testSession(t, "dopamine", 100, "max_trials=4000")
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 30*time.Second, `window.dopaLive.points > 400`)
	time.Sleep(500 * time.Millisecond)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserForecastView: on a forecasting task the page shows the
// forecasts of the test segment beside the traces.
func TestBrowserForecastView(t *testing.T) {
	_, _, hs := testServer(t, "mackey_glass", "dopamine2", 0, "max_trials=200000")
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 20*time.Second, `window.dopaLive.views > 0 && window.dopaLive.points > 10`)
	if n := eval[int](t, ctx, `document.querySelectorAll('#plots [data-panel="view"] .uplot').length`); n != 1 {
		t.Errorf("%d forecast panels, want 1", n)
	}
	screenshot(t, ctx, "DOPA_SCREENSHOT_FORECAST", 3*time.Second)
}

// screenshot writes the page's screenshot into the PNG file the variable
// env names, if it is set, after waiting wait (docs/live.md's figures).
func screenshot(t *testing.T, ctx context.Context, env string, wait time.Duration) {
	t.Helper()
	out := os.Getenv(env)
	if out == "" {
		return
	}
	time.Sleep(wait)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(out, png, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestBrowserRasterStreamsSpikes: on a spiking training circuit the page
// draws a raster of its spikes (every population's rows, one trial per
// XOR input), remade as the weights learn.
func TestBrowserRasterStreamsSpikes(t *testing.T) {
	_, _, hs := testFile(t, "experiments/xor_spiking.toml", "dopamine", 100, "criterion.loss_below=0")
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 10*time.Second, `window.dopaLive.rasters > 0 && window.dopaLive.rasterSpikes > 0`)
	first := eval[int](t, ctx, `window.dopaLive.rasterEpoch`)
	waitJS(t, ctx, 10*time.Second, fmt.Sprintf(`window.dopaLive.rasterEpoch > %d && window.dopaLive.rasterSpikes > 0`, first))
	if rows := eval[int](t, ctx, `window.dopaLive.rasterRows`); rows != 2+32+1 {
		t.Errorf("%d raster rows, want 35 (2 inputs, 32 hidden, 1 output)", rows)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#plots [data-panel="raster"] canvas').length`); n != 1 {
		t.Errorf("%d raster canvases", n)
	}
	if s := eval[string](t, ctx, `document.querySelector('#plots [data-panel="raster"] .pnote').textContent`); !strings.Contains(s, "spikes shown") {
		t.Errorf("raster note %q", s)
	}
	screenshot(t, ctx, "DOPA_SCREENSHOT_RASTER", time.Second)
}

// TestBrowserSimulationRaster: a simulation file (CUBA) streams its
// spikes and its firing rate.
func TestBrowserSimulationRaster(t *testing.T) {
	_, _, hs := testFile(t, "circuits/cuba.toml", "", 200)
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 10*time.Second, `window.dopaLive.rasters > 1 && window.dopaLive.rasterSpikes > 10 && window.dopaLive.points > 50 && window.dopaLive.last.rate > 0`)
	if n := eval[int](t, ctx, `document.querySelectorAll("#plots .uplot").length`); n != 1 {
		t.Errorf("%d uPlot panels, want the rate's alone", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#controls details[data-group="neurons"] .ctl').length`); n < 10 {
		t.Errorf("%d neuron controls", n)
	}
	screenshot(t, ctx, "DOPA_SCREENSHOT_SIMULATION", 0)
}

// TestBrowserMemoryRecall: on a memory file the page shows a recall: the
// stored pattern (k = 10 units), the half-pattern query (5), each step's
// output with its ε, and ε against the patterns stored.
func TestBrowserMemoryRecall(t *testing.T) {
	_, _, hs := testFile(t, "experiments/willshaw.toml", "", 50)
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 10*time.Second, `window.dopaLive.recalls > 1 && window.dopaLive.points > 3`)
	r := eval[map[string]float64](t, ctx, `window.dopaLive.recall`)
	if r["stored"] != 10 || r["query"] != 5 || r["steps"] != 1 || r["m"] < 20 || r["eps"] < 0 || r["eps"] > 2 {
		t.Errorf("recall %v", r)
	}
	if m := eval[float64](t, ctx, `window.dopaLive.last.trials`); m < 20 {
		t.Errorf("%g patterns stored", m)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#plots [data-panel="recall"] canvas').length`); n != 1 {
		t.Errorf("%d recall canvases", n)
	}
	if s := eval[string](t, ctx, `document.querySelector('#plots [data-panel="recall"] .ptitle').textContent`); !strings.HasPrefix(s, "recall of pattern") {
		t.Errorf("recall title %q", s)
	}
	screenshot(t, ctx, "DOPA_SCREENSHOT_RECALL", time.Second)
}

// TestBrowserRewardTrial: on a reward file the page plots the return, δ
// and the dopamine per episode, and the latest episode's δ and V by step
// (25 steps of conditioning, δ finite at every one).
func TestBrowserRewardTrial(t *testing.T) {
	_, _, hs := testFile(t, "experiments/conditioning.toml", "", 50)
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 10*time.Second, `window.dopaLive.trials > 1 && window.dopaLive.points > 3`)
	tr := eval[map[string]any](t, ctx, `window.dopaLive.trial`)
	if tr["steps"] != 25.0 {
		t.Errorf("trial view %v, want 25 steps", tr)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#plots .uplot").length`); n != 4 {
		t.Errorf("%d uPlot panels, want return, δ, dopamine and the trial", n)
	}
	if s := eval[string](t, ctx, `document.getElementById("count").textContent`); !strings.HasPrefix(s, "episode ") {
		t.Errorf("count %q", s)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#plots [data-panel="arena"]').length`); n != 0 {
		t.Errorf("%d arena panels for conditioning, which has no arena", n)
	}
	screenshot(t, ctx, "DOPA_SCREENSHOT_REWARD", time.Second)
}

// TestBrowserRewardArena: on the water maze the page draws the latest
// episode's path in the pool beside δ and V: one point per step and the
// start, the path's colours on the canvas, the same episode as the trial
// plot.
func TestBrowserRewardArena(t *testing.T) {
	// 1000 episodes at 50 a second: the run is still going when a slow
	// browser connects, so that the page sees more than the last view.
	_, _, hs := testFile(t, "experiments/water_maze.toml", "actor_critic/place", 50, "episodes=1000")
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 15*time.Second, `window.dopaLive.arenas > 1 && window.dopaLive.points > 3`)
	got := eval[map[string]any](t, ctx, `(() => { const a = window.dopaLive.arena, t = window.dopaLive.trial;
		return { shape: a.shape, points: a.points, episode: a.episode, tepisode: t.episode, steps: t.steps, end: Math.hypot(a.end[0], a.end[1]) } })()`)
	if got["shape"] != "pool" || got["episode"] != got["tepisode"] || got["points"] != got["steps"].(float64)+1 {
		t.Errorf("arena view %v: want the pool, the trial's episode and one point per step plus the start", got)
	}
	if r := got["end"].(float64); r > 1+1e-9 {
		t.Errorf("the path ends %g m from the centre, outside the pool", r)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#plots [data-panel="arena"] canvas').length`); n != 1 {
		t.Fatalf("%d arena canvases", n)
	}
	// Pixels of the path (blue to red, green 60) and of the platform (gold).
	px := eval[map[string]float64](t, ctx, `(() => { const c = document.querySelector('#plots [data-panel="arena"] canvas');
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let path = 0, gold = 0;
		for (let i = 0; i < d.length; i += 4) {
			if (d[i+3] > 200 && d[i+1] < 90 && (d[i] > 120 || d[i+2] > 120)) path++;
			if (d[i] > 230 && d[i+1] > 190 && d[i+2] < 80) gold++;
		}
		return { path: path, gold: gold } })()`)
	if px["path"] < 20 || px["gold"] < 20 {
		t.Errorf("arena canvas: %g path pixels and %g platform pixels, want both drawn", px["path"], px["gold"])
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#plots .uplot").length`); n != 4 {
		t.Errorf("%d uPlot panels, want return, δ, dopamine and the trial beside the arena", n)
	}
	screenshot(t, ctx, "DOPA_SCREENSHOT_ARENA", time.Second)
}

// TestBrowserRewardArenaFremaux: the spiking actor-critic of its circuit
// file (circuits/fremaux_maze.toml) swims in the arena view with its own
// δ and V live: the trial plot holds the agent's critic (its V moves, as
// the file's rate critic, which it ignores, would not in a 2-s trial
// before it learns), one path point per step plus the start.
func TestBrowserRewardArenaFremaux(t *testing.T) {
	_, _, hs := testFile(t, "experiments/water_maze_fremaux.toml", "fremaux", 50, "episodes=1000", "environment.timeout_s=2")
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 30*time.Second, `window.dopaLive.arenas > 1 && window.dopaLive.points > 3`)
	got := eval[map[string]any](t, ctx, `(() => { const a = window.dopaLive.arena, t = window.dopaLive.trial;
		const fin = (xs) => xs.every((x) => Number.isFinite(x));
		return { shape: a.shape, points: a.points, episode: a.episode, tepisode: t.episode, steps: t.steps,
			finite: fin(t.delta) && fin(t.value), vmin: Math.min(...t.value), vmax: Math.max(...t.value) } })()`)
	if got["shape"] != "pool" || got["episode"] != got["tepisode"] || got["points"] != got["steps"].(float64)+1 {
		t.Errorf("arena view %v: want the pool, the trial's episode and one point per step plus the start", got)
	}
	if got["finite"] != true || !(got["vmax"].(float64) > got["vmin"].(float64)) {
		t.Errorf("trial view %v: want the agent's own δ and V, finite, V changing within the episode", got)
	}
	screenshot(t, ctx, "DOPA_SCREENSHOT_FREMAUX", time.Second)
}

// TestBrowserNeuronControl: a neuron control (the hidden population's
// size of the spiking XOR circuit, in the collapsed "neurons" group)
// starts a new run with the new circuit: its raster has the new rows. A
// bad size shows the --set error and changes nothing.
func TestBrowserNeuronControl(t *testing.T) {
	s, _, hs := testFile(t, "experiments/xor_spiking.toml", "dopamine", 100, "criterion.loss_below=0")
	ctx := browser(t, hs.URL)
	waitJS(t, ctx, 10*time.Second, `window.dopaLive.rasterRows === 35 && window.dopaLive.points > 2`)
	key := "circuit.population.hidden.size"
	box := fmt.Sprintf(`input.value[data-key=%q]`, key)
	if err := chromedp.Do(ctx, chromedp.Click(`#controls details[data-group="neurons"] summary`)); err != nil {
		t.Fatal(err)
	}
	typeInto := func(v string) {
		t.Helper()
		eval[bool](t, ctx, `(() => { const b = document.querySelector('`+box+`'); b.focus(); b.select(); return true })()`)
		if err := chromedp.Do(ctx, chromedp.KeyEvent(v+"\t")); err != nil {
			t.Fatal(err)
		}
	}
	runs := eval[int](t, ctx, `window.dopaLive.runs`)
	typeInto("16")
	waitJS(t, ctx, 10*time.Second, fmt.Sprintf(`window.dopaLive.runs > %d && window.dopaLive.rasterRows === 19`, runs))
	if got := s.Overrides()[key]; got != "16" {
		t.Errorf("session value %q", got)
	}
	// A bad value: the error of dopa run --set, nothing changes.
	plan, err := training.Load(filepath.Join("..", "..", "experiments/xor_spiking.toml"))
	if err != nil {
		t.Fatal(err)
	}
	want := plan.Set(key + "=0")
	if want == nil {
		want = plan.Validate()
	}
	if want == nil {
		t.Fatal("size 0 is valid: the test checks nothing")
	}
	runs = eval[int](t, ctx, `window.dopaLive.runs`)
	typeInto("0")
	t.Logf("the --set error: %v", want)
	waitJS(t, ctx, 5*time.Second, fmt.Sprintf(`!document.getElementById("error").hidden && document.getElementById("error").textContent === %q`, want.Error()))
	time.Sleep(300 * time.Millisecond)
	if r := eval[int](t, ctx, `window.dopaLive.runs`); r != runs {
		t.Errorf("a bad value started a new run")
	}
	if got := s.Overrides()[key]; got != "16" {
		t.Errorf("session value %q after a bad value", got)
	}
	if rows := eval[int](t, ctx, `window.dopaLive.rasterRows`); rows != 19 {
		t.Errorf("raster rows %d after a bad value", rows)
	}
	waitJS(t, ctx, 3*time.Second, `document.querySelector('`+box+`').value === "16"`)
}
