package config

import (
	"fmt"
)

// Activation implements encoding.TextUnmarshaler.
type Activation int

const (
	Linear Activation = iota
	Tanh
	ReLU
)

func (a *Activation) UnmarshalText(b []byte) error {
	switch string(b) {
	case "linear":
		*a = Linear
	case "tanh":
		*a = Tanh
	case "relu":
		*a = ReLU
	default:
		return fmt.Errorf("unknown activation %q (want linear, tanh or relu)", b)
	}
	return nil
}

type Population struct {
	Name       string     `toml:"name"`
	Size       int        `toml:"size"`
	TauMs      float64    `toml:"tau_ms"`
	Activation Activation `toml:"activation"`
	Bias       *float64   `toml:"bias"`
}

type Rule struct {
	Name         string  `toml:"name"`
	Sigma        float64 `toml:"sigma"`
	LearningRate float64 `toml:"learning_rate"`
}

type Experiment struct {
	Steps int    `toml:"steps"`
	Rule  []Rule `toml:"rule"`
}

type Solver struct {
	Dt     float64 `toml:"dt"`
	Method string  `toml:"method"`
}

type Meta struct {
	Author string `toml:"author"`
}

type Circuit struct {
	Meta                          // embedded: "author" is a top-level key
	Title      string             `toml:"title"`
	Seed       *int64             `toml:"seed"`
	Weights    []float64          `toml:"weights"`
	Tags       []string           `toml:"tags"`
	Population []Population       `toml:"population"`
	Rule       []Rule             `toml:"rule"`
	Experiment Experiment         `toml:"experiment"`
	Params     map[string]float64 `toml:"params"`
	Solver     Solver             `toml:"solver"`
	Ignored    string             `toml:"-"`
}
