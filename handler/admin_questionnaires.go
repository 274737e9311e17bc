package handler

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/xlsform"
	"seminareval/templates"
)

// adminQuestionnaires serves the questionnaire pages of the console: the
// list, "new" (from the built-in template, a definition file or an XLSForm),
// the editor with its live preview, publish/close/reopen, schedule,
// duplicate and export. Admin and staff only.
type adminQuestionnaires struct {
	*Server
}

// standardTemplate is the built-in definition "new from template" copies.
const standardTemplate = "definitions/standard-evaluation.yaml"

func (s *Server) registerQuestionnaireAdmin(ctx context.Context, r *gin.Engine) error {
	h := &adminQuestionnaires{Server: s}
	g := r.Group("/admin/questionnaires", s.requireConsole(consoleStaffRoles...), consoleNoStore)
	g.GET("", h.list)
	g.GET("/new", h.newForm)
	g.POST("", h.create)
	g.GET("/:id", h.edit)
	g.POST("/:id", h.editPost)
	g.GET("/:id/preview", h.preview)
	g.POST("/:id/preview", h.previewPost)
	g.POST("/:id/publish", h.publish)
	g.POST("/:id/close", h.close)
	g.POST("/:id/reopen", h.reopen)
	g.POST("/:id/schedule", h.schedule)
	g.POST("/:id/duplicate", h.duplicate)
	g.GET("/:id/export.yaml", h.exportYAML)
	g.GET("/:id/export.json", h.exportJSON)
	return nil
}

// ---- list ----

type questionnaireRow struct {
	model.Questionnaire
	Responses int64
	EditURL   string
	PublicURL string
}

type questionnaireListPage struct {
	consolePage
	Rows []questionnaireRow
}

func (h *adminQuestionnaires) list(c *gin.Context) {
	ctx := c.Request.Context()
	qs, err := h.questionnaires.List(ctx)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	counts, err := h.questionnaires.ResponseCounts(ctx)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	p := questionnaireListPage{consolePage: h.consoleBase(c, "q.list_title", "questionnaires")}
	for _, q := range qs {
		p.Rows = append(p.Rows, questionnaireRow{Questionnaire: q, Responses: counts[q.ID],
			EditURL: "/admin/questionnaires/" + strconv.FormatUint(q.ID, 10), PublicURL: h.AbsoluteURL("/s/" + q.Slug)})
	}
	h.render(c, http.StatusOK, "admin_questionnaires.html", p)
}

// ---- new ----

type questionnaireNewPage struct {
	consolePage
	Mode, Slug, SeminarSlug string
	Seminars                []model.Seminar
	Problems                []string
	// After an import with warnings: the new draft and what was ignored.
	Created  *model.Questionnaire
	EditURL  string
	Warnings []string
}

func (h *adminQuestionnaires) newPage(c *gin.Context) questionnaireNewPage {
	p := questionnaireNewPage{consolePage: h.consoleBase(c, "q.new_title", "questionnaires"), Mode: "template"}
	rows, err := h.seminars.List(c.Request.Context(), 0)
	if err == nil {
		for _, r := range rows {
			p.Seminars = append(p.Seminars, r.Seminar)
		}
	}
	return p
}

func (h *adminQuestionnaires) newForm(c *gin.Context) {
	p := h.newPage(c)
	p.SeminarSlug = c.Query("seminar")
	h.render(c, http.StatusOK, "admin_questionnaire_new.html", p)
}

// create makes a draft from the template or from an uploaded file and opens
// it in the editor.
func (h *adminQuestionnaires) create(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUploadBytes+64<<10)
	p := h.newPage(c)
	p.Mode, p.Slug, p.SeminarSlug = c.PostForm("mode"), strings.TrimSpace(c.PostForm("slug")), c.PostForm("seminar")
	var def *definition.Definition
	var warnings []model.Problem
	var err error
	if p.Mode == "upload" {
		def, warnings, err = h.uploadedDefinition(c, p.Slug)
	} else {
		data, rerr := templates.Definitions.ReadFile(standardTemplate)
		if rerr != nil {
			h.consoleFail(c, rerr)
			return
		}
		def, err = service.FromTemplate(data, p.Slug, p.SeminarSlug)
	}
	var q *model.Questionnaire
	if err == nil {
		if p.Mode == "upload" && p.SeminarSlug != "" {
			def.Seminar = &definition.SeminarDef{Slug: p.SeminarSlug}
			def.Normalize()
		}
		q, err = h.questionnaires.Import(c.Request.Context(), def)
	}
	if err != nil {
		if !h.problems(c, err, &p.Problems) {
			return
		}
		h.render(c, http.StatusUnprocessableEntity, "admin_questionnaire_new.html", p)
		return
	}
	h.audit(c, "questionnaire.create", questionnaireObject(q.ID), "console "+p.Mode+": "+q.Slug)
	editURL := "/admin/questionnaires/" + strconv.FormatUint(q.ID, 10)
	if len(warnings) > 0 {
		// What the workbook's import ignored is shown before the editor, not lost in a redirect.
		p.Created, p.EditURL, p.Warnings = q, editURL, problemLines(p.Lang, warnings)
		h.render(c, http.StatusCreated, "admin_questionnaire_new.html", p)
		return
	}
	h.setFlash(c, "q.created")
	c.Redirect(http.StatusSeeOther, editURL)
}

func (h *adminQuestionnaires) uploadedDefinition(c *gin.Context, slug string) (*definition.Definition, []model.Problem, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, nil, &definition.InvalidError{Problems: []model.Problem{{Code: "file_missing", Path: "file", Message: consoleT(h.consoleLang(c), "q.file_missing")}}}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUploadBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read upload: %w", err)
	}
	return xlsform.ParseUpload(data, xlsform.Options{Slug: slug, FileName: fh.Filename})
}

// problems turns a definition error into lines for the page; it renders the
// failure itself and returns false when err is not about the input.
func (h *adminQuestionnaires) problems(c *gin.Context, err error, out *[]string) bool {
	lang := h.consoleLang(c)
	if ps, ok := definition.AsInvalid(err); ok {
		*out = append(*out, problemLines(lang, ps)...)
		return true
	}
	_, text, ok := errorText(lang, err)
	if !ok {
		h.consoleFail(c, err)
		return false
	}
	*out = append(*out, text)
	return true
}

// ---- editor ----

type langColumn struct{ Code, Name string }

type editorOption struct {
	M     int
	Value string
	Label model.Text
}

// scaleLevel is one Likert label row: value 5..1, its index in Scale.
type scaleLevel struct {
	Value, Index int
	Label        model.Text
}

type editorQuestion struct {
	N, Number, Section         int
	Q                          definition.QuestionDef
	IsChoice, IsLikert, IsText bool
	HasLimits, IsNumber        bool
	First, Last, Focus         bool
	Options                    []editorOption
	Scale                      []scaleLevel // always 5, defaults filled in
	Problems                   []string
	Cond                       condBuilder
}

type editorSection struct {
	Index     int
	Number    int
	Title     model.Text
	Relevant  string
	Questions []editorQuestion
	Cond      condBuilder
}

// condBuilder is the "show only if" of a question or section
// (templates/admin_questionnaire_edit.html, "cond_builder"): its field
// prefix ("q7", "s3"), button (cond:7, scond:3), the condition and its
// words, and the earlier questions a new condition may use.
type condBuilder struct {
	Prefix, Op, Relevant, Words string
	Keys                        []typeChoice
	*condShared
}

// condShared is what every builder of a page shows alike; L holds its
// words by the end of their console key (q.cond_add → "cond_add").
type condShared struct {
	Frozen bool
	Ops    []typeChoice
	L      map[string]string
}

// condValues are the values a condition on one question can take, for the
// builder's value field (a datalist per question).
type condValues struct {
	ID      string
	Options []typeChoice
}

type typeChoice struct{ Value, Label string }

type editorPage struct {
	consolePage
	Q                       model.Questionnaire
	Def                     *definition.Definition
	Seminar                 *model.Seminar
	Langs                   []langColumn
	Sections                []editorSection
	QuestionCount           int
	Types                   []typeChoice
	Frozen                  bool
	Responses               int64
	Problems                []string
	Unsaved                 bool
	PublicURL, PreviewURL   string
	OpensLocal, ClosesLocal string
	Seminars                []model.Seminar // for "duplicate for the next seminar"
	TimeZone                string
	PreviewLang             string
	CondValues              []condValues
	OtherLabel              string // the added choice, as participants read it
}

var questionTypes = []string{model.TypeLikert, model.TypeSingle, model.TypeMulti, model.TypeRating, model.TypeNPS, model.TypeText, model.TypeLongText, model.TypeNumber, model.TypeDate, model.TypeNote}

// loadForEditor reads the questionnaire, its seminar and whether it has
// responses; it answers the request itself on failure.
func (h *adminQuestionnaires) loadForEditor(c *gin.Context) (*service.Loaded, bool, bool) {
	id, ok := h.consoleID(c, "id")
	if !ok {
		return nil, false, false
	}
	l, err := h.questionnaires.Load(c.Request.Context(), id)
	if err != nil {
		h.consoleFail(c, err)
		return nil, false, false
	}
	frozen, err := h.questionnaires.HasResponses(c.Request.Context(), id)
	if err != nil {
		h.consoleFail(c, err)
		return nil, false, false
	}
	return l, frozen, true
}

func (h *adminQuestionnaires) edit(c *gin.Context) {
	l, frozen, ok := h.loadForEditor(c)
	if !ok {
		return
	}
	h.renderEditor(c, http.StatusOK, l, l.Def, frozen, nil, "", false)
}

// editPost applies one editor button: a structural operation re-renders the
// form with the change (nothing saved yet), "save" validates and stores.
func (h *adminQuestionnaires) editPost(c *gin.Context) {
	l, frozen, ok := h.loadForEditor(c)
	if !ok {
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		h.consoleMessage(c, http.StatusBadRequest, "err.bad_request_title", "err.bad_request_title")
		return
	}
	def := definitionFromForm(c.Request.PostForm, l.Def)
	op := parseEditorOp(c.PostForm("op"))
	lang := h.consoleLang(c)
	if op.Name == "refresh" {
		// A type changed: show the fields of the new type, save nothing.
		h.renderEditor(c, http.StatusOK, l, def, frozen, nil, op.apply(def, c.Request.PostForm), true)
		return
	}
	if op.Name == "cond" || op.Name == "scond" {
		if frozen {
			h.renderEditor(c, http.StatusConflict, l, def, frozen, []string{consoleT(lang, "err.structure_frozen")}, "", true)
			return
		}
		focus, problem := addCondition(def, op, c.Request.PostForm, lang)
		status, problems := http.StatusOK, []string(nil)
		if problem != "" {
			status, problems = http.StatusUnprocessableEntity, []string{problem}
		}
		h.renderEditor(c, status, l, def, frozen, problems, focus, true)
		return
	}
	if op.structural() {
		if frozen {
			h.renderEditor(c, http.StatusConflict, l, def, frozen, []string{consoleT(lang, "err.structure_frozen")}, "", true)
			return
		}
		focus := op.apply(def, c.Request.PostForm)
		h.renderEditor(c, http.StatusOK, l, def, frozen, nil, focus, true)
		return
	}
	def.Normalize()
	if ps := def.Validate(); len(ps) > 0 {
		h.renderEditor(c, http.StatusUnprocessableEntity, l, def, frozen, problemLines(h.consoleLang(c), ps), "", true)
		return
	}
	q, err := h.questionnaires.Replace(c.Request.Context(), l.ID, def)
	if err != nil {
		var lines []string
		if !h.problems(c, err, &lines) {
			return
		}
		status, _, known := statusOf(err) // 409 for a frozen structure or a taken slug
		if !known {
			status = http.StatusUnprocessableEntity // the definition's own problems
		}
		h.renderEditor(c, status, l, def, frozen, lines, "", true)
		return
	}
	h.audit(c, "questionnaire.update", questionnaireObject(q.ID), "console: "+q.Slug)
	h.setFlash(c, "common.saved")
	c.Redirect(http.StatusSeeOther, "/admin/questionnaires/"+strconv.FormatUint(q.ID, 10))
}

// problemLines are the problems as the console lists them, in lang.
func problemLines(lang string, ps []model.Problem) []string {
	out := make([]string, len(ps))
	for i, p := range templates.Localize(lang, ps) {
		out[i] = p.String()
	}
	return out
}

func (h *adminQuestionnaires) renderEditor(c *gin.Context, status int, l *service.Loaded, def *definition.Definition, frozen bool, problems []string, focus string, unsaved bool) {
	p := editorPage{
		consolePage: h.consoleBase(c, "q.edit_title", "questionnaires"),
		Q:           l.Questionnaire, Def: def, Seminar: l.Seminar, Frozen: frozen, Problems: problems, Unsaved: unsaved,
		PublicURL:  h.AbsoluteURL("/s/" + l.Slug),
		PreviewURL: "/admin/questionnaires/" + strconv.FormatUint(l.ID, 10) + "/preview",
	}
	p.Title = def.Title.In(p.Lang)
	if p.Title == "" {
		p.Title = consoleT(p.Lang, "q.edit_title")
	}
	p.PreviewLang = def.Lang(c.PostForm("preview_lang"))
	p.OtherLabel = definition.OtherLabel.In(p.Lang)
	if frozen {
		p.Responses = 1
	}
	for _, code := range def.Languages {
		p.Langs = append(p.Langs, langColumn{Code: code, Name: langNames[code]})
	}
	for _, t := range questionTypes {
		p.Types = append(p.Types, typeChoice{Value: t, Label: consoleT(p.Lang, "q.type."+t)})
	}
	loc := l.Seminar.Zone()
	p.TimeZone = loc.String()
	if l.OpensAt != nil {
		p.OpensLocal = l.OpensAt.In(loc).Format(service.LocalTimeLayout)
	}
	if l.ClosesAt != nil {
		p.ClosesLocal = l.ClosesAt.In(loc).Format(service.LocalTimeLayout)
	}
	// Problems of a question are also shown next to it.
	perQuestion := map[string][]string{}
	for _, line := range problems {
		if strings.HasPrefix(line, "sections[") {
			if i := strings.Index(line, "]."); i > 0 {
				rest := line[i+2:]
				if j := strings.Index(rest, "]"); strings.HasPrefix(rest, "questions[") && j > 0 {
					key := line[:i+2+j+1]
					perQuestion[key] = append(perQuestion[key], strings.TrimPrefix(line[len(key):], "."))
				}
			}
		}
	}
	shared := &condShared{Frozen: frozen, L: map[string]string{}}
	for _, op := range definition.CondOps {
		shared.Ops = append(shared.Ops, typeChoice{Value: op, Label: consoleT(p.Lang, "q.cond_op."+op)})
	}
	for _, k := range []string{"relevant", "cond_join", "cond_question", "cond_operator", "cond_value", "cond_add", "cond_and", "cond_or"} {
		shared.L[k] = consoleT(p.Lang, "q."+k)
	}
	words := func(src string) string {
		if e, err := definition.ParseRelevant(src); err == nil {
			return consoleT(p.Lang, "q.shown_if", def.RespondentWords(e, p.Lang))
		}
		return ""
	}
	var earlier []typeChoice // the questions a condition may use, growing down the page
	n := 0
	for si, sec := range def.Sections {
		es := editorSection{Index: si, Number: si + 1, Title: sec.Title, Relevant: sec.Relevant,
			Cond: condBuilder{Prefix: fmt.Sprintf("s%d", si), Op: fmt.Sprintf("scond:%d", si), Relevant: sec.Relevant,
				Words: words(sec.Relevant), Keys: slices.Clone(earlier), condShared: shared}}
		for qi, q := range sec.Questions {
			eq := editorQuestion{
				N: n, Number: n + 1, Section: si, Q: q, Focus: focus != "" && q.Key == focus,
				IsChoice: q.Type == model.TypeSingle || q.Type == model.TypeMulti,
				IsLikert: q.Type == model.TypeLikert, IsText: q.Type == model.TypeText || q.Type == model.TypeLongText,
				HasLimits: q.Type == model.TypeNumber || q.Type == model.TypeDate, IsNumber: q.Type == model.TypeNumber,
				First: n == 0, Problems: perQuestion[fmt.Sprintf("sections[%d].questions[%d]", si, qi)],
			}
			for m, o := range q.Options {
				eq.Options = append(eq.Options, editorOption{M: m, Value: o.Value, Label: o.Label})
			}
			if eq.IsLikert {
				for i, lbl := range q.ScaleLabels() {
					eq.Scale = append(eq.Scale, scaleLevel{Value: 5 - i, Index: i, Label: lbl})
				}
			}
			eq.Cond = condBuilder{Prefix: fmt.Sprintf("q%d", n), Op: fmt.Sprintf("cond:%d", n), Relevant: q.Relevant,
				Words: words(q.Relevant), Keys: slices.Clone(earlier), condShared: shared}
			es.Questions = append(es.Questions, eq)
			n++
			if q.Answerable() && q.Key != "" {
				earlier = append(earlier, typeChoice{Value: q.Key, Label: fmt.Sprintf("%d. %s", eq.Number, shortLabel(q.Text.In(p.Lang), 50))})
				p.CondValues = append(p.CondValues, conditionValues(q, p.Lang))
			}
		}
		p.Sections = append(p.Sections, es)
	}
	if n > 0 {
		last := &p.Sections[len(p.Sections)-1]
		for i := len(p.Sections) - 1; i >= 0 && len(last.Questions) == 0; i-- {
			last = &p.Sections[i]
		}
		if len(last.Questions) > 0 {
			last.Questions[len(last.Questions)-1].Last = true
		}
	}
	p.QuestionCount = n
	if rows, err := h.seminars.List(c.Request.Context(), 0); err == nil {
		for _, r := range rows {
			p.Seminars = append(p.Seminars, r.Seminar)
		}
	}
	h.render(c, status, "admin_questionnaire_edit.html", p)
}

// shortLabel cuts s to max runes with an ellipsis.
func shortLabel(s string, max int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= max {
		return string(r)
	}
	return strings.TrimSpace(string(r[:max-1])) + "…"
}

// conditionValues lists the values a condition on q may compare with: its
// options, or the points of its scale.
func conditionValues(q definition.QuestionDef, lang string) condValues {
	cv := condValues{ID: "cond-vals-" + q.Key}
	switch q.Type {
	case model.TypeSingle, model.TypeMulti:
		for _, o := range q.AllOptions() {
			cv.Options = append(cv.Options, typeChoice{Value: o.Value, Label: o.Label.In(lang)})
		}
	case model.TypeLikert:
		for i, l := range q.ScaleLabels() {
			cv.Options = append(cv.Options, typeChoice{Value: strconv.Itoa(5 - i), Label: l.In(lang)})
		}
	case model.TypeRating, model.TypeNPS:
		for _, v := range q.Levels() {
			cv.Options = append(cv.Options, typeChoice{Value: strconv.Itoa(v), Label: strconv.Itoa(v)})
		}
	}
	return cv
}

// ---- preview ----

// preview renders the participant page of the saved definition.
func (h *adminQuestionnaires) preview(c *gin.Context) {
	l, _, ok := h.loadForEditor(c)
	if !ok {
		return
	}
	h.renderPreview(c, l, l.Def, l.Def.Lang(c.Query("lang")))
}

// previewPost renders the participant page of the definition in the
// editor's fields, saved or not: the editor's live preview.
func (h *adminQuestionnaires) previewPost(c *gin.Context) {
	l, _, ok := h.loadForEditor(c)
	if !ok {
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		h.consoleMessage(c, http.StatusBadRequest, "err.bad_request_title", "err.bad_request_title")
		return
	}
	def := definitionFromForm(c.Request.PostForm, l.Def)
	def.Normalize()
	h.renderPreview(c, l, def, def.Lang(c.PostForm("preview_lang")))
}

// renderPreview draws the participant page itself (templates/questionnaire.html)
// with a form that cannot be sent: its action is a page that records nothing.
func (h *adminQuestionnaires) renderPreview(c *gin.Context, l *service.Loaded, def *definition.Definition, lang string) {
	p := &participantHandler{Server: h.Server}
	page := questionnairePage{
		pageBase: p.base(c, nil, lang, def.Title.In(lang)),
		Title:    def.Title.In(lang), Intro: def.Intro.In(lang),
		Action: "/admin/questionnaires/" + strconv.FormatUint(l.ID, 10) + "/preview?lang=" + url.QueryEscape(lang),
	}
	if l.Seminar != nil {
		page.SeminarTitle = l.Seminar.Title.In(lang)
	}
	page.ScriptI18N = "{}"
	page.Sections = buildSections(def, lang, nil, nil)
	h.render(c, http.StatusOK, "questionnaire.html", page)
}

// ---- status, schedule, duplicate ----

func (h *adminQuestionnaires) publish(c *gin.Context) {
	h.setStatus(c, model.StatusOpen, "questionnaire.publish", "q.published")
}
func (h *adminQuestionnaires) close(c *gin.Context) {
	h.setStatus(c, model.StatusClosed, "questionnaire.close", "q.closed")
}
func (h *adminQuestionnaires) reopen(c *gin.Context) {
	h.setStatus(c, model.StatusOpen, "questionnaire.reopen", "q.reopened")
}

func (h *adminQuestionnaires) setStatus(c *gin.Context, status, action, flash string) {
	id, ok := h.consoleID(c, "id")
	if !ok {
		return
	}
	q, err := h.questionnaires.SetStatus(c.Request.Context(), id, status)
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	h.audit(c, action, questionnaireObject(q.ID), "console: "+q.Slug)
	h.setFlash(c, flash)
	c.Redirect(http.StatusSeeOther, "/admin/questionnaires/"+strconv.FormatUint(q.ID, 10))
}

// schedule reads opens_at/closes_at typed in the seminar's time zone.
func (h *adminQuestionnaires) schedule(c *gin.Context) {
	l, frozen, ok := h.loadForEditor(c)
	if !ok {
		return
	}
	loc := l.Seminar.Zone()
	lang := h.consoleLang(c)
	var problems []string
	opens, err := service.ParseLocalTime(c.PostForm("opens_at"), loc)
	if err != nil {
		problems = append(problems, consoleT(lang, "q.opens_at")+": "+err.Error())
	}
	closes, err := service.ParseLocalTime(c.PostForm("closes_at"), loc)
	if err != nil {
		problems = append(problems, consoleT(lang, "q.closes_at")+": "+err.Error())
	}
	var q *model.Questionnaire
	if len(problems) == 0 {
		q, err = h.questionnaires.Schedule(c.Request.Context(), l.ID, opens, closes)
		if err != nil && !h.problems(c, err, &problems) {
			return
		}
	}
	if len(problems) > 0 {
		h.renderEditor(c, http.StatusUnprocessableEntity, l, l.Def, frozen, problems, "", false)
		return
	}
	h.audit(c, "questionnaire.schedule", questionnaireObject(q.ID), fmt.Sprintf("opens_at=%s closes_at=%s", fmtTime(q.OpensAt), fmtTime(q.ClosesAt)))
	h.setFlash(c, "q.scheduled")
	c.Redirect(http.StatusSeeOther, "/admin/questionnaires/"+strconv.FormatUint(q.ID, 10))
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func (h *adminQuestionnaires) duplicate(c *gin.Context) {
	l, frozen, ok := h.loadForEditor(c)
	if !ok {
		return
	}
	q, err := h.questionnaires.Duplicate(c.Request.Context(), l.ID, strings.TrimSpace(c.PostForm("slug")), strings.TrimSpace(c.PostForm("seminar")))
	if err != nil {
		var problems []string
		if !h.problems(c, err, &problems) {
			return
		}
		h.renderEditor(c, http.StatusUnprocessableEntity, l, l.Def, frozen, problems, "", false)
		return
	}
	h.audit(c, "questionnaire.create", questionnaireObject(q.ID), fmt.Sprintf("console duplicate of questionnaire:%d: %s", l.ID, q.Slug))
	h.setFlash(c, "q.duplicated")
	c.Redirect(http.StatusSeeOther, "/admin/questionnaires/"+strconv.FormatUint(q.ID, 10))
}

// ---- export ----

func (h *adminQuestionnaires) exportYAML(c *gin.Context) {
	l, _, ok := h.loadForEditor(c)
	if !ok {
		return
	}
	b, err := l.Def.YAML()
	if err != nil {
		h.consoleFail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+l.Slug+`.yaml"`)
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", b)
}

func (h *adminQuestionnaires) exportJSON(c *gin.Context) {
	l, _, ok := h.loadForEditor(c)
	if !ok {
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+l.Slug+`.json"`)
	c.Data(http.StatusOK, "application/json; charset=utf-8", l.Def.IndentedJSON())
}
