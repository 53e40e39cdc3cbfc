package plots

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/dopa-sim/dopa/internal/output"
)

// maxEligibilityLines bounds the synapses eligibility.png draws.
const maxEligibilityLines = 8

// WriteEligibility draws dir/eligibility.csv (if there is one) into
// dir/plots/eligibility.png and .svg: for the first rule and seed in the
// file, at the first and the last recorded update, the eligibility trace
// of each watched synapse (up to 8) and the learning signal of its
// postsynaptic neuron against the step of the sequence, in two panels
// per update.
func WriteEligibility(dir string) error {
	type key struct {
		syn   string
		epoch int
	}
	type series struct{ elig, sig plotter.XYs }
	data := map[key]*series{}
	var syns []string
	var epochs []int
	var rule string
	var seed int64 = -1
	found, err := output.Eligibility.Read(dir, true, func(t *output.Table) error {
		sd, err := t.Int("seed")
		if err != nil {
			return err
		}
		if seed < 0 {
			rule, seed = t.Str("rule"), int64(sd)
		}
		if t.Str("rule") != rule || int64(sd) != seed {
			return nil
		}
		ep, err := t.Int("epoch")
		if err != nil {
			return err
		}
		st, err := t.Int("step")
		if err != nil {
			return err
		}
		e, err := t.Float("eligibility")
		if err != nil {
			return err
		}
		l, err := t.Float("learning_signal")
		if err != nil {
			return err
		}
		pre, err := t.Int("pre")
		if err != nil {
			return err
		}
		post, err := t.Int("post")
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%s %d→%d", t.Str("projection"), pre, post)
		if !slices.Contains(syns, name) {
			if len(syns) == maxEligibilityLines {
				return nil
			}
			syns = append(syns, name)
		}
		if !slices.Contains(epochs, int(ep)) {
			epochs = append(epochs, int(ep))
		}
		k := key{name, int(ep)}
		if data[k] == nil {
			data[k] = &series{}
		}
		if !math.IsNaN(e) && !math.IsInf(e, 0) {
			data[k].elig = append(data[k].elig, plotter.XY{X: float64(st), Y: e})
		}
		if !math.IsNaN(l) && !math.IsInf(l, 0) {
			data[k].sig = append(data[k].sig, plotter.XY{X: float64(st), Y: l})
		}
		return nil
	})
	if err != nil || !found || len(syns) == 0 {
		return err
	}
	slices.Sort(epochs)
	show := []int{epochs[0]}
	if last := epochs[len(epochs)-1]; last != epochs[0] {
		show = append(show, last)
	}
	colors := ruleColors(nil, syns)
	var rows [][]*plot.Plot
	for _, ep := range show {
		pe, ps := NewPlot(), NewPlot()
		pe.Title.Text = fmt.Sprintf("%s, seed %d, update %d: first sequence of the batch", rule, seed, ep)
		pe.Y.Label.Text = "eligibility ē"
		ps.Y.Label.Text = "learning signal L"
		ps.X.Label.Text = "step"
		for _, s := range syns {
			d := data[key{s, ep}]
			if d == nil {
				continue
			}
			for _, panel := range []struct {
				p  *plot.Plot
				xy plotter.XYs
			}{{pe, d.elig}, {ps, d.sig}} {
				if len(panel.xy) == 0 {
					continue
				}
				l, err := plotter.NewLine(panel.xy)
				if err != nil {
					return err
				}
				l.LineStyle = colors[s].line()
				l.LineStyle.Width = vg.Points(1)
				panel.p.Add(l)
				if panel.p == pe {
					pe.Legend.Add(s, l)
				}
			}
		}
		pe.Legend.Top = true
		rows = append(rows, []*plot.Plot{pe}, []*plot.Plot{ps})
	}
	out := filepath.Join(dir, output.PlotsDir)
	return saveFigure(out, "eligibility", 8*vg.Inch, vg.Length(2.4*float64(len(rows)))*vg.Inch, func(dc draw.Canvas) error {
		tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadX: vg.Millimeter, PadY: 2 * vg.Millimeter, PadTop: vg.Millimeter, PadBottom: vg.Millimeter}
		canvases := plot.Align(rows, tiles, dc)
		for i := range rows {
			rows[i][0].Draw(canvases[i][0])
		}
		return nil
	})
}
