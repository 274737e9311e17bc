package report

import (
	"context"
	"fmt"

	"seminareval/service"

	"github.com/xuri/excelize/v2"
)

// writeLearning writes a knowledge test's sheet: its figures (both tests'
// counts, the paired means, gain, Wilcoxon and mastery), the right answers
// per question before and after with a native bar chart, and each paired
// participant's scores (numbered, never named). An evaluation has none.
func (a *annex) writeLearning(context.Context) error {
	ts := a.s.Test
	if ts == nil {
		return nil
	}
	w, t := a.writer(SheetLearning), a.t
	w.colWidth(1, 1, 46)
	w.colWidth(2, 4, 14)
	w.set(1, 1, t["learning"]+": "+a.l.Def.Title.In(a.lang), "title")
	row := 3
	fact := func(label string, v any, style string) {
		w.set(1, row, label, "label")
		if style == "text" {
			w.merged(2, 5, row, v, style) // a sentence: across the table's columns
		} else {
			w.set(2, row, v, style)
		}
		row++
	}
	frac := func(p *float64) any {
		if p == nil {
			return "–"
		}
		return *p / 100
	}
	fact(t["t_max"], ts.MaxPoints, "num")
	post := ts.NPost != nil
	if !post {
		fact(t["t_n"], *ts.N, "num")
		fact(t["t_mean"], frac(ts.MeanPercent), "pct1")
	} else {
		fact(t["t_n_pre"], *ts.NPre, "num")
		fact(t["t_n_post"], *ts.NPost, "num")
		if ps := ts.PairedScoresSummary; ps != nil {
			fact(t["t_paired"], ps.NPaired, "num")
			fact(t["t_pre_mean"], frac(ps.PreMeanPercent), "pct1")
			fact(t["t_post_mean"], frac(ps.PostMeanPercent), "pct1")
			if ps.NormalizedGain != nil {
				fact(t["t_gain"], *ps.NormalizedGain, "num2")
			}
			if wx := ps.Wilcoxon; wx.P != nil {
				fact(t["t_wilcoxon"], fmt.Sprintf("W+ = %g, W− = %g, n = %d, p = %.4f (%s)", wx.WPlus, wx.WMinus, wx.N, *wx.P, t["t_method_"+wx.Method]), "text")
			}
			if ps.MasteryPrePercent != nil {
				fact(fmt.Sprintf(t["t_mastery"], int(ps.MasteryPercent)), fmt.Sprintf("%d%% → %d%%", *ps.MasteryPrePercent, *ps.MasteryPostPercent), "text")
			}
		} else if ts.Withheld {
			w.set(1, row, fmt.Sprintf(t["t_withheld"], service.SuppressBelow), "note")
			row++
		}
	}

	// The questions: right answers before and after, and their chart.
	row++
	headRow := row
	heads := []string{t["key"], t["t_points"], t["t_after"]}
	if post {
		heads = []string{t["key"], t["t_points"], t["t_before"], t["t_after"]}
	} else {
		heads[2] = t["t_right"]
	}
	w.heads(headRow, heads)
	pct := func(p *int) any {
		if p == nil {
			return "–"
		}
		return float64(*p) / 100
	}
	for _, it := range ts.Items {
		row++
		if post {
			w.setRow(row, []any{it.Text.In(a.lang), it.Points, pct(it.PreCorrectPercent), pct(it.PostCorrectPercent)}, []string{"wrap", "int", "percent", "percent"})
		} else {
			w.setRow(row, []any{it.Text.In(a.lang), it.Points, pct(it.CorrectPercent)}, []string{"wrap", "int", "percent"})
		}
	}
	if len(ts.Items) > 0 {
		w.applyHeights()
		height := uint(110 + 34*len(ts.Items))
		w.chart("learning chart", fmt.Sprintf("F%d", headRow), a.learningChart(headRow, len(ts.Items), post, height))
		row = max(row, a.chartEnd(SheetLearning, headRow, height))
	}

	// Each paired participant, lowest score before first.
	if pairs := ts.Pairs(); post && len(pairs) > 0 {
		row += 2
		w.heads(row, []string{t["t_participant"], t["t_before"], t["t_after"], t["t_change"]})
		for i, p := range pairs {
			row++
			w.setRow(row, []any{i + 1, p[0] / 100, p[1] / 100, (p[1] - p[0]) / 100}, []string{"int", "percent", "percent", "percent"})
		}
	}
	w.applyHeights()
	return w.err
}

// learningChart is the clustered bars of the right answers per question
// (before and after on a post-test) of the table with its head at headRow.
func (a *annex) learningChart(headRow, n int, post bool, height uint) *excelize.Chart {
	first, last := headRow+1, headRow+n
	series := []excelize.ChartSeries{{Name: refOn(SheetLearning, 3, headRow), Categories: refRangeOn(SheetLearning, 1, first, 1, last), Values: refRangeOn(SheetLearning, 3, first, 3, last),
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"2F6690"}}}}
	if post {
		series = []excelize.ChartSeries{
			{Name: refOn(SheetLearning, 3, headRow), Categories: refRangeOn(SheetLearning, 1, first, 1, last), Values: refRangeOn(SheetLearning, 3, first, 3, last),
				Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"9AA5B1"}}},
			{Name: refOn(SheetLearning, 4, headRow), Categories: refRangeOn(SheetLearning, 1, first, 1, last), Values: refRangeOn(SheetLearning, 4, first, 4, last),
				Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"2F6690"}}},
		}
	}
	return &excelize.Chart{
		Type:       excelize.Bar,
		Series:     series,
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: a.t["t_right"]}}},
		Legend:     excelize.ChartLegend{Position: "bottom"},
		VaryColors: pointerTo(false),
		Dimension:  excelize.ChartDimension{Width: 560, Height: height},
		XAxis:      excelize.ChartAxis{ReverseOrder: true, Font: axisFont},
		YAxis:      excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, Maximum: pointerTo(1.0), Minimum: pointerTo(0.0)},
		PlotArea:   excelize.ChartPlotArea{ShowVal: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		Format:     excelize.GraphicOptions{PrintObject: pointerTo(true)},
	}
}
