package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var toolColors = map[string]color.Color{
	toolOurs:    color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	toolHelm:    color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	toolKubedog: color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

// panel is one plot: a measure of the healthy runs (and the failing one) against pod count.
type panel struct {
	title, ylabel string
	scenarios     []string // a line per tool and scenario; the first solid, the others dashed
	f             func(result) (float64, bool)
	limit         float64 // a target drawn as a grey line (0: none); the y axis is then linear from 0
}

// plotScale draws wall time, peak RSS and API requests against pod count for the three tools
// (log–log) side by side into a PNG.
func plotScale(all []result, path string) error {
	rp := &report{all: all}
	sizes := rp.sizes()
	panels := []panel{
		{"Healthy wall time\n(install solid, upgrade dashed)", "seconds", []string{scInstall, scUpgrade}, okWall, 0},
		{"Peak RSS, target ours ≤ 150 MiB\n(upgrade solid, fail dashed)", "MiB", []string{scUpgrade, scFail}, rusageMiB, maxRSSMiB},
		{"API requests\n(upgrade solid, fail dashed)", "requests", []string{scUpgrade, scFail}, apiTotal, 0},
	}
	row := make([]*plot.Plot, len(panels))
	for i, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.X.Label.Text = "pods"
		p.Y.Label.Text = pn.ylabel
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
		if pn.limit == 0 {
			p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
		}
		p.Legend.Top, p.Legend.Left = false, false
		for _, t := range tools {
			for j, sc := range pn.scenarios {
				var xys plotter.XYs
				for _, s := range sizes {
					if v, ok := rp.med(s.Pods, t, sc, pn.f); ok && v > 0 {
						xys = append(xys, plotter.XY{X: float64(s.Pods), Y: v})
					}
				}
				if len(xys) == 0 {
					continue
				}
				l, pts, err := plotter.NewLinePoints(xys)
				if err != nil {
					return err
				}
				l.Color, pts.Color = toolColors[t], toolColors[t]
				if j > 0 {
					l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				}
				p.Add(l, pts)
				if j == 0 {
					p.Legend.Add(t, l, pts)
				}
			}
		}
		pad(p, sizes, pn.limit)
		row[i] = p
	}
	const w, h = 13 * vg.Inch, 4.2 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 3,
		PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	for i, p := range row {
		p.Draw(tiles.At(dc, i, 0))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// pad widens the axes around the points; a limit is drawn as a line and the y axis starts at 0.
func pad(p *plot.Plot, sizes []size, limit float64) {
	p.X.Min, p.X.Max = float64(sizes[0].Pods)/2, float64(sizes[len(sizes)-1].Pods)*2
	if limit == 0 {
		p.Y.Min, p.Y.Max = p.Y.Min/1.2, p.Y.Max*1.2
		return
	}
	l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: limit}, {X: p.X.Max, Y: limit}})
	if err == nil {
		l.Color, l.Dashes = color.Gray{Y: 0x99}, []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(l)
	}
	p.Y.Min, p.Y.Max = 0, max(p.Y.Max, limit)*1.15
	p.Y.Tick.Marker = linearTicks{step: 50}
}

// linearTicks labels every step from 0.
type linearTicks struct{ step float64 }

func (t linearTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for v := math.Ceil(lo/t.step) * t.step; v <= hi; v += t.step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
	}
	return ts
}

// logTicks labels 1, 2 and 5 times the powers of ten in range (plot.LogTicks labels only the
// powers, too few on a narrow range).
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			if v := m * math.Pow(10, e); v >= lo && v <= hi {
				ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
			}
		}
	}
	if len(ts) < 2 {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	return ts
}
