package param

import (
	"errors"
	"math"
	"reflect"
	"testing"
)

type inner struct {
	Gain float64 `toml:"gain" check:"finite"`
}

type sample struct {
	inner
	TauMs   float64 `toml:"tau_ms" check:"finite,>0"`
	TRefMs  float64 `toml:"t_ref_ms" check:"finite,>=0"`
	P       float64 `toml:"p" check:"[0,1)"`
	Steps   int     `toml:"steps" check:"[1,10⁶]"`
	K       int     `toml:"k" check:">=1"`
	Every   float64 `toml:"every_ms" check:"[0,1e7],unit=ms,note=0: never"`
	Init    string  `toml:"init" check:"oneof=normal|uniform"`
	Law     string  `toml:"law" check:"oneof=normal|uniform,optional"`
	Mode    string  `toml:"mode" check:"oneof=a|b|c"`
	Name    string  `toml:"name" check:"set"`
	WMin    float64 `toml:"w_min" check:"number|-inf"`
	WMax    float64 `toml:"w_max" check:"number|inf"`
	Thresh  float64 `toml:"threshold" check:"number"`
	Bounded float64 `toml:"init_value" check:"finite,[-1e6,1e6]"`
	Open    float64 `toml:"alpha" check:"(0,10]"`
	Small   float64 `toml:"small" check:"<0.5"`
	Free    float64 `toml:"free"`
	Periods []int   `toml:"periods_steps" check:">=1"`
	Nested  inner   `toml:"nested"`
}

func good() sample {
	return sample{inner: inner{Gain: 1}, TauMs: 20, P: 0.5, Steps: 1, K: 1, Init: "normal", Mode: "c",
		Name: "x", WMin: math.Inf(-1), WMax: math.Inf(1), Open: 1}
}

func TestCheckMessages(t *testing.T) {
	if err := Check(good()); err != nil {
		t.Fatalf("valid values refused: %v", err)
	}
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		set  func(*sample)
		want string
	}{
		{func(s *sample) { s.TauMs = -5 }, "tau_ms: must be a finite number > 0, got -5"},
		{func(s *sample) { s.TauMs = 0 }, "tau_ms: must be a finite number > 0, got 0"},
		{func(s *sample) { s.TauMs = inf }, "tau_ms: must be a finite number > 0, got +Inf"},
		{func(s *sample) { s.TRefMs = nan }, "t_ref_ms: must be a finite number >= 0, got NaN"},
		{func(s *sample) { s.P = 1 }, "p: must be in [0, 1), got 1"},
		{func(s *sample) { s.P = -0.1 }, "p: must be in [0, 1), got -0.1"},
		{func(s *sample) { s.P = nan }, "p: must be in [0, 1), got NaN"},
		{func(s *sample) { s.Steps = 1000001 }, "steps: must be in [1, 10⁶], got 1000001"},
		{func(s *sample) { s.Steps = 0 }, "steps: must be in [1, 10⁶], got 0"},
		{func(s *sample) { s.K = 0 }, "k: must be >= 1, got 0"},
		{func(s *sample) { s.Every = -1 }, "every_ms: must be in [0, 1e7] ms (0: never), got -1"},
		{func(s *sample) { s.Init = "gauss" }, `init: must be normal or uniform, got "gauss"`},
		{func(s *sample) { s.Law = "x" }, `law: must be normal or uniform, got "x"`},
		{func(s *sample) { s.Init = "" }, `init: must be normal or uniform, got ""`},
		{func(s *sample) { s.Mode = "" }, `mode: must be a, b or c, got ""`},
		{func(s *sample) { s.Name = "" }, "name: must be set"},
		{func(s *sample) { s.WMin = inf }, "w_min: must be a number or -inf, got +Inf"},
		{func(s *sample) { s.WMin = nan }, "w_min: must be a number or -inf, got NaN"},
		{func(s *sample) { s.WMax = math.Inf(-1) }, "w_max: must be a number or inf, got -Inf"},
		{func(s *sample) { s.Thresh = nan }, "threshold: must be a number, got NaN"},
		{func(s *sample) { s.Bounded = 2e6 }, "init_value: must be a finite number in [-1e6, 1e6], got 2e+06"},
		{func(s *sample) { s.Open = 0 }, "alpha: must be in (0, 10], got 0"},
		{func(s *sample) { s.Small = 0.5 }, "small: must be < 0.5, got 0.5"},
		{func(s *sample) { s.Periods = []int{3, 1, 0} }, "periods_steps[2]: must be >= 1, got 0"},
	} {
		s := good()
		c.set(&s)
		err := Check(&s)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("want %q, got %v", c.want, err)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("got %q, want %q", err, c.want)
		}
	}
	// Values at the edges of closed ranges pass; nested and embedded
	// structs are their own Validate's.
	s := good()
	s.P, s.Steps, s.Every, s.Bounded, s.Open, s.Thresh = 0, 1000000, 1e7, -1e6, 10, inf
	s.Nested.Gain, s.Gain = nan, nan
	s.Law = ""
	if err := Check(s); err != nil {
		t.Errorf("edges refused: %v", err)
	}
	if Check((*sample)(nil)) != nil {
		t.Error("a nil pointer has nothing to check")
	}
}

func TestBoundsDoc(t *testing.T) {
	keys, bs := Bounds(sample{})
	if keys[0] != "tau_ms" || keys[1] != "t_ref_ms" {
		t.Errorf("keys out of field order: %v", keys)
	}
	for key, want := range map[string]string{
		"tau_ms": "float > 0", "t_ref_ms": "float ≥ 0", "steps": "int in [1, 10⁶]", "k": "int ≥ 1",
		"init": "string", "alpha": "float in (0, 10]", "small": "float < 0.5",
	} {
		if got := bs[key].Doc(); got != want {
			t.Errorf("%s: Doc() = %q, want %q", key, got, want)
		}
	}
	if _, ok := bs["free"]; ok {
		t.Error("a field without a check tag has no bound")
	}
	if _, ok := bs["gain"]; ok {
		t.Error("the bounds of an embedded struct are its own")
	}
	if _, bs := Bounds(inner{}); bs["gain"].Doc() != "float" {
		t.Errorf("finite alone: Doc() = %q, want float", bs["gain"].Doc())
	}
}

func TestParseBoundRefusesMalformedTags(t *testing.T) {
	for _, c := range []struct {
		tag  string
		kind reflect.Kind
	}{
		{"finite,>0,>1", reflect.Float64},
		{"[1,0]", reflect.Float64},
		{"[0,1", reflect.Float64},
		{"[a,1]", reflect.Float64},
		{"finite", reflect.Int},
		{"oneof=a|b", reflect.Float64},
		{">0", reflect.String},
		{"positive", reflect.Float64},
		{">0,[0,1]", reflect.Float64},
		{"set", reflect.Slice},
	} {
		if _, err := ParseBound(c.tag, c.kind); err == nil {
			t.Errorf("%q on %s accepted", c.tag, c.kind)
		}
	}
}

func TestParseNumber(t *testing.T) {
	for s, want := range map[string]float64{
		"10⁶": 1e6, "2³⁰": 1 << 30, "-10⁶": -1e6, "−65": -65, "1e7": 1e7, "10⁻³": 1e-3, "-inf": math.Inf(-1),
		"2³¹−1": math.MaxInt32, "1e-8": 1e-8, "-1e+6": -1e6, "2+0.5": 2.5,
	} {
		if got, err := ParseNumber(s); err != nil || got != want {
			t.Errorf("ParseNumber(%q) = %g, %v; want %g", s, got, err, want)
		}
	}
	for _, s := range []string{"", "x", "10⁶x", "⁶", "2³¹−", "1--2", "-"} {
		if _, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) accepted", s)
		}
	}
}
