package report

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/spreadsheet"
	"seminareval/templates"
)

// Sheet names of the Excel annex, in workbook order (README, "Excel
// annex"). They stay English whatever the language of the contents, so that
// formulas and scripts that refer to them keep working.
const (
	SheetSummary      = "Summary"
	SheetNarrative    = "Narrative"
	SheetResponses    = "Responses"
	SheetComments     = "Comments"
	SheetParticipants = "Participants"
)

// AnnexSheets lists the sheets in order; a knowledge test's annex has
// Learning after Narrative (SheetsOf).
var AnnexSheets = []string{SheetSummary, SheetNarrative, SheetResponses, SheetComments, SheetParticipants}

// SheetLearning is a knowledge test's scores (annex_learning.go).
const SheetLearning = "Learning"

// SheetsOf is the annex's sheets for s, in order.
func SheetsOf(s *Summary) []string {
	if s.Test == nil {
		return AnnexSheets
	}
	return slices.Insert(slices.Clone(AnnexSheets), 2, SheetLearning)
}

// Colours of the agreement scale, strongly agree → strongly disagree: a
// diverging palette (greens, grey, oranges) that stays distinguishable in
// greyscale print and for the common colour-vision deficiencies. The
// dashboard uses the same ones.
var LikertColours = []string{"1B7837", "7FBF7B", "BDBDBD", "F4A582", "B2182B"}

// AnnexOptions are the choices of an annex.
type AnnexOptions struct {
	Lang   string // language of labels and statements: "en" (default) or "zh"
	Counts bool   // the narrative with counts ("15 of the 18 respondents") instead of percentages
}

// annex holds what the writing functions share.
type annex struct {
	f      *excelize.File
	s      *Summary
	l      *service.Loaded
	lang   string
	t      map[string]string // the wording: the catalogue's "annex." keys
	loc    *time.Location
	styles map[string]int
	quoted map[int]int // style id → the same style with the quote prefix
	// colWidths and heights size the rows of wrapped text (fit).
	colWidths map[string]map[int]float64
	heights   map[string]map[int]float64
	pageTop   int // Summary row after the last manual page break (1: none yet)
	cols      exportColumns
	reports   *Reports
}

// WriteAnnex writes the Excel annex of questionnaire id to w: Summary (header
// block, Likert table with percentage formats and a native 100% stacked bar
// chart, choice tables with bar charts), Narrative, and the streamed
// Responses, Comments and Participants sheets.
func (r *Reports) WriteAnnex(ctx context.Context, id uint64, w io.Writer, opts AnnexOptions) error {
	s, err := r.Summary(ctx, id, Filter{})
	if err != nil {
		return err
	}
	if opts.Counts {
		s.UseCounts()
	}
	lang := opts.Lang
	if lang != "zh" {
		lang = "en"
	}
	a := &annex{f: excelize.NewFile(), s: s, l: s.loaded, lang: lang, t: templates.Messages().Prefixed(lang, "annex."), loc: s.loaded.Seminar.Zone(), reports: r}
	defer a.f.Close()
	a.cols = columnsOf(a.l)
	if err := a.setup(); err != nil {
		return err
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{SheetSummary, a.writeSummary}, {SheetNarrative, a.writeNarrative}, {SheetLearning, a.writeLearning},
		{SheetResponses + "/" + SheetComments, a.writeResponses}, {SheetParticipants, a.writeParticipants},
	}
	for _, st := range steps {
		if err := st.fn(ctx); err != nil {
			return fmt.Errorf("annex sheet %s: %w", st.name, err)
		}
	}
	// Summary, the first sheet, is the active one already. No
	// SetActiveSheet here: it would parse every streamed sheet back into
	// memory (hundreds of MB for 100,000 responses).
	if _, err := a.f.WriteTo(w); err != nil {
		return fmt.Errorf("write annex: %w", err)
	}
	return nil
}

// setup creates the sheets in order, their print layout and the styles.
func (a *annex) setup() error {
	if err := a.f.SetSheetName("Sheet1", SheetSummary); err != nil {
		return err
	}
	for _, name := range SheetsOf(a.s)[1:] {
		if _, err := a.f.NewSheet(name); err != nil {
			return err
		}
	}
	// A4 landscape. Summary, Narrative, Comments and Participants are
	// fitted to the page width (as many pages down as needed); their columns
	// are narrow enough that the text stays above 8 pt. Responses has a
	// column per question and would shrink to a few points: it prints at
	// full size over as many pages across as it needs. The sheets with a
	// header row repeat it on every page. Set before the streamed sheets
	// start: a StreamWriter copies the page setup when it is created.
	landscape, a4, one, zero := "landscape", 9, 1, 0
	for _, name := range SheetsOf(a.s) {
		fit := name != SheetResponses
		layout := &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4}
		if fit {
			layout.FitToWidth, layout.FitToHeight = &one, &zero
		}
		if err := a.f.SetPageLayout(name, layout); err != nil {
			return err
		}
		if err := a.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
			return err
		}
		if name == SheetResponses || name == SheetComments || name == SheetParticipants {
			if err := a.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$1:$1", name), Scope: name}); err != nil {
				return err
			}
		}
	}
	a.styles, a.quoted = map[string]int{}, map[int]int{}
	a.colWidths, a.heights = map[string]map[int]float64{}, map[string]map[int]float64{}
	a.pageTop = 1
	top := &excelize.Alignment{Vertical: "top"} // numbers beside a wrapped statement line up with its first line
	defs := map[string]*excelize.Style{
		"title":   {Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}},
		"bold":    {Font: &excelize.Font{Bold: true}},
		"head":    {Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}, Border: thinBorder()},
		"wrap":    {Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}, Border: thinBorder()},
		"label":   {Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top"}},
		"text":    {Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}},
		"int":     {NumFmt: 1, Border: thinBorder(), Alignment: top}, // 0
		"percent": {NumFmt: 9, Border: thinBorder(), Alignment: top}, // 0%
		"decimal": {NumFmt: 2, Border: thinBorder(), Alignment: top}, // 0.00
		"pct":     {NumFmt: 9, Alignment: &excelize.Alignment{Horizontal: "left"}},
		"num":     {NumFmt: 1, Alignment: &excelize.Alignment{Horizontal: "left"}},
		"pct1":    {CustomNumFmt: pointerTo("0.0%"), Alignment: &excelize.Alignment{Horizontal: "left"}},
		"num2":    {NumFmt: 2, Alignment: &excelize.Alignment{Horizontal: "left"}},
		"date":    {CustomNumFmt: pointerTo("yyyy-mm-dd hh:mm")},
		"number":  {Border: thinBorder(), Alignment: top}, // General: 12, 2.5
		"day":     {CustomNumFmt: pointerTo("yyyy-mm-dd"), Border: thinBorder(), Alignment: top},
		"note":    {Font: &excelize.Font{Italic: true, Color: "555555"}},
	}
	for name, st := range defs {
		id, err := a.f.NewStyle(st)
		if err != nil {
			return fmt.Errorf("style %s: %w", name, err)
		}
		a.styles[name] = id
	}
	return nil
}

func thinBorder() []excelize.Border {
	var out []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		out = append(out, excelize.Border{Type: side, Color: "C8CED6", Style: 1})
	}
	return out
}

func pointerTo[T any](v T) *T { return &v }

// lineHeight is the height in points of one line of 11-point text, as Excel
// and LibreOffice lay it out.
const lineHeight = 15.0

// displayWidth counts a text's width in character cells as a spreadsheet
// column measures it: Chinese, Japanese and Korean characters and full-width
// forms take two.
func displayWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			w += 2
		default:
			w++
		}
	}
	return w
}

// wrappedHeight is the row height (points) that shows s wrapped in a column
// of colWidth characters: Excel and LibreOffice print a wrapped cell at the
// row's stored height, so text in a row left at the default overprints the
// next rows. 0 (the default height) for one line.
func wrappedHeight(s string, colWidth float64) float64 {
	usable := max(colWidth-1, 4) // the cell's padding
	lines := 0
	for _, para := range strings.Split(s, "\n") {
		lines += max(1, int(displayWidth(para)/usable+0.999))
	}
	if lines <= 1 {
		return 0
	}
	return min(float64(lines)*lineHeight+3, 409) // 409 pt is Excel's largest row
}

// fit records that the cell at col, row holds wrapped text s, so that the
// row is made tall enough (applyHeights).
func (a *annex) fit(sheet string, col, row int, s string, fontScale float64) {
	w := a.colWidths[sheet][col]
	if w == 0 {
		w = 9
	}
	a.fitWidth(sheet, row, s, w, fontScale)
}

// fitWidth is fit for text across width characters (a merged range).
func (a *annex) fitWidth(sheet string, row int, s string, width, fontScale float64) {
	h := wrappedHeight(s, width/fontScale) * fontScale
	if h == 0 && fontScale > 1 {
		h = lineHeight*fontScale + 3
	}
	if a.heights[sheet] == nil {
		a.heights[sheet] = map[int]float64{}
	}
	a.heights[sheet][row] = max(a.heights[sheet][row], h)
}

// fontScale is the size of a style's text relative to 11 points.
func fontScale(style string) float64 {
	if style == "title" {
		return 14.0 / 11
	}
	return 1
}

// setColWidth sets columns from..to of a normally written sheet and
// remembers the widths for fit.
func (a *annex) setColWidth(sheet string, from, to int, w float64) error {
	c1, _ := excelize.ColumnNumberToName(from)
	c2, _ := excelize.ColumnNumberToName(to)
	if err := a.f.SetColWidth(sheet, c1, c2, w); err != nil {
		return err
	}
	if a.colWidths[sheet] == nil {
		a.colWidths[sheet] = map[int]float64{}
	}
	for c := from; c <= to; c++ {
		a.colWidths[sheet][c] = w
	}
	return nil
}

// summaryCols is the width of the Summary's Likert table: statement, n, five
// levels, not applicable, agree, mean, SD.
const summaryCols = 11

// setMerged writes v across columns col1..col2 of one row, merged, and
// sizes the row for the merged width.
func (a *annex) setMerged(sheet string, col1, col2, row int, v any, style string) error {
	if err := a.set(sheet, col1, row, v, ""); err != nil {
		return err
	}
	from, _ := excelize.CoordinatesToCellName(col1, row)
	to, _ := excelize.CoordinatesToCellName(col2, row)
	if err := a.f.MergeCell(sheet, from, to); err != nil {
		return err
	}
	id := a.styles[style]
	if s, ok := v.(string); ok {
		if spreadsheet.StartsLikeFormula(s) {
			id = spreadsheet.QuotePrefixed(a.f, a.quoted, id)
		}
		w := 0.0
		for c := col1; c <= col2; c++ {
			w += a.colWidths[sheet][c]
		}
		a.fitWidth(sheet, row, s, w, fontScale(style))
	}
	return a.f.SetCellStyle(sheet, from, to, id)
}

// applyHeights sets the row heights fit recorded.
func (a *annex) applyHeights(sheet string) error {
	for row, h := range a.heights[sheet] {
		if h > 0 {
			if err := a.f.SetRowHeight(sheet, row, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// textCell is a streamed cell for text: with the quote-prefix style when the
// text starts like a formula.
func (a *annex) textCell(s string, style int) any {
	if spreadsheet.StartsLikeFormula(s) {
		return excelize.Cell{StyleID: spreadsheet.QuotePrefixed(a.f, a.quoted, style), Value: s}
	}
	if style != 0 {
		return excelize.Cell{StyleID: style, Value: s}
	}
	return s
}

// set writes one cell of a normally written sheet with an optional style;
// text that starts like a formula gets the quote prefix.
func (a *annex) set(sheet string, col, row int, v any, style string) error {
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return err
	}
	id := 0
	if style != "" {
		id = a.styles[style]
	}
	if s, ok := v.(string); ok && spreadsheet.StartsLikeFormula(s) {
		id = spreadsheet.QuotePrefixed(a.f, a.quoted, id)
	}
	if s, ok := v.(string); ok {
		switch style {
		case "wrap", "text", "head", "title":
			a.fit(sheet, col, row, s, fontScale(style))
		}
	}
	if err := a.f.SetCellValue(sheet, cell, v); err != nil {
		return err
	}
	if id != 0 {
		return a.f.SetCellStyle(sheet, cell, cell, id)
	}
	return nil
}

// sheetWriter writes the cells of one normally written sheet and keeps the
// first error, as bufio.Writer does: a block writes its cells straight
// through, and whoever finishes the sheet checks err once. After an error
// every method does nothing.
type sheetWriter struct {
	a     *annex
	sheet string
	err   error
}

func (a *annex) writer(sheet string) *sheetWriter { return &sheetWriter{a: a, sheet: sheet} }

// set writes one cell (annex.set).
func (w *sheetWriter) set(col, row int, v any, style string) {
	if w.err == nil {
		w.err = w.a.set(w.sheet, col, row, v, style)
	}
}

// setRow writes vals from column A on, each with its style.
func (w *sheetWriter) setRow(row int, vals []any, styles []string) {
	for i, v := range vals {
		w.set(i+1, row, v, styles[i])
	}
}

// heads writes the head row of a table from column A on.
func (w *sheetWriter) heads(row int, heads []string) {
	for i, h := range heads {
		w.set(i+1, row, h, "head")
	}
}

// merged writes v across columns col1..col2 of row (annex.setMerged).
func (w *sheetWriter) merged(col1, col2, row int, v any, style string) {
	if w.err == nil {
		w.err = w.a.setMerged(w.sheet, col1, col2, row, v, style)
	}
}

// colWidth sets columns from..to (annex.setColWidth).
func (w *sheetWriter) colWidth(from, to int, width float64) {
	if w.err == nil {
		w.err = w.a.setColWidth(w.sheet, from, to, width)
	}
}

// applyHeights sets the row heights recorded so far (annex.applyHeights).
func (w *sheetWriter) applyHeights() {
	if w.err == nil {
		w.err = w.a.applyHeights(w.sheet)
	}
}

// chart adds c anchored at cell; what names the chart in the error.
func (w *sheetWriter) chart(what, cell string, c *excelize.Chart) {
	if w.err != nil {
		return
	}
	if err := w.a.f.AddChart(w.sheet, cell, c); err != nil {
		w.err = fmt.Errorf("%s: %w", what, err)
	}
}

// keepTogether keeps rows first..last on one page (annex.keepTogether).
func (w *sheetWriter) keepTogether(first, last int) {
	if w.err == nil {
		w.a.keepTogether(w.sheet, first, last)
	}
}

// ref is an absolute reference into the Summary sheet, as chart series
// want it: 'Summary'!$C$12.
func ref(col, row int) string { return refOn(SheetSummary, col, row) }

func refRange(col1, row1, col2, row2 int) string {
	return refRangeOn(SheetSummary, col1, row1, col2, row2)
}

// refOn and refRangeOn are absolute references to cells of sheet, as a
// chart's series need them.
func refOn(sheet string, col, row int) string {
	name, _ := excelize.ColumnNumberToName(col)
	return fmt.Sprintf("'%s'!$%s$%d", sheet, name, row)
}

func refRangeOn(sheet string, col1, row1, col2, row2 int) string {
	n1, _ := excelize.ColumnNumberToName(col1)
	n2, _ := excelize.ColumnNumberToName(col2)
	return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sheet, n1, row1, n2, row2)
}

// writeSummary writes the Summary sheet: the header block and, once there
// are responses, the Likert table and chart, the ratings and NPS, the
// numbers and dates, and the choice questions, each part starting below the
// last.
func (a *annex) writeSummary(ctx context.Context) error {
	w := a.writer(SheetSummary)
	// Column A holds the statements; B–K the numbers of the Likert table.
	w.colWidth(1, 1, 48)
	w.colWidth(2, summaryCols, 9.5)
	row := a.summaryHeader(w)
	if *a.s.Respondents == 0 {
		w.set(1, row, a.t["none"], "note")
	} else {
		row = a.summaryLikert(w, row)
		row = a.summaryScales(w, row)
		row = a.summaryFigures(w, row)
		a.summaryChoices(w, row)
	}
	w.applyHeights()
	return w.err
}

// headerFact is one line of the Summary's header block: a label in column
// A and its value in B (text across B–K).
type headerFact struct {
	label string
	v     any
	style string
}

// summaryHeader writes the title and the header block; it returns the row
// after the blank one below them.
func (a *annex) summaryHeader(w *sheetWriter) int {
	w.merged(1, summaryCols, 1, a.t["title"]+": "+a.s.Questionnaire.Title.In(a.lang), "title")
	row := 3
	for _, h := range a.headerFacts() {
		w.set(1, row, h.label, "label")
		if _, text := h.v.(string); text {
			// A seminar title wraps over the merged width, not column B's.
			w.merged(2, summaryCols, row, h.v, "text")
		} else {
			w.set(2, row, h.v, h.style)
		}
		row++
	}
	return row + 1
}

// headerFacts are the lines of the header block: the seminar, the
// questionnaire, the responses, and when the annex was made.
func (a *annex) headerFacts() []headerFact {
	s, t := a.s, a.t
	facts := append(a.seminarFacts(), headerFact{t["questionnaire"], s.Questionnaire.Title.In(a.lang) + " (/s/" + s.Questionnaire.Slug + ")", ""})
	facts = append(facts, a.responseFacts()...)
	if s.Questionnaire.Anonymous {
		facts = append(facts, headerFact{t["anonymous"], t["anon_yes"], ""})
	}
	generated := a.reports.now().In(a.loc).Format("2006-01-02 15:04") + " (" + a.loc.String() + ")"
	return append(facts, headerFact{t["generated"], generated, ""})
}

// seminarFacts are the seminar's title, dates and location, when the
// questionnaire belongs to one.
func (a *annex) seminarFacts() []headerFact {
	sem, t := a.l.Seminar, a.t
	if sem == nil {
		return nil
	}
	out := []headerFact{{t["seminar"], sem.Title.In(a.lang), "text"}}
	if sem.StartsOn != "" {
		dates := sem.StartsOn
		if sem.EndsOn != "" && sem.EndsOn != sem.StartsOn {
			dates += " – " + sem.EndsOn
		}
		out = append(out, headerFact{t["dates"], dates, ""})
	}
	if loc := sem.Location.In(a.lang); loc != "" {
		out = append(out, headerFact{t["location"], loc, ""})
	}
	return out
}

// responseFacts are when the responses came in, how many, how many were
// invited and the response rate.
func (a *annex) responseFacts() []headerFact {
	s, t := a.s, a.t
	var out []headerFact
	if s.FirstResponse != nil {
		layout := "2006-01-02 15:04"
		if s.Questionnaire.Anonymous {
			layout = time.DateOnly
		}
		out = append(out, headerFact{t["collected"], fmt.Sprintf("%s – %s (%s %s)", s.FirstResponse.In(a.loc).Format(layout),
			s.LastResponse.In(a.loc).Format(layout), t["time_zone"], a.loc.String()), ""})
	}
	out = append(out, headerFact{t["respondents"], *s.Respondents, "num"})
	if s.Invited > 0 {
		out = append(out, headerFact{t["invited"], s.Invited, "num"})
	} else {
		out = append(out, headerFact{t["invited"], t["no_roster"], ""})
	}
	if num, ok := s.rateNumerator(); ok {
		out = append(out, headerFact{t["rate"], float64(num) / float64(s.Invited), "pct"})
	} else if s.Invited > 0 {
		// More unlinked answers than invited: the counts, not a rate above 100%.
		out = append(out, headerFact{t["rate"], fmt.Sprintf(t["no_rate"], *s.Respondents, *s.RosterRespondents), ""})
	} else {
		out = append(out, headerFact{t["rate"], "—", ""})
	}
	if s.Invited > 0 && *s.RosterRespondents > 0 && *s.OtherRespondents > 0 {
		out = append(out, headerFact{t["linked"], fmt.Sprintf(t["linked_v"], *s.RosterRespondents, *s.OtherRespondents), ""})
	}
	return out
}

// summaryLikert writes the Likert table, one row per item, with its 100%
// stacked bar chart below; it returns the row after them. Percentages are
// stored as fractions with the 0% format (0.94, shown 94%), so they stay
// numbers.
func (a *annex) summaryLikert(w *sheetWriter, row int) int {
	likert := a.s.LikertQuestions()
	if len(likert) == 0 {
		return row
	}
	t := a.t
	heads := []string{t["statement"], t["n"]}
	for _, lb := range likert[0].Levels {
		heads = append(heads, lb.Label.In(a.lang))
	}
	w.heads(row, append(heads, t["na"], t["agree"], t["mean"], t["sd"]))
	for i, q := range likert {
		vals, styles := a.likertRow(q)
		w.setRow(row+1+i, vals, styles)
	}
	return a.likertChart(w, len(likert[0].Levels), row, row+len(likert))
}

// likertRow is the cells of one Likert item: statement, n, the share of
// each level, not applicable, agree or strongly agree, mean and SD.
func (a *annex) likertRow(q QuestionSummary) ([]any, []string) {
	vals, styles := []any{q.Text.In(a.lang), q.N}, []string{"wrap", "int"}
	for _, lv := range q.Levels {
		var v any = "" // no base, no percentage (everyone "not applicable")
		if q.N > 0 {
			v = float64(lv.Percent) / 100
		}
		vals, styles = append(vals, v), append(styles, "percent")
	}
	var agree, mean, sd any = "", "", ""
	if q.N > 0 {
		agree = float64(q.agreeing()) / float64(q.N) // unrounded: AgreePercent is rounded
		mean = q.mean
	}
	if q.SD != nil {
		sd = *q.SD
	}
	return append(vals, q.NA, agree, mean, sd), append(styles, "int", "percent", "decimal", "decimal")
}

// likertChart draws the 100% stacked bars of the Likert table with its head
// at headRow and its last item at last, a row below the table; it returns
// the row after the chart.
func (a *annex) likertChart(w *sheetWriter, levels, headRow, last int) int {
	first := headRow + 1
	var series []excelize.ChartSeries
	for i := range levels {
		series = append(series, excelize.ChartSeries{
			Name:       ref(3+i, headRow),
			Categories: refRange(1, first, 1, last),
			Values:     refRange(3+i, first, 3+i, last),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{LikertColours[i]}},
		})
	}
	chartRow := last + 2
	height := uint(120 + 42*(last-headRow))
	w.applyHeights() // the chart's anchor is computed from them
	w.chart("likert chart", fmt.Sprintf("A%d", chartRow), &excelize.Chart{
		Type:      excelize.BarPercentStacked,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: a.t["agreement"]}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 960, Height: height},
		XAxis:     excelize.ChartAxis{ReverseOrder: true, Font: axisFont},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%;;;"}}, // no label on an empty segment
		Format:    excelize.GraphicOptions{PrintObject: pointerTo(true)},
	})
	end := a.chartEnd(w.sheet, chartRow, height) + 2 // a spare row: programs draw charts a little taller
	// The chart never split over two pages (the table above it may be).
	w.keepTogether(chartRow, end-1)
	return end + 1
}

// summaryScales writes the ratings and NPS in one compact table.
func (a *annex) summaryScales(w *sheetWriter, row int) int {
	t := a.t
	heads := []string{t["other"], t["n"], t["mean"], t["sd"], t["nps"]}
	return a.summaryTable(w, row, heads, []string{model.TypeRating, model.TypeNPS}, func(q QuestionSummary) ([]any, []string) {
		vals := []any{q.Text.In(a.lang), q.N, "", "", ""}
		if q.Mean != nil {
			vals[2] = q.mean
		}
		if q.SD != nil {
			vals[3] = *q.SD
		}
		if q.NPS != nil {
			vals[4] = *q.NPS
		}
		return vals, []string{"wrap", "int", "decimal", "decimal", "int"}
	})
}

// summaryFigures writes the number and date questions in one table; dates
// as dates.
func (a *annex) summaryFigures(w *sheetWriter, row int) int {
	t := a.t
	heads := []string{t["numbers"], t["n"], t["mean"], t["median"], t["min"], t["max"], t["sd"]}
	return a.summaryTable(w, row, heads, []string{model.TypeNumber, model.TypeDate}, func(q QuestionSummary) ([]any, []string) {
		vals := []any{q.Text.In(a.lang), q.N, "", "", "", "", ""}
		styles := []string{"wrap", "int", "decimal", "number", "number", "number", "decimal"}
		if q.Type == model.TypeNumber && q.Mean != nil {
			vals[2], vals[3], vals[4], vals[5] = q.mean, *q.Median, *q.Min, *q.Max
			if q.SD != nil {
				vals[6] = *q.SD
			}
		}
		if q.Type == model.TypeDate && q.Earliest != nil && q.Latest != nil {
			for i, d := range []string{*q.Earliest, *q.Latest} {
				if day, err := time.Parse(time.DateOnly, d); err == nil {
					vals[4+i], styles[4+i] = day, "day"
				}
			}
		}
		return vals, styles
	})
}

// summaryTable writes a head row and a row of cells for each question of
// one of types, kept on one page, when there is any such question; it
// returns the row after a blank one below.
func (a *annex) summaryTable(w *sheetWriter, row int, heads, types []string, cells func(QuestionSummary) ([]any, []string)) int {
	var qs []QuestionSummary
	for _, q := range a.s.Questions {
		if slices.Contains(types, q.Type) {
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return row
	}
	w.heads(row, heads)
	for i, q := range qs {
		vals, styles := cells(q)
		w.setRow(row+1+i, vals, styles)
	}
	last := row + len(qs)
	w.keepTogether(row, last)
	return last + 2
}

// summaryChoices writes each single and multiple choice question: a table
// and a bar chart beside it.
func (a *annex) summaryChoices(w *sheetWriter, row int) {
	for _, q := range a.s.Questions {
		if q.Type == model.TypeSingle || q.Type == model.TypeMulti {
			row = a.choiceBlock(w, row, q)
		}
	}
}

// choiceBlock writes choice question q from row on: its title (and, for
// several answers, how to read the percentages), the table of options and
// the bar chart to its right, kept on one page. It returns the row after a
// blank one below.
func (a *annex) choiceBlock(w *sheetWriter, row int, q QuestionSummary) int {
	t := a.t
	top := row
	w.set(1, row, q.Text.In(a.lang)+fmt.Sprintf(" (n = %d)", q.N), "bold")
	if q.Type == model.TypeMulti {
		row++
		w.set(1, row, t["multi_note"], "note")
	}
	row++
	headRow := row
	w.heads(headRow, []string{t["option"], t["count"], t["percent"]})
	for _, o := range q.Options {
		row++
		pct := 0.0
		if q.N > 0 {
			pct = float64(o.Percent) / 100
		}
		w.setRow(row, []any{o.Label.In(a.lang), o.Count, pct}, []string{"wrap", "int", "percent"})
	}
	height := uint(90 + 30*len(q.Options))
	w.applyHeights() // the chart's anchor is computed from them
	w.chart("chart of "+q.Key, fmt.Sprintf("E%d", headRow), a.choiceChart(q, headRow, height))
	end := max(row+1, a.chartEnd(w.sheet, headRow, height)+2)
	w.keepTogether(top, end-1)
	return end + 1
}

// choiceChart is the bar chart of the options of q, whose table has its
// head at headRow.
func (a *annex) choiceChart(q QuestionSummary, headRow int, height uint) *excelize.Chart {
	first, last := headRow+1, headRow+len(q.Options)
	return &excelize.Chart{
		Type: excelize.Bar,
		Series: []excelize.ChartSeries{{
			Name: ref(3, headRow), Categories: refRange(1, first, 1, last), Values: refRange(3, first, 3, last),
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"2F6690"}},
		}},
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: q.Text.In(a.lang)}}},
		Legend:     excelize.ChartLegend{Position: "none"},
		VaryColors: pointerTo(false),
		Dimension:  excelize.ChartDimension{Width: 520, Height: height},
		XAxis:      excelize.ChartAxis{ReverseOrder: true, Font: axisFont},
		YAxis:      excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		PlotArea:   excelize.ChartPlotArea{ShowVal: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		Format:     excelize.GraphicOptions{PrintObject: pointerTo(true)},
	}
}

// axisFont is the charts' category labels: dark, so they print (the
// default is a light grey).
var axisFont = excelize.Font{Color: "333333", Size: 9}

// rowHeight is the height in points a row prints at.
func (a *annex) rowHeight(sheet string, row int) float64 {
	if h := a.heights[sheet][row]; h > 0 {
		return h
	}
	return lineHeight
}

// chartEnd is the last row a chart of height pixels anchored at row
// covers, from the rows' heights (a point is 4/3 pixels).
func (a *annex) chartEnd(sheet string, row int, height uint) int {
	px := 0.0
	for ; px < float64(height); row++ {
		px += a.rowHeight(sheet, row) * 4 / 3
	}
	return row
}

// Printed page of the Summary: A4 landscape less the default margins
// (0.7" left and right, 0.75" top and bottom) is 741 × 487 points. The
// sheet is fitted to the page width; its 48 + 10 × 9.5 characters of
// columns print at about 85% in Excel and 75% in LibreOffice (whose
// character is wider), so a page holds at least 487 / 0.75 points of rows;
// 5% is kept in reserve.
const summaryPageHeight = 487 / 0.75 * 0.95

// keepTogether starts a new page at row first when rows first..last would
// straddle a page break of the Summary and fit on one page. It reports
// whether the rows are on one page.
func (a *annex) keepTogether(sheet string, first, last int) bool {
	y := func(row int) float64 { // top of row, below the last manual break
		total := 0.0
		for r := a.pageTop; r < row; r++ {
			total += a.rowHeight(sheet, r)
		}
		return total
	}
	top, bottom := y(first), y(last+1)
	pages := func(v float64) int { return int(v / summaryPageHeight) }
	if pages(top) == pages(bottom-0.01) {
		return true
	}
	if bottom-top > summaryPageHeight {
		return false
	}
	cell, _ := excelize.CoordinatesToCellName(1, first)
	if err := a.f.InsertPageBreak(sheet, cell); err != nil {
		return false
	}
	a.pageTop = first
	return true
}

func (a *annex) writeNarrative(ctx context.Context) error {
	w, t, s := a.writer(SheetNarrative), a.t, a.s
	w.colWidth(1, 1, 20)
	w.colWidth(2, 3, 60)
	w.set(1, 1, t["narrative"], "title")
	base := fmt.Sprintf("%s: %d", t["respondents"], *s.Respondents)
	if pct, ok := s.RatePercent(); ok {
		base += fmt.Sprintf(" / %s: %d (%s %d%%)", t["invited"], s.Invited, t["rate"], pct)
	} else if s.Invited > 0 {
		base += fmt.Sprintf(" / %s: %d (%s)", t["invited"], s.Invited, fmt.Sprintf(t["no_rate"], *s.Respondents, *s.RosterRespondents))
	}
	w.set(1, 2, base, "note")
	w.heads(4, []string{t["key"], t["english"], t["chinese"]})
	row := 5
	// A test's sentences lead (Summary.withTest), then one per Likert item.
	i := 0
	if s.Test != nil {
		en, _ := testNarrative(s.Test)
		for ; i < len(en); i++ {
			w.setRow(row, []any{t["learning"], s.Narrative.En[i], s.Narrative.Zh[i]}, []string{"wrap", "wrap", "wrap"})
			row++
		}
	}
	for _, q := range s.Questions {
		if q.Type != model.TypeLikert || q.N == 0 || q.Report.In("en") == "" {
			continue // the same rule as BuildNarrative, so rows line up with its sentences
		}
		w.setRow(row, []any{q.Key, s.Narrative.En[i], s.Narrative.Zh[i]}, []string{"wrap", "wrap", "wrap"})
		i++
		row++
	}
	w.applyHeights()
	return w.err
}

// streamHeader starts a streamed sheet with a frozen, bold header row.
func (a *annex) streamHeader(sheet string, heads []string, widths []float64) (*excelize.StreamWriter, error) {
	if err := a.f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	sw, err := a.f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	cells := make([]any, len(heads))
	height := 0.0
	for i, h := range heads {
		cells[i] = a.textCell(h, a.styles["head"])
		if i < len(widths) {
			height = max(height, wrappedHeight(h, widths[i]))
		}
	}
	return sw, sw.SetRow("A1", cells, excelize.RowOpts{Height: height})
}

// writeResponses writes the Responses sheet and, from the same keyset
// batches, the Comments sheet (every text answer, by response): one pass
// over the answers for both, each through its own StreamWriter.
func (a *annex) writeResponses(ctx context.Context) error {
	t := a.t
	withParticipant := !a.s.Questionnaire.Anonymous
	heads := []string{"response_id", "submitted_at", "channel", "lang"}
	if withParticipant {
		heads = append(heads, "participant_id")
	}
	fixed := len(heads)
	heads = append(heads, a.cols.keys...)
	// Wide enough for most keys on two lines; the header wraps, so that no
	// column name runs into the next when printed.
	widths := make([]float64, len(heads))
	for i, h := range heads {
		widths[i] = min(max(displayWidth(h)/2+2, 12), 20)
	}
	widths[1] = 17
	sw, err := a.streamHeader(SheetResponses, heads, widths)
	if err != nil {
		return err
	}
	cw, err := a.streamHeader(SheetComments, []string{t["key"], t["response_id"], t["language"], t["comment"]}, []float64{22, 10, 9, 100})
	if err != nil {
		return err
	}
	wrap, err := a.f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	isText := make([]bool, len(a.cols.types))
	for i, typ := range a.cols.types {
		isText[i] = typ == model.TypeText || typ == model.TypeLongText
	}
	dateStyle := a.styles["date"]
	anonymous := a.s.Questionnaire.Anonymous
	if anonymous {
		dateStyle = a.styles["day"] // dated to the day, as in the CSV
	}
	rowNum, commentRow := 2, 2
	cells := make([]any, len(heads))
	err = a.reports.eachResponseBatch(ctx, a.l, a.cols, func(batch []exportRow) error {
		for _, r := range batch {
			cells[0] = r.ID
			at := localWallClock(r.SubmittedAt, a.loc)
			if anonymous {
				at = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
			}
			cells[1] = excelize.Cell{StyleID: dateStyle, Value: at}
			cells[2] = a.textCell(r.Channel, 0)
			cells[3] = a.textCell(r.Lang, 0)
			if withParticipant {
				if r.ParticipantID != nil {
					cells[4] = *r.ParticipantID
				} else {
					cells[4] = nil
				}
			}
			for i, v := range r.Values {
				if s, ok := v.(string); ok {
					v = a.textCell(s, 0)
					if isText[i] {
						cell, _ := excelize.CoordinatesToCellName(1, commentRow)
						if err := cw.SetRow(cell, []any{a.cols.keys[i], r.ID, a.textCell(r.Lang, 0), a.textCell(s, wrap)}, excelize.RowOpts{Height: wrappedHeight(s, 100)}); err != nil {
							return err
						}
						commentRow++
					}
				}
				cells[fixed+i] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, rowNum)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
			rowNum++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return cw.Flush()
}

// writeParticipants lists the seminar's roster. For an anonymous
// questionnaire there is no "responded" column: nothing links a response to
// a person, and the sheet must not suggest otherwise.
func (a *annex) writeParticipants(ctx context.Context) error {
	t := a.t
	linked := !a.s.Questionnaire.Anonymous
	heads := []string{"participant_id", t["name"], t["organisation"], t["country"], t["group"]}
	widths := []float64{14, 28, 36, 16, 14}
	if linked {
		heads = append(heads, t["responded"], "response_id")
		widths = append(widths, 12, 12)
	}
	sw, err := a.streamHeader(SheetParticipants, heads, widths)
	if err != nil {
		return err
	}
	if a.l.SeminarID == nil {
		return sw.Flush()
	}
	size := a.reports.BatchSize
	if size <= 0 {
		size = 1000
	}
	db := a.reports.db.WithContext(ctx)
	rowNum := 2
	var last uint64
	for {
		q := "SELECT p.id, p.name, p.organisation, p.country, p.grp, NULL FROM participants p WHERE p.seminar_id = ? AND p.id > ? ORDER BY p.id LIMIT ?"
		args := []any{*a.l.SeminarID, last, size}
		if linked {
			q = "SELECT p.id, p.name, p.organisation, p.country, p.grp, r.id FROM participants p LEFT JOIN responses r ON r.participant_id = p.id AND r.questionnaire_id = ? WHERE p.seminar_id = ? AND p.id > ? ORDER BY p.id LIMIT ?"
			args = []any{a.l.ID, *a.l.SeminarID, last, size}
		}
		rows, err := db.Raw(q, args...).Rows()
		if err != nil {
			return fmt.Errorf("read roster: %w", err)
		}
		got := 0
		for rows.Next() {
			var id uint64
			var name, org, country, group string
			var responseID sql.NullInt64
			if err := rows.Scan(&id, &name, &org, &country, &group, &responseID); err != nil {
				rows.Close()
				return err
			}
			cells := []any{id, a.textCell(name, 0), a.textCell(org, 0), a.textCell(country, 0), a.textCell(group, 0)}
			if linked {
				if responseID.Valid {
					cells = append(cells, t["yes"], responseID.Int64)
				} else {
					cells = append(cells, t["no"], nil)
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, rowNum)
			if err := sw.SetRow(cell, cells); err != nil {
				rows.Close()
				return err
			}
			rowNum++
			last = id
			got++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if got < size {
			break
		}
	}
	return sw.Flush()
}

// AnnexFileName is the suggested download name of an annex.
func AnnexFileName(slug string, now time.Time) string {
	return fmt.Sprintf("%s-annex-%s.xlsx", slug, now.Format("20060102"))
}

// CSVFileName is the suggested download name of the responses CSV.
func CSVFileName(slug string, now time.Time) string {
	return fmt.Sprintf("%s-responses-%s.csv", slug, now.Format("20060102"))
}
