// Package memory runs associative-memory experiments on count synapses
// (synapse.Counts) and binary units (neuron.SelectKWinners and friends):
// one-shot storage of M patterns, queries made by deleting and adding
// units, one-step and iterative retrieval with or without adaptive noise
// estimation (ANE), and the measures of the field.
//
// Patterns u^μ ∈ {0,1}^n come from an Ensemble: exactly K active units
// (fixed_k), each unit active with probability P (bernoulli, "Palm"
// patterns), or H modules of n/H units with one active unit each
// (modular). Auto-association stores (u^μ, u^μ); hetero-association
// (u^μ, v^μ) with v^μ from a content ensemble.
//
// A query x̃ is a stored address pattern with noise (QueryNoise): a
// fraction p₀₁ of its active units deleted and a fraction p₁₀ of its silent
// units added, either exactly (half-pattern queries) or bit by bit.
// Retrieval computes the dendritic potentials of the rule
// (synapse.Readout) and activates the output by threshold, k winners (k̂
// the expected pattern size) or one winner per module; iterative
// retrieval feeds the output back as the next query. ANE (dopa's own
// definition, see Estimate and docs/memory.md) re-estimates (p₀₁, p₁₀)
// from the Willshaw sums of each step's query and recomputes the Bayes and
// BCPNN weights and biases and the Willshaw threshold.
//
// Measures (Result): output noise ε = (false + missed)/k averaged over
// queries, the perfect-recall fraction, the false-positive rate of silent
// units, and the stored information in bits per synapse,
// C = M·n·T(p, q₀₁, q₁₀)/(m·n) with T the transinformation of one content
// bit (Knoblauch, Palm & Sommer 2010). Capacity finds M_ε by bisection.
// Every query draws from its own rng stream of the seed, so results are
// identical for any number of workers.
package memory
