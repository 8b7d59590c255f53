package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Series is one figure measured over several rounds.
type Series []float64

// Median is the middle value (the mean of the two middle ones for an even
// count); zero for an empty series.
func (s Series) Median() float64 {
	if len(s) == 0 {
		return 0
	}
	v := slices.Sorted(slices.Values(s))
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// format writes the median and the range as "median [min–max]".
func (s Series) format(prec int) string {
	if len(s) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.*f [%.*f–%.*f]", prec, s.Median(), prec, slices.Min(s), prec, slices.Max(s))
}

// Goal says which way a row's ratio must go to pass.
type Goal int

const (
	// NoGoal rows are informative only.
	NoGoal Goal = iota
	// AtMost rows pass when gssh/ssh ≤ Target (lower is better).
	AtMost
	// AtLeast rows pass when gssh/ssh ≥ Target (higher is better).
	AtLeast
	// AbsAtMost rows pass when gssh's own median ≤ Target, in the row's
	// unit; the ratio is shown for information.
	AbsAtMost
)

// Row is one line of the comparison table.
type Row struct {
	// Heading rows start a section: only Name is printed, on its own line.
	Heading    bool
	Name, Unit string
	Prec       int // decimals shown
	GSSH, SSH  Series
	Goal       Goal
	Target     float64
}

// Ratio is gssh's median over ssh's; zero when either is missing.
func (r Row) Ratio() float64 {
	if r.SSH.Median() == 0 || len(r.GSSH) == 0 {
		return 0
	}
	return r.GSSH.Median() / r.SSH.Median()
}

// verdict is the row's acceptance column.
func (r Row) verdict() string {
	ratio, g := r.Ratio(), r.GSSH.Median()
	pass := func(ok bool, s string) string {
		if ok {
			return "yes (" + s + ")"
		}
		return "NO (" + s + ")"
	}
	switch r.Goal {
	case AtMost:
		return pass(ratio <= r.Target, fmt.Sprintf("≤ %.2f", r.Target))
	case AtLeast:
		return pass(ratio >= r.Target, fmt.Sprintf("≥ %.2f", r.Target))
	case AbsAtMost:
		return pass(g <= r.Target, fmt.Sprintf("gssh ≤ %g %s", r.Target, r.Unit))
	}
	return ""
}

// WriteTable prints rows as an aligned plain-text table.
func WriteTable(w io.Writer, rows []Row) error {
	cells := [][]string{{"figure", "unit", "gssh median [min–max]", "ssh median [min–max]", "gssh/ssh", "acceptance"}}
	for _, r := range rows {
		if r.Heading {
			cells = append(cells, []string{r.Name})
			continue
		}
		ratio := "-"
		if q := r.Ratio(); q != 0 {
			ratio = fmt.Sprintf("%.3f", q)
		}
		cells = append(cells, []string{r.Name, r.Unit, r.GSSH.format(r.Prec), r.SSH.format(r.Prec), ratio, r.verdict()})
	}
	width := make([]int, len(cells[0]))
	for _, c := range cells {
		if len(c) == 1 {
			continue
		}
		for i, s := range c {
			width[i] = max(width[i], len([]rune(s)))
		}
	}
	var b strings.Builder
	for _, c := range cells {
		if len(c) == 1 {
			b.WriteString("\n" + c[0] + "\n")
			continue
		}
		for i, s := range c {
			pad := width[i] - len([]rune(s))
			if i == len(c)-1 {
				pad = 0
			}
			b.WriteString(s + strings.Repeat(" ", pad))
			if i < len(c)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
