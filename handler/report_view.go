package handler

import (
	"fmt"
	"html/template"
	"strconv"
	"time"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/report"
)

// reportPage is the data of templates/admin_report.html: the summary turned
// into rows, texts in the console's language and charts as inline SVG.
type reportPage struct {
	consolePage
	QID         uint64
	QTitle      string
	Slug        string
	Seminar     string
	SeminarMeta string
	Suppressed  bool
	Threshold   int
	Respondents string // "18", or "<5" when suppressed
	Invited     int
	RateNote    string // why there is no rate: "10 responses, 7 on the roster"
	Counts      bool   // the narrative with counts instead of percentages
	FiguresURL  string // this page with the other choice of Counts
	Rate        string // "90%", or "" without a roster base
	Period      string
	Empty       bool
	Anonymous   bool

	Filter      reportFilterForm
	Active      []string // the conditions of the filter in words
	ClearURL    string
	Legend      []legendItem
	LikertAxis  template.HTML
	Likert      []likertRow
	Choices     []choiceBlock
	Scales      []scaleBlock
	Numbers     []numberBlock
	Comments    []commentBlock
	NarrativeEn []string
	NarrativeZh []string
	Learning    *learningView // a knowledge test's scores

	XLSX, XLSXOther, XLSXOtherLabel, CSV, JSON string
}

type legendItem struct {
	Label  string
	Swatch template.HTML
}

type likertRow struct {
	Key, Text, Asked                          string
	N, NA, Missing                            int
	Agree, Strongly, Disagree, Mean, SD, Aria string
	Bar                                       template.HTML
}

type choiceBlock struct {
	Key, Text, Asked string
	N, Missing       int
	Multi            bool
	Rows             []choiceRow
	Other            []string // the texts given with "Other (please specify)"
	OtherTruncated   bool
}

type choiceRow struct {
	Label   string
	Count   int
	Percent int
	Bar     template.HTML
}

type scaleBlock struct {
	Key, Text, Type, Asked          string
	N, Missing                      int
	Mean, SD                        string
	NPS                             string
	Promoters, Passives, Detractors int
	Chart                           template.HTML
}

type commentBlock struct {
	Key, Text, Asked string
	N                int
	Answers          []string
	Truncated        bool
}

// numberBlock is a number question (mean, median, range, SD) or a date
// question (earliest, latest).
type numberBlock struct {
	Key, Text, Asked       string
	N, Missing             int
	Date                   bool
	Mean, Median, Min, Max string
	SD                     string
	Earliest, Latest       string
}

type reportFilterForm struct {
	Groups    []selectOption
	Questions []filterQuestion
}

type selectOption struct {
	Value, Label string
	Selected     bool
}

type filterQuestion struct {
	Name, Label string
	Options     []selectOption
}

func newReportPage(base consolePage, d *report.Dashboard, counts bool) reportPage {
	lang := base.Lang
	s := d.Summary
	l := s.Loaded()
	T := base.T
	p := reportPage{
		consolePage: base,
		QID:         s.Questionnaire.ID,
		QTitle:      s.Questionnaire.Title.In(lang),
		Slug:        s.Questionnaire.Slug,
		Suppressed:  s.Suppressed,
		Threshold:   s.Threshold,
		Invited:     s.Invited,
		Anonymous:   s.Questionnaire.Anonymous,
		NarrativeEn: s.Narrative.En,
		NarrativeZh: s.Narrative.Zh,
		LikertAxis:  likertAxis(),
	}
	p.Title = T("report.title_of", p.QTitle)
	id := strconv.FormatUint(p.QID, 10)
	figures := ""
	if counts {
		figures = "&figures=counts"
	}
	p.Counts = counts
	p.XLSX = "/admin/questionnaires/" + id + "/report.xlsx?lang=" + lang + figures
	other := map[string]string{"en": "zh", "zh": "en"}[lang]
	p.XLSXOther = "/admin/questionnaires/" + id + "/report.xlsx?lang=" + other + figures
	p.XLSXOtherLabel = T("report.download_xlsx_" + other)
	p.CSV = "/admin/questionnaires/" + id + "/responses.csv"
	p.JSON = "/api/v1/questionnaires/" + id + "/summary"
	p.ClearURL = "/admin/questionnaires/" + id + "/report"
	if sem := s.Seminar; sem != nil {
		p.Seminar = sem.Title.In(lang)
		meta := sem.StartsOn
		if sem.EndsOn != "" && sem.EndsOn != sem.StartsOn {
			meta += " – " + sem.EndsOn
		}
		if loc := sem.Location.In(lang); loc != "" {
			meta += " · " + loc
		}
		p.SeminarMeta = meta
	}
	switch {
	case s.Suppressed:
		p.Respondents = fmt.Sprintf("<%d", s.Threshold)
	case s.Respondents != nil:
		p.Respondents = strconv.Itoa(*s.Respondents)
		p.Empty = *s.Respondents == 0
	}
	if pct, ok := s.RatePercent(); ok {
		p.Rate = fmt.Sprintf("%d%%", pct)
	} else if s.Invited > 0 && s.RosterRespondents != nil {
		p.RateNote = T("report.no_rate", *s.Respondents, *s.RosterRespondents)
	}
	if s.FirstResponse != nil && s.LastResponse != nil && s.Seminar != nil {
		loc := l.Seminar.Zone()
		layout := "2006-01-02 15:04"
		if s.Questionnaire.Anonymous {
			layout = time.DateOnly // the summary dates anonymous answers to the day
		}
		p.Period = fmt.Sprintf("%s – %s (%s)", s.FirstResponse.In(loc).Format(layout), s.LastResponse.In(loc).Format(layout), loc)
	}

	// The filter form: roster groups, and every choice question.
	f := report.Filter{}
	if s.Filter != nil {
		f = *s.Filter
	}
	p.Filter.Groups = append(p.Filter.Groups, selectOption{Value: "", Label: T("report.all_groups"), Selected: f.Group == ""})
	for _, g := range d.Groups {
		p.Filter.Groups = append(p.Filter.Groups, selectOption{Value: g, Label: g, Selected: f.Group == g})
	}
	if f.Group != "" {
		p.Active = append(p.Active, T("report.filter_group", f.Group))
	}
	chosen := map[string]string{}
	for _, af := range f.Answers {
		chosen[af.Key] = af.Value
	}
	for _, q := range l.Def.Questions() {
		if q.Type != model.TypeSingle && q.Type != model.TypeMulti {
			continue
		}
		fq := filterQuestion{Name: "q." + q.Key, Label: q.Text.In(lang)}
		fq.Options = append(fq.Options, selectOption{Value: "", Label: T("report.any_answer"), Selected: chosen[q.Key] == ""})
		for _, o := range q.AllOptions() {
			fq.Options = append(fq.Options, selectOption{Value: o.Value, Label: o.Label.In(lang), Selected: chosen[q.Key] == o.Value})
			if chosen[q.Key] == o.Value {
				p.Active = append(p.Active, fmt.Sprintf("%s = %s", q.Text.In(lang), o.Label.In(lang)))
			}
		}
		p.Filter.Questions = append(p.Filter.Questions, fq)
	}

	for i, lab := range definition.LikertLabels {
		p.Legend = append(p.Legend, legendItem{Label: lab.In(lang), Swatch: swatch(report.LikertColours[i])})
	}
	// "Asked only if they chose …: 6 of 18 respondents were asked."
	asked := func(q report.QuestionSummary) string {
		e := l.Def.AskedIf(q.Key)
		if e == nil || s.Respondents == nil {
			return ""
		}
		return T("report.asked_if", *s.Respondents-q.NotShown, *s.Respondents, l.Def.RespondentWords(e, lang))
	}
	for _, q := range s.Questions {
		text := q.Text.In(lang)
		switch q.Type {
		case model.TypeNote:
			continue // nothing was answered
		case model.TypeLikert:
			row := likertRow{Key: q.Key, Text: text, Asked: asked(q), N: q.N, NA: q.NA, Missing: q.Missing,
				Agree: pct(q.AgreePercent), Strongly: pct(q.StronglyAgreePercent), Disagree: pct(q.DisagreePercent),
				Mean: dec(q.Mean), SD: dec(q.SD)}
			row.Aria = likertAria(q, lang)
			row.Bar = likertBar(q.Levels, row.Aria, lang)
			p.Likert = append(p.Likert, row)
		case model.TypeSingle, model.TypeMulti:
			b := choiceBlock{Key: q.Key, Text: text, Asked: asked(q), N: q.N, Missing: q.Missing, Multi: q.Type == model.TypeMulti,
				Other: q.Answers, OtherTruncated: q.AnswersTruncated}
			for _, o := range q.Options {
				b.Rows = append(b.Rows, choiceRow{Label: o.Label.In(lang), Count: o.Count, Percent: o.Percent, Bar: percentBar(o.Percent, "2F6690")})
			}
			p.Choices = append(p.Choices, b)
		case model.TypeRating, model.TypeNPS:
			b := scaleBlock{Key: q.Key, Text: text, Type: q.Type, Asked: asked(q), N: q.N, Missing: q.Missing, Mean: dec(q.Mean), SD: dec(q.SD)}
			if q.NPS != nil {
				b.NPS = strconv.Itoa(*q.NPS)
				b.Promoters, b.Passives, b.Detractors = *q.Promoters, *q.Passives, *q.Detractors
			}
			b.Chart = columnChart(q, text)
			p.Scales = append(p.Scales, b)
		case model.TypeNumber:
			p.Numbers = append(p.Numbers, numberBlock{Key: q.Key, Text: text, Asked: asked(q), N: q.N, Missing: q.Missing,
				Mean: dec(q.Mean), Median: num(q.Median), Min: num(q.Min), Max: num(q.Max), SD: dec(q.SD)})
		case model.TypeDate:
			b := numberBlock{Key: q.Key, Text: text, Asked: asked(q), N: q.N, Missing: q.Missing, Date: true, Earliest: "–", Latest: "–"}
			if q.Earliest != nil && q.Latest != nil {
				b.Earliest, b.Latest = *q.Earliest, *q.Latest
			}
			p.Numbers = append(p.Numbers, b)
		default:
			p.Comments = append(p.Comments, commentBlock{Key: q.Key, Text: text, Asked: asked(q), N: q.N, Answers: q.Answers, Truncated: q.AnswersTruncated})
		}
	}
	if s.Test != nil {
		p.Learning = newLearning(s.Test, T, lang)
	}
	return p
}

// learningView is the knowledge-test section of the dashboard: the figures,
// each paired participant's change as a slope chart, and the right
// answers per question before and after.
type learningView struct {
	Post     bool
	Facts    []learningFact
	Chart    template.HTML
	Withheld string
	Items    []learningItem
}

type learningFact struct{ Label, Value string }

type learningItem struct {
	Key, Text, Pre, Post string
	PreBar, PostBar      template.HTML
}

// newLearning says t in lang.
func newLearning(t *report.TestSummary, T func(string, ...any) string, lang string) *learningView {
	v := &learningView{Post: t.NPost != nil}
	if !v.Post {
		v.Facts = []learningFact{{T("report.t_n"), strconv.Itoa(*t.N)}, {T("report.t_mean"), pctf(t.MeanPercent)}, {T("report.t_max"), strconv.Itoa(t.MaxPoints)}}
	} else {
		v.Facts = []learningFact{{T("report.t_n_pre"), strconv.Itoa(*t.NPre)}, {T("report.t_n_post"), strconv.Itoa(*t.NPost)}, {T("report.t_max"), strconv.Itoa(t.MaxPoints)}}
		switch ps := t.PairedScoresSummary; {
		case t.Withheld:
			v.Withheld = T("report.t_withheld", service.SuppressBelow)
		case ps != nil:
			p := "–"
			if ps.Wilcoxon.P != nil {
				p = strconv.FormatFloat(*ps.Wilcoxon.P, 'f', 4, 64)
				if *ps.Wilcoxon.P < 0.001 {
					p = "< 0.001"
				}
				p += " (" + T("report.t_method_"+ps.Wilcoxon.Method) + ")"
			}
			v.Facts = append(v.Facts,
				learningFact{T("report.t_paired"), strconv.Itoa(ps.NPaired)},
				learningFact{T("report.t_means"), pctf(ps.PreMeanPercent) + " → " + pctf(ps.PostMeanPercent)},
				learningFact{T("report.t_gain"), dec(ps.NormalizedGain)},
				learningFact{T("report.t_wilcoxon"), p},
				learningFact{T("report.t_mastery", int(ps.MasteryPercent)), pct(ps.MasteryPrePercent) + " → " + pct(ps.MasteryPostPercent)})
			if ps.NPaired > 0 {
				v.Chart = slopeChart(t.Pairs(), T("report.t_before"), T("report.t_after"), T("report.t_chart_aria", ps.NPaired))
			}
		}
	}
	for _, it := range t.Items {
		li := learningItem{Key: it.Key, Text: it.Text.In(lang)}
		after := it.CorrectPercent
		if v.Post {
			li.Pre, li.PreBar = pct(it.PreCorrectPercent), percentBar(derefInt(it.PreCorrectPercent), "9AA5B1")
			after = it.PostCorrectPercent
		}
		li.Post, li.PostBar = pct(after), percentBar(derefInt(after), "2F6690")
		v.Items = append(v.Items, li)
	}
	return v
}

func pctf(p *float64) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p, 'f', 1, 64) + "%"
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// likertAria describes a diverging bar for screen readers.
func likertAria(q report.QuestionSummary, lang string) string {
	out := fmt.Sprintf("n = %d:", q.N)
	for _, l := range q.Levels {
		out += fmt.Sprintf(" %s %d%%;", l.Label.In(lang), l.Percent)
	}
	return out
}

func pct(p *int) string {
	if p == nil {
		return "–"
	}
	return strconv.Itoa(*p) + "%"
}

// num writes a number as given (12, 2.5), "–" for none.
func num(p *float64) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func dec(p *float64) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p, 'f', 2, 64)
}
