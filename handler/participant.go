package handler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"golang.org/x/text/language"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/templates"
)

// participantHandler serves the public questionnaire pages.
type participantHandler struct {
	*Server
}

// uiText is the chrome of the participant pages in both languages.
type uiText struct {
	RequiredLegend, Required, FixErrors, Submit, DraftRestored, NetworkError string
	Privacy, TooManyBody                                                     string
	Sending, MissingAnswers, ThanksHeading, AlreadyHeading, AlreadyBody      string
	ClosedHeading, ClosedBody, NotOpenHeading, NotOpenBody, OpensAt          string
	NotInvitedHeading, NotInvitedBody, NotFoundHeading, NotFoundBody, NA     string
	ElsewhereHeading, ElsewhereBody, LinkInvalid                             string
	UnavailableHeading, UnavailablePage                                      string
	NPSLow, NPSHigh, RatingLow, RatingHigh, BadRequestHeading, TooLargeBody  string
	WholeNumber, Decimals, AtLeast, AtMost, DateHint, OtherPlaceholder       string
	Unavailable                                                              string
	ScoreLine, YourAnswer, RightAnswer, NoAnswer, AnswerRight, AnswerWrong   string
}

// uiFor is the chrome of the participant pages in lang, from the message
// catalogue: field NotOpenHeading is key "page.not_open_heading".
func uiFor(lang string) uiText { return uiTexts()[lang] }

var uiTexts = sync.OnceValue(func() map[string]uiText {
	cat := templates.Messages()
	out := map[string]uiText{}
	for _, lang := range cat.Langs() {
		var t uiText
		v := reflect.ValueOf(&t).Elem()
		for i := range v.NumField() {
			v.Field(i).SetString(cat.T(lang, "page."+snakeCase(v.Type().Field(i).Name)))
		}
		out[lang] = t
	}
	return out
})

// snakeCase turns a Go field name into a catalogue key word: NotOpenHeading
// → not_open_heading, NPSLow → nps_low.
func snakeCase(name string) string {
	var b strings.Builder
	r := []rune(name)
	for i, c := range r {
		upper := unicode.IsUpper(c)
		if upper && i > 0 && (unicode.IsLower(r[i-1]) || i+1 < len(r) && unicode.IsLower(r[i+1])) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

var langNames = map[string]string{"zh": "中文", "en": "English"}

type langLink struct {
	Lang, Label, URL string
	Current          bool
}

// pageBase is what every participant page has.
type pageBase struct {
	Lang, PageTitle, SeminarTitle, AssetVersion string
	LangLinks                                   []langLink
	T                                           uiText
}

type questionnairePage struct {
	pageBase
	Privacy                                               []string // the privacy notice's paragraphs
	FormToken                                             string   // proves a page was loaded (submit_budget.go)
	Slug, Title, Intro, Action, SubmissionID, InviteToken string
	Sections                                              []sectionView
	Errors                                                map[string]string
	Notice                                                string // a page-level problem: nothing was recorded
	ScriptI18N                                            template.JS
}

type sectionView struct {
	Title     string
	Condition string      // the section's condition in words (shown without JavaScript)
	Relevant  template.JS // the condition's tree as JSON, for participant.js
	Questions []questionView
}

type questionView struct {
	Key, Type, Text, Help, Error, Layout, TextValue string
	Number, MaxLength                               int
	Required, IsText, IsNote                        bool
	Choices                                         []choiceView
	ScaleEnds                                       []string
	Condition                                       string      // in words, shown without JavaScript
	Relevant                                        template.JS // the condition's tree as JSON
	Input                                           *inputView  // number and date questions
	OtherKey, OtherValue, OtherError                string      // "Other (please specify)"
}

// inputView is the single input of a number or date question.
type inputView struct {
	Type, InputMode, Pattern, Placeholder, Min, Max, Step, Hint string
}

type choiceView struct {
	Key, Value, Label, InputType string
	Checked                      bool
}

type messagePage struct {
	pageBase
	Kind, Heading string
	Paragraphs    []string
	Result        *resultView // a test's score, when it shows it (show_score)
}

// resultView is a test result on the thank-you page.
type resultView struct {
	Score string // "Your score: 5 of 7 points (71%)."
	Items []resultItemView
}

type resultItemView struct {
	Text, Verdict, Chosen, Correct string
	Right                          bool
}

// pickLang applies the order: ?lang, then Accept-Language (WeChat sends it),
// then the questionnaire's first language.
func pickLang(c *gin.Context, def *definition.Definition) string {
	if l := c.Query("lang"); l != "" && def.Lang(l) == l {
		return l
	}
	if l := c.PostForm("lang"); l != "" && def.Lang(l) == l {
		return l
	}
	if l := acceptedLang(c, func(l string) bool { return def.Lang(l) == l }); l != "" {
		return l
	}
	return def.Lang("")
}

// acceptedLang is the first language of the request's Accept-Language that
// ok takes, or "".
func acceptedLang(c *gin.Context, ok func(string) bool) string {
	tags, _, err := language.ParseAcceptLanguage(c.GetHeader("Accept-Language"))
	if err != nil {
		return ""
	}
	for _, t := range tags {
		if base, _ := t.Base(); ok(base.String()) {
			return base.String()
		}
	}
	return ""
}

// requestLang is the language of a JSON answer: ?lang, then
// Accept-Language, then English.
func requestLang(c *gin.Context) string {
	supported := func(l string) bool { return l == "en" || l == "zh" }
	if l := c.Query("lang"); supported(l) {
		return l
	}
	if l := acceptedLang(c, supported); l != "" {
		return l
	}
	return "en"
}

func (p *participantHandler) base(c *gin.Context, q *service.Loaded, lang, title string) pageBase {
	b := pageBase{Lang: lang, PageTitle: title, AssetVersion: p.assetVersion, T: uiFor(lang)}
	if q == nil {
		return b
	}
	if q.Seminar != nil {
		b.SeminarTitle = q.Seminar.Title.In(lang)
	}
	if len(q.Def.Languages) > 1 {
		for _, l := range q.Def.Languages {
			v := url.Values{"lang": {l}}
			if t := c.Query("t"); t != "" {
				v.Set("t", t)
			}
			b.LangLinks = append(b.LangLinks, langLink{Lang: l, Label: langNames[l], URL: c.Request.URL.Path + "?" + v.Encode(), Current: l == lang})
		}
	}
	return b
}

// respondent gathers who is answering from trusted sources only.
func (p *participantHandler) respondent(c *gin.Context) service.Respondent {
	r := service.Respondent{OpenID: p.WeChatOpenID(c), InviteToken: c.Query("t")}
	if r.InviteToken == "" && c.Request.Method == http.MethodPost && c.ContentType() != "application/json" {
		r.InviteToken = c.PostForm("t")
	}
	if v, err := c.Cookie(cookieRespondent); err == nil && validCookieID(v) {
		r.CookieID = v
	}
	return r
}

func validCookieID(v string) bool {
	_, err := uuid.Parse(v)
	return err == nil && len(v) == 36
}

// ensureRespondentCookie gives a first-time visitor a random respondent id,
// which is what recognises a returning browser on open questionnaires.
func (p *participantHandler) ensureRespondentCookie(c *gin.Context, r *service.Respondent) {
	if r.CookieID != "" {
		return
	}
	r.CookieID = uuid.NewString()
	p.setCookie(c, cookieRespondent, r.CookieID, 400*24*3600)
}

func (p *participantHandler) load(c *gin.Context) (*service.Loaded, bool) {
	q, err := p.questionnaires.LoadBySlug(c.Request.Context(), c.Param("slug"))
	if err == nil {
		return q, true
	}
	if model.IsNotFound(err) {
		p.notFound(c)
		return nil, false
	}
	p.pageUnavailable(c, nil, err)
	return nil, false
}

// show renders the questionnaire, or says why it cannot be answered.
func (p *participantHandler) show(c *gin.Context) {
	q, ok := p.load(c)
	if !ok {
		return
	}
	if p.wechatEntry != nil && p.wechatEntry(c, q.Slug) {
		return // redirected to WeChat OAuth
	}
	lang := pickLang(c, q.Def)
	c.Header("Cache-Control", "no-store")
	if err := service.CheckOpen(&q.Questionnaire, p.now()); err != nil {
		p.refuse(c, q, lang, err)
		return
	}
	r := p.respondent(c)
	if err := p.responses.Admit(c.Request.Context(), q, r); err != nil {
		if !errors.Is(err, service.ErrNotInvited) && !errors.Is(err, service.ErrInviteElsewhere) {
			p.pageUnavailable(c, q, err)
			return
		}
		p.refuse(c, q, lang, err)
		return
	}
	if _, done := p.responses.Answered(c.Request.Context(), q, r); done {
		p.message(c, http.StatusOK, q, lang, "ok", uiFor(lang).AlreadyHeading, uiFor(lang).AlreadyBody)
		return
	}
	p.ensureRespondentCookie(c, &r)
	notice := ""
	if kw, ok := c.Get(ctxLinkNotice); ok {
		notice = fmt.Sprintf(uiFor(lang).LinkInvalid, kw)
	}
	p.renderFormNotice(c, http.StatusOK, q, lang, nil, nil, uuid.NewString(), notice)
}

// submit records a form post or a JSON submission.
func (p *participantHandler) submit(c *gin.Context) {
	if c.ContentType() == "application/json" {
		p.submitJSON(c)
		return
	}
	p.submitForm(c)
}

// jsonSubmission is the body of the JSON contract.
type jsonSubmission struct {
	SubmissionID string         `json:"submission_id"`
	Lang         string         `json:"lang"`
	Answers      map[string]any `json:"answers"`
	FormToken    string         `json:"form_token"` // from the page (submit_budget.go); optional
}

func (p *participantHandler) submitJSON(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, p.cfg.Server.MaxBodyBytes)
	// The cached copy is safe here: Submit checks its revision in the INSERT.
	q, err := p.questionnaires.LoadBySlugCached(c.Request.Context(), c.Param("slug"))
	if err != nil {
		if model.IsNotFound(err) {
			c.JSON(http.StatusNotFound, gin.H{"error": "not_found"})
			return
		}
		p.log.Error("load questionnaire", "slug", c.Param("slug"), "err", err)
		c.Header("Retry-After", retryAfterSeconds)
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "unavailable"})
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.JSON(http.StatusRequestEntityTooLarge, gin.H{"error": "too_large", "limit_bytes": mbe.Limit})
			return
		}
		c.JSON(http.StatusBadRequest, gin.H{"error": "unreadable_body"})
		return
	}
	var sub jsonSubmission
	if err := json.Unmarshal(body, &sub); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "body"
			}
			c.JSON(http.StatusUnprocessableEntity, gin.H{"error": "invalid", "fields": gin.H{field: "must be " + jsonKind(te.Type.Kind().String())}})
			return
		}
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid_json", "detail": err.Error()})
		return
	}
	if sub.Answers == nil {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": "invalid", "fields": gin.H{"answers": "required: an object of question key to answer"}})
		return
	}
	r := p.respondent(c)
	budget, limit := p.budgetKey(c, q, r, sub.FormToken)
	refused, done := p.spendBudget(c, q, budget, limit, sub.SubmissionID)
	if refused {
		lang := sub.Lang
		if lang != "en" && lang != "zh" {
			lang = requestLang(c)
		}
		c.JSON(http.StatusTooManyRequests, gin.H{"error": "too_many", "message": uiFor(lang).TooManyBody})
		return
	}
	res, err := p.responses.Submit(c.Request.Context(), q, r, service.Submission{
		SubmissionID: sub.SubmissionID, Lang: sub.Lang, Answers: sub.Answers,
	})
	done(err == nil && !res.Already)
	if err != nil {
		p.submitJSONError(c, err)
		return
	}
	thanks := p.thanksURL(q, q.Def.Lang(sub.Lang), r, res)
	if res.Already {
		p.metrics.Submits.WithLabelValues("retry").Inc()
		c.JSON(http.StatusOK, gin.H{"status": "already_recorded", "response_id": res.ResponseID, "thanks_url": thanks})
		return
	}
	p.metrics.Submits.WithLabelValues("recorded").Inc()
	ignored := res.Ignored
	if ignored == nil {
		ignored = []string{}
	}
	c.JSON(http.StatusCreated, gin.H{"status": "recorded", "response_id": res.ResponseID, "ignored": ignored, "thanks_url": thanks})
}

func jsonKind(k string) string {
	switch k {
	case "map", "struct":
		return "an object"
	case "slice":
		return "a list"
	case "string":
		return "a string"
	}
	return k
}

func (p *participantHandler) submitJSONError(c *gin.Context, err error) {
	var fe service.FieldErrors
	switch {
	case errors.As(err, &fe):
		// Reasons in the request's language (?lang, then Accept-Language,
		// then English), codes for programs.
		p.metrics.Submits.WithLabelValues("invalid").Inc()
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": "invalid", "fields": fe.In(requestLang(c)), "codes": map[string]string(fe)})
	case errors.Is(err, service.ErrAlreadyAnswered):
		p.metrics.Submits.WithLabelValues("duplicate").Inc()
		status, code, _ := statusOf(err)
		c.JSON(status, gin.H{"error": code})
	case errors.Is(err, service.ErrNotOpen), errors.Is(err, service.ErrClosed), errors.Is(err, service.ErrNotInvited), errors.Is(err, service.ErrInviteElsewhere):
		p.metrics.Submits.WithLabelValues("refused").Inc()
		status, code, _ := statusOf(err)
		c.JSON(status, gin.H{"error": code})
	default:
		// Nothing was recorded (the database, or something under it): the
		// page's script resends the same submission id later.
		p.log.Error("submit", "slug", c.Param("slug"), "err", err)
		p.metrics.Submits.WithLabelValues("unavailable").Inc()
		c.Header("Retry-After", retryAfterSeconds)
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "unavailable"})
	}
}

func (p *participantHandler) submitForm(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, p.cfg.Server.MaxBodyBytes)
	// The cached questionnaire, as the JSON post: Submit checks its revision
	// inside the INSERT, and with the database down the form can still come
	// back with the answers in it.
	q, err := p.questionnaires.LoadBySlugCached(c.Request.Context(), c.Param("slug"))
	if err != nil {
		if model.IsNotFound(err) {
			p.notFound(c)
			return
		}
		p.pageUnavailable(c, nil, err)
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		lang := q.Def.Lang(c.Query("lang"))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			p.message(c, http.StatusRequestEntityTooLarge, q, lang, "error", uiFor(lang).BadRequestHeading, uiFor(lang).TooLargeBody)
			return
		}
		p.message(c, http.StatusBadRequest, q, lang, "error", uiFor(lang).BadRequestHeading, err.Error())
		return
	}
	lang := pickLang(c, q.Def)
	values := map[string][]string{}
	answers := map[string]any{}
	for k, v := range c.Request.PostForm {
		key, isAnswer := strings.CutPrefix(k, "q.")
		if !isAnswer {
			continue
		}
		values[key] = v
		answers[key] = v
	}
	r := p.respondent(c)
	budget, limit := p.budgetKey(c, q, r, c.PostForm("form_token"))
	refused, done := p.spendBudget(c, q, budget, limit, c.PostForm("submission_id"))
	if refused {
		p.renderFormNotice(c, http.StatusTooManyRequests, q, lang, nil, values, c.PostForm("submission_id"), uiFor(lang).TooManyBody)
		return
	}
	res, err := p.responses.Submit(c.Request.Context(), q, r, service.Submission{
		SubmissionID: c.PostForm("submission_id"), Lang: lang, Answers: answers, FromForm: true,
	})
	done(err == nil && !res.Already)
	var fe service.FieldErrors
	switch {
	case err == nil:
		outcome := "recorded"
		if res.Already {
			outcome = "retry"
		}
		p.metrics.Submits.WithLabelValues(outcome).Inc()
		c.Redirect(http.StatusSeeOther, p.thanksURL(q, lang, r, res))
	case errors.As(err, &fe):
		p.metrics.Submits.WithLabelValues("invalid").Inc()
		msgs := fe.In(lang)
		subID := c.PostForm("submission_id")
		if _, bad := fe["submission_id"]; bad {
			subID = uuid.NewString()
		}
		p.renderForm(c, http.StatusUnprocessableEntity, q, lang, msgs, values, subID)
	case errors.Is(err, service.ErrAlreadyAnswered):
		p.metrics.Submits.WithLabelValues("duplicate").Inc()
		p.message(c, http.StatusConflict, q, lang, "ok", uiFor(lang).AlreadyHeading, uiFor(lang).AlreadyBody)
	case errors.Is(err, service.ErrNotOpen), errors.Is(err, service.ErrClosed), errors.Is(err, service.ErrNotInvited), errors.Is(err, service.ErrInviteElsewhere):
		p.metrics.Submits.WithLabelValues("refused").Inc()
		p.refuse(c, q, lang, err)
	default:
		// The database (or something under it) failed: nothing was recorded.
		// The form comes back with the answers in it and says so, with 503
		// and Retry-After; the same submission id makes a resend safe.
		p.log.Error("submit", "slug", q.Slug, "err", err)
		p.metrics.Submits.WithLabelValues("unavailable").Inc()
		c.Header("Retry-After", retryAfterSeconds)
		p.renderFormNotice(c, http.StatusServiceUnavailable, q, lang, nil, values, c.PostForm("submission_id"), uiFor(lang).Unavailable)
	}
}

// thanksURL is the thank-you page of a recorded submission, in its
// language, keeping the invite token; a test that shows the score links
// the response's result (r).
func (p *participantHandler) thanksURL(q *service.Loaded, lang string, r service.Respondent, res service.SubmitResult) string {
	v := url.Values{"lang": {lang}}
	if r.InviteToken != "" {
		v.Set("t", r.InviteToken)
	}
	if q.Def.ShowScore && res.ResponseID != 0 {
		v.Set("r", p.responses.ResultRef(res.ResponseID))
	}
	return "/s/" + q.Slug + "/thanks?" + v.Encode()
}

// thanks is where a successful form post lands: the thank-you text and, for
// a test that shows the score, the sender's score and the right answers.
func (p *participantHandler) thanks(c *gin.Context) {
	q, ok := p.load(c)
	if !ok {
		return
	}
	lang := pickLang(c, q.Def)
	body := q.Def.Thanks.In(lang)
	if body == "" {
		body = uiFor(lang).AlreadyBody
	}
	page := p.messagePage(c, q, lang, "ok", uiFor(lang).ThanksHeading, body)
	if ref := c.Query("r"); ref != "" {
		res, err := p.responses.Result(c.Request.Context(), q, ref)
		switch {
		case err == nil:
			page.Result = resultPage(res, lang)
		case !errors.Is(err, service.ErrNoResult):
			p.log.Error("test result", "slug", q.Slug, "err", err)
		}
	}
	p.render(c, http.StatusOK, "message.html", page)
}

// resultPage says a result in lang.
func resultPage(res *service.TestResult, lang string) *resultView {
	t := uiFor(lang)
	v := &resultView{Score: fmt.Sprintf(t.ScoreLine, res.Earned, res.Max, int(math.Round(res.Percent())))}
	labels := func(os []definition.Option) string {
		if len(os) == 0 {
			return t.NoAnswer
		}
		out := make([]string, len(os))
		for i, o := range os {
			out[i] = o.Label.In(lang)
		}
		return strings.Join(out, templates.Messages().T(lang, "words.list_sep"))
	}
	for _, it := range res.Items {
		iv := resultItemView{Text: it.Question.Text.In(lang), Right: it.Right, Chosen: labels(it.Chosen), Correct: labels(it.Correct), Verdict: t.AnswerWrong}
		if it.Right {
			iv.Verdict = t.AnswerRight
		}
		v.Items = append(v.Items, iv)
	}
	return v
}

func (p *participantHandler) refuse(c *gin.Context, q *service.Loaded, lang string, err error) {
	t := uiFor(lang)
	switch {
	case errors.Is(err, service.ErrClosed):
		p.message(c, http.StatusForbidden, q, lang, "closed", t.ClosedHeading, t.ClosedBody)
	case errors.Is(err, service.ErrNotInvited):
		p.message(c, http.StatusForbidden, q, lang, "closed", t.NotInvitedHeading, t.NotInvitedBody)
	case errors.Is(err, service.ErrInviteElsewhere):
		p.message(c, http.StatusForbidden, q, lang, "closed", t.ElsewhereHeading, t.ElsewhereBody)
	default:
		paras := []string{t.NotOpenBody}
		if q.OpensAt != nil && q.Status == model.StatusOpen {
			paras = append(paras, fmt.Sprintf(t.OpensAt, p.localTime(q, *q.OpensAt)))
		}
		p.message(c, http.StatusForbidden, q, lang, "closed", t.NotOpenHeading, paras...)
	}
}

// localTime renders t in the seminar's time zone.
func (p *participantHandler) localTime(q *service.Loaded, t time.Time) string {
	return t.In(q.Seminar.Zone()).Format("2006-01-02 15:04 MST")
}

func (p *participantHandler) message(c *gin.Context, status int, q *service.Loaded, lang, kind, heading string, paras ...string) {
	p.render(c, status, "message.html", p.messagePage(c, q, lang, kind, heading, paras...))
}

// messagePage is the page of a message: heading and paragraphs under the
// questionnaire's title.
func (p *participantHandler) messagePage(c *gin.Context, q *service.Loaded, lang, kind, heading string, paras ...string) messagePage {
	title := heading
	if q != nil {
		title = q.Def.Title.In(lang) + " · " + heading
	}
	return messagePage{pageBase: p.base(c, q, lang, title), Kind: kind, Heading: heading, Paragraphs: paras}
}

func (p *participantHandler) renderForm(c *gin.Context, status int, q *service.Loaded, lang string, errs map[string]string, values map[string][]string, submissionID string) {
	p.renderFormNotice(c, status, q, lang, errs, values, submissionID, "")
}

// renderFormNotice is renderForm with a page-level notice above the form.
func (p *participantHandler) renderFormNotice(c *gin.Context, status int, q *service.Loaded, lang string, errs map[string]string, values map[string][]string, submissionID, notice string) {
	t := uiFor(lang)
	page := questionnairePage{
		Notice:       notice,
		pageBase:     p.base(c, q, lang, q.Def.Title.In(lang)),
		Slug:         q.Slug,
		Title:        q.Def.Title.In(lang),
		Intro:        q.Def.Intro.In(lang),
		Privacy:      service.PrivacyNotice(q, p.cfg.Privacy, lang, p.now()),
		FormToken:    p.formToken(q.ID, p.now()),
		SubmissionID: submissionID,
		InviteToken:  p.respondent(c).InviteToken,
		Errors:       errs,
	}
	page.Action = "/s/" + q.Slug + "?lang=" + lang
	i18n, _ := json.Marshal(map[string]string{
		"sending": t.Sending, "missing": t.MissingAnswers, "network": t.NetworkError, "required": templates.Messages().T(lang, "field.required"),
	})
	page.ScriptI18N = template.JS(i18n)
	page.Sections = buildSections(q.Def, lang, errs, values)
	p.render(c, status, "questionnaire.html", page)
}

// buildSections turns a definition into the page's sections in lang, with
// each condition as a tree for participant.js and in words for a page
// without JavaScript, and the errors and values of a form post (nil for
// none). The participant page and the editor's preview both use it.
func buildSections(def *definition.Definition, lang string, errs map[string]string, values map[string][]string) []sectionView {
	var out []sectionView
	n := 0
	logic := def.Logic()
	for si, sec := range def.Sections {
		sv := sectionView{Title: sec.Title.In(lang)}
		if e := logic.Sections[si]; e != nil {
			sv.Condition, sv.Relevant = def.ConditionSentence(e, lang, true), exprJS(e)
		}
		for _, qd := range sec.Questions {
			if qd.Answerable() {
				n++
			}
			v := buildQuestionView(qd, n, lang, errs[qd.Key], values[qd.Key])
			if e := logic.Questions[qd.Key]; e != nil {
				v.Condition, v.Relevant = def.ConditionSentence(e, lang, false), exprJS(e)
			}
			if qd.Other {
				v.OtherKey, v.OtherError = qd.OtherKey(), errs[qd.OtherKey()]
				if o := values[qd.OtherKey()]; len(o) > 0 {
					v.OtherValue = o[0]
				}
			}
			sv.Questions = append(sv.Questions, v)
		}
		out = append(out, sv)
	}
	return out
}

func buildQuestionView(qd definition.QuestionDef, n int, lang, errMsg string, values []string) questionView {
	t := uiFor(lang)
	v := questionView{
		Key: qd.Key, Type: qd.Type, Text: qd.Text.In(lang), Help: qd.Help.In(lang), Error: errMsg,
		Number: n, Required: qd.Required, MaxLength: qd.MaxLength,
	}
	checked := func(val string) bool {
		for _, x := range values {
			if x == val {
				return true
			}
		}
		return false
	}
	add := func(val, label, input string) {
		v.Choices = append(v.Choices, choiceView{Key: qd.Key, Value: val, Label: label, InputType: input, Checked: checked(val)})
	}
	switch qd.Type {
	case model.TypeLikert:
		v.Layout = "likert"
		labels := qd.ScaleLabels()
		for i, lvl := range qd.Levels() {
			add(strconv.Itoa(lvl), labels[i].In(lang), "radio")
		}
		if qd.NA {
			add("na", t.NA, "radio")
		}
	case model.TypeRating:
		v.Layout = "scale"
		for _, lvl := range qd.Levels() {
			add(strconv.Itoa(lvl), strconv.Itoa(lvl), "radio")
		}
		v.ScaleEnds = []string{t.RatingLow, t.RatingHigh}
	case model.TypeNPS:
		v.Layout = "scale nps"
		for _, lvl := range qd.Levels() {
			add(strconv.Itoa(lvl), strconv.Itoa(lvl), "radio")
		}
		v.ScaleEnds = []string{t.NPSLow, t.NPSHigh}
	case model.TypeSingle, model.TypeMulti:
		input := "radio"
		if qd.Type == model.TypeMulti {
			input = "checkbox"
		}
		v.Layout = "list"
		for _, o := range qd.AllOptions() {
			add(o.Value, o.Label.In(lang), input)
		}
	case model.TypeNote:
		v.IsNote = true
	case model.TypeNumber:
		v.Input = numberInput(qd, lang)
	case model.TypeDate:
		v.Input = &inputView{Type: "date", Placeholder: "YYYY-MM-DD", Pattern: `\d{4}-\d{1,2}-\d{1,2}`, Min: qd.Min.String(), Max: qd.Max.String(),
			Hint: limitHint(qd.Min.String(), qd.Max.String(), t.DateHint, lang)}
	case model.TypeText, model.TypeLongText:
		v.IsText = true
	}
	if len(values) > 0 && (v.IsText || v.Input != nil) {
		v.TextValue = values[0]
	}
	return v
}

// numberInput is a text input with the phone's numeric keyboard (a
// type=number input drops a decimal comma and the participant's text).
func numberInput(qd definition.QuestionDef, lang string) *inputView {
	in := &inputView{Type: "text", InputMode: "numeric", Pattern: "[0-9]*"}
	if qd.Decimals > 0 {
		in.InputMode, in.Pattern = "decimal", ""
	}
	if lo, ok := qd.Min.Number(); ok && lo < 0 {
		in.Pattern = "" // iOS's numeric pad has no minus sign
		in.InputMode = "text"
	}
	hint := uiFor(lang).WholeNumber
	if qd.Decimals > 0 {
		hint = fmt.Sprintf(uiFor(lang).Decimals, qd.Decimals)
	}
	in.Hint = limitHint(qd.Min.String(), qd.Max.String(), hint, lang)
	return in
}

// limitHint says what a number or date input accepts: "0 – 50, a whole number".
func limitHint(lo, hi, what, lang string) string {
	sep := ", "
	if lang == "zh" {
		sep = "，"
	}
	switch {
	case lo != "" && hi != "":
		return lo + " – " + hi + sep + what
	case lo != "":
		return fmt.Sprintf(uiFor(lang).AtLeast, lo) + sep + what
	case hi != "":
		return fmt.Sprintf(uiFor(lang).AtMost, hi) + sep + what
	}
	return what
}

// exprJS is a condition's tree as JSON for participant.js.
func exprJS(e *definition.Expr) template.JS {
	b, err := json.Marshal(e)
	if err != nil {
		return ""
	}
	return template.JS(b)
}

// renderBuffers hold pages while they are executed (render).
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// renderErrorBody is what a page that failed to execute answers, in both
// languages: no half page with status 200.
const renderErrorBody = "The page could not be shown; the error has been logged. Please try again later.\n页面无法显示，错误已记录。请稍后再试。\n"

// render executes a page into a buffer and sends it only when the whole
// page executed: a template error answers 500 with a short text, never
// the first half of a page with the intended status.
func (s *Server) render(c *gin.Context, status int, name string, data any) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 4<<20 { // a 10,000-row roster page is not kept around
			renderBuffers.Put(buf)
		}
	}()
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	if err := s.pages.ExecuteTemplate(buf, name, data); err != nil {
		s.log.Error("render", "template", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte(renderErrorBody))
		return
	}
	c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// notFound answers unknown routes: JSON for API clients, a page otherwise.
func (s *Server) notFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") || c.ContentType() == "application/json" {
		c.JSON(http.StatusNotFound, gin.H{"error": "not_found"})
		return
	}
	lang := "en"
	if tags, _, err := language.ParseAcceptLanguage(c.GetHeader("Accept-Language")); err == nil && len(tags) > 0 {
		if b, _ := tags[0].Base(); b.String() == "zh" {
			lang = "zh"
		}
	}
	t := uiFor(lang)
	s.render(c, http.StatusNotFound, "message.html", messagePage{
		pageBase: pageBase{Lang: lang, PageTitle: t.NotFoundHeading, AssetVersion: s.assetVersion, T: t},
		Kind:     "closed", Heading: t.NotFoundHeading, Paragraphs: []string{t.NotFoundBody},
	})
}

// pageUnavailable answers a participant page when the database cannot be
// reached: 503 with Retry-After and a bilingual page, rather than a 500.
func (p *participantHandler) pageUnavailable(c *gin.Context, q *service.Loaded, err error) {
	p.log.Error("participant page: database unavailable", "path", c.Request.URL.Path, "err", err)
	c.Header("Retry-After", retryAfterSeconds)
	lang := requestLang(c)
	if q != nil {
		lang = pickLang(c, q.Def)
	}
	other := map[string]string{"en": "zh", "zh": "en"}[lang]
	p.message(c, http.StatusServiceUnavailable, q, lang, "error", uiFor(lang).UnavailableHeading, uiFor(lang).UnavailablePage, uiFor(other).UnavailablePage)
}
