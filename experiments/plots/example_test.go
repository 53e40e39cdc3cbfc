package plots_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/dopa-sim/dopa/experiments/plots"
)

// A run directory needs only metrics.csv; traces.csv and summary.json add
// the modulator figure and the criterion line.
func ExampleWrite() {
	dir, err := os.MkdirTemp("", "dopa-run")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	metrics := `rule,seed,epoch,trials,loss
wp,1,0,1,0.26
wp,1,10,21,0.05
wp,1,20,41,0.009
wp,2,0,1,0.3
wp,2,10,21,0.1
`
	if err := os.WriteFile(filepath.Join(dir, "metrics.csv"), []byte(metrics), 0o644); err != nil {
		log.Fatal(err)
	}

	if err := plots.Write(dir); err != nil {
		log.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "plots", "*"))
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}

	curves, err := plots.LossCurves(dir)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range curves {
		last := len(c.Trials) - 1
		fmt.Printf("%s: %d seeds, median loss %g at %g trials\n", c.Rule, c.Seeds, c.Median[last], c.Trials[last])
	}
	// Output:
	// loss.png
	// loss.svg
	// wp: 2 seeds, median loss 0.009 at 41 trials
}
