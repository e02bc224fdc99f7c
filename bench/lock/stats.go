package main

import (
	"fmt"
	"slices"
	"time"
)

// stats summarizes samples of one measurement.
type stats struct {
	name    string
	samples []time.Duration
}

func (s *stats) add(d time.Duration) { s.samples = append(s.samples, d) }

// quantile returns the nearest-rank quantile q (0..1) of the samples.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// row renders one Markdown table row: name, n, min, median, p90, max.
func (s *stats) row() string {
	sorted := slices.Clone(s.samples)
	slices.Sort(sorted)
	if len(sorted) == 0 {
		return fmt.Sprintf("| %s | 0 | | | | |", s.name)
	}
	return fmt.Sprintf("| %s | %d | %s | %s | %s | %s |", s.name, len(sorted),
		ms(sorted[0]), ms(quantile(sorted, 0.5)), ms(quantile(sorted, 0.9)), ms(sorted[len(sorted)-1]))
}

const tableHead = "| measurement | n | min | median | p90 | max |\n|---|---|---|---|---|---|"
