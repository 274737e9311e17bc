package handler

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"seminareval/service/report"
)

// The dashboard's charts are inline SVG written here: no JavaScript chart
// library and no CDN, they print as crisp vectors, and they need no inline
// style attributes (the console's Content-Security-Policy forbids them),
// only SVG presentation attributes.

// likertWidth is the viewBox width of a diverging bar: 200 units a side,
// 2 units per percentage point.
const likertWidth = 400

// likertBar draws one Likert item as a diverging stacked bar: disagreement
// to the left of the centre line, agreement to the right, neutral straddling
// it. levels run 5 (strongly agree) … 1, as in the summary.
func likertBar(levels []report.LevelCount, label, lang string) template.HTML {
	if len(levels) != 5 {
		return ""
	}
	p := func(i int) float64 { return 2 * float64(levels[i].Percent) }
	sa, a, ne, d, sd := p(0), p(1), p(2), p(3), p(4)
	mid := float64(likertWidth / 2)
	// x and width of each level, in the order of levels.
	segs := [5][2]float64{
		{mid + ne/2 + a, sa},
		{mid + ne/2, a},
		{mid - ne/2, ne},
		{mid - ne/2 - d, d},
		{mid - ne/2 - d - sd, sd},
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="likert-bar" viewBox="0 0 %d 30" role="img" aria-label="%s">`, likertWidth, html.EscapeString(label))
	fmt.Fprintf(&b, `<rect x="0" y="3" width="%d" height="24" fill="#f4f6f8"/>`, likertWidth)
	for i, s := range segs {
		if s[1] <= 0 {
			continue
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="3" width="%.1f" height="24" fill="#%s"><title>%s: %d%% (%d)</title></rect>`,
			s[0], s[1], report.LikertColours[i], html.EscapeString(levels[i].Label.In(lang)), levels[i].Percent, levels[i].Count)
		if levels[i].Percent >= 7 {
			ink := "#1d1d1d"
			if i == 0 || i == 4 {
				ink = "#ffffff"
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="19.5" text-anchor="middle" font-size="11" fill="%s">%d%%</text>`, s[0]+s[1]/2, ink, levels[i].Percent)
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="0" x2="%d" y2="30" stroke="#333" stroke-width="1"/>`, likertWidth/2, likertWidth/2)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// likertAxis is the scale above the diverging bars: 100% … 0 … 100%.
func likertAxis() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="likert-bar likert-axis" viewBox="0 0 %d 16" aria-hidden="true">`, likertWidth)
	for _, t := range []struct {
		x     int
		label string
	}{{0, "100%"}, {100, "50%"}, {200, "0"}, {300, "50%"}, {400, "100%"}} {
		anchor := "middle"
		switch t.x {
		case 0:
			anchor = "start"
		case likertWidth:
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%d" y="11" text-anchor="%s" font-size="10" fill="#555">%s</text>`, t.x, anchor, t.label)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// percentBar is a horizontal bar of pct on a 0–100 track.
func percentBar(pct int, colour string) template.HTML {
	if pct < 0 {
		pct = 0
	}
	if pct > 100 {
		pct = 100
	}
	return template.HTML(fmt.Sprintf(`<svg class="pct-bar" viewBox="0 0 200 16" aria-hidden="true"><rect x="0" y="2" width="200" height="12" fill="#eef1f4"/><rect x="0" y="2" width="%d" height="12" fill="#%s"/></svg>`, 2*pct, colour))
}

// columnChart draws the distribution of a rating or NPS question as
// columns, one per point of the scale, labelled with the point and the
// count.
func columnChart(q report.QuestionSummary, label string) template.HTML {
	if len(q.Levels) == 0 {
		return ""
	}
	const step, barW, base, maxH = 36, 24, 92, 70
	maxPct := 1
	for _, l := range q.Levels {
		maxPct = max(maxPct, l.Percent)
	}
	var b strings.Builder
	// A fixed scale (1.4 px per unit) so that a 5-point rating and an
	// 11-point NPS chart have the same bar width and type size.
	w := step * len(q.Levels)
	fmt.Fprintf(&b, `<svg class="columns" viewBox="0 0 %d 112" width="%d" height="%d" role="img" aria-label="%s">`, w, w*14/10, 112*14/10, html.EscapeString(label))
	fmt.Fprintf(&b, `<line x1="0" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, base, w, base)
	for i, l := range q.Levels {
		h := float64(maxH*l.Percent) / float64(maxPct)
		x := i*step + (step-barW)/2
		colour := "2F6690"
		if q.Type == "nps" {
			switch {
			case l.Value >= 9:
				colour = report.LikertColours[0]
			case l.Value >= 7:
				colour = report.LikertColours[2]
			default:
				colour = report.LikertColours[4]
			}
		}
		if h > 0 {
			fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%d" height="%.1f" fill="#%s"><title>%d: %d (%d%%)</title></rect>`, x, base-h, barW, h, colour, l.Value, l.Count, l.Percent)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="middle" font-size="10" fill="#333">%d</text>`, x+barW/2, base-h-4, l.Count)
		fmt.Fprintf(&b, `<text x="%d" y="106" text-anchor="middle" font-size="11" fill="#333">%d</text>`, x+barW/2, l.Value)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// swatch is a small square of a colour, for legends.
func swatch(colour string) template.HTML {
	return template.HTML(fmt.Sprintf(`<svg class="swatch" viewBox="0 0 12 12" aria-hidden="true"><rect width="12" height="12" fill="#%s"/></svg>`, colour))
}

// slopeChart draws each paired participant's test score before (left) and
// after (right) as a line on a 0–100% scale — green up, red down, grey the
// same — with the means as a thick line.
func slopeChart(pairs [][2]float64, before, after, aria string) template.HTML {
	const left, right, top, bottom = 70.0, 250.0, 16.0, 176.0
	y := func(p float64) float64 { return bottom - (bottom-top)*p/100 }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="slope" viewBox="0 0 320 210" role="img" aria-label="%s">`, html.EscapeString(aria))
	for _, p := range []float64{0, 50, 100} {
		fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#dde3ea"/><text x="%.0f" y="%.1f" font-size="11" text-anchor="end" fill="#555">%.0f%%</text>`,
			left, right, y(p), y(p), left-8, y(p)+4, p)
	}
	var preSum, postSum float64
	for _, p := range pairs {
		colour := "#9AA5B1"
		switch {
		case p[1] > p[0]:
			colour = "#188038"
		case p[1] < p[0]:
			colour = "#B3261E"
		}
		fmt.Fprintf(&b, `<line class="pair" x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="%s" stroke-opacity="0.6" stroke-width="1.5"/><circle cx="%.0f" cy="%.1f" r="2.5" fill="%s"/><circle cx="%.0f" cy="%.1f" r="2.5" fill="%s"/>`,
			left, right, y(p[0]), y(p[1]), colour, left, y(p[0]), colour, right, y(p[1]), colour)
		preSum += p[0]
		postSum += p[1]
	}
	if n := float64(len(pairs)); n > 0 {
		fmt.Fprintf(&b, `<line class="mean" x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#2F6690" stroke-width="4"/>`, left, right, y(preSum/n), y(postSum/n))
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="200" font-size="12" text-anchor="middle">%s</text><text x="%.0f" y="200" font-size="12" text-anchor="middle">%s</text></svg>`,
		left, html.EscapeString(before), right, html.EscapeString(after))
	return template.HTML(b.String())
}
