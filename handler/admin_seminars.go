package handler

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/skip2/go-qrcode"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/definition"
	"seminareval/service/roster"
	"seminareval/service/spreadsheet"
)

// seminarFormValues reads the seminar form: only these fields, so an id,
// timestamps or a roster cannot be posted into a seminar.
func seminarFormValues(c *gin.Context) service.SeminarInput {
	text := func(prefix string) model.Text {
		t := model.Text{}
		for _, l := range consoleLangs {
			if v := strings.TrimSpace(c.PostForm(prefix + "_" + l)); v != "" {
				t[l] = v
			}
		}
		return t
	}
	return service.SeminarInput{
		Slug: strings.TrimSpace(c.PostForm("slug")), Title: text("title"), Location: text("location"),
		StartsOn: strings.TrimSpace(c.PostForm("starts_on")), EndsOn: strings.TrimSpace(c.PostForm("ends_on")),
		Timezone: strings.TrimSpace(c.PostForm("timezone")), RetentionDays: strings.TrimSpace(c.PostForm("retention_days")),
	}
}

type seminarFormPage struct {
	consolePage
	ID               uint64 // 0 for a new seminar
	In               service.SeminarInput
	Problems         map[string]string
	DefaultRetention int // privacy.retention_days
}

// seminarForm is the seminar form page for seminar id (0: a new one).
func (s *Server) seminarForm(c *gin.Context, title string, id uint64, in service.SeminarInput) seminarFormPage {
	return seminarFormPage{consolePage: s.consoleBase(c, title, "seminars"), ID: id, In: in, Problems: map[string]string{},
		DefaultRetention: service.SeminarRetentionDays(nil, s.cfg.Privacy.RetentionDays)}
}

func (s *Server) seminarNew(c *gin.Context) {
	s.render(c, http.StatusOK, "admin_seminar_form.html", s.seminarForm(c, "seminar.new_title", 0,
		service.SeminarInput{Timezone: model.DefaultTimezone, Title: model.Text{}, Location: model.Text{}}))
}

func (s *Server) seminarCreate(c *gin.Context) {
	in := seminarFormValues(c)
	sem, err := s.seminars.Create(c.Request.Context(), in)
	if err != nil {
		s.seminarFormError(c, "seminar.new_title", 0, in, err)
		return
	}
	s.audit(c, "seminar.create", "seminar:"+sem.Slug, "")
	s.setFlash(c, "seminar.created")
	c.Redirect(http.StatusSeeOther, seminarPath(sem.ID))
}

// seminarOf loads the seminar :id of the path; it answers the request
// itself when there is none.
func (s *Server) seminarOf(c *gin.Context) (*model.Seminar, bool) {
	id, ok := s.consoleID(c, "id")
	if !ok {
		return nil, false
	}
	sem, err := s.seminars.ByID(c.Request.Context(), id)
	if err != nil {
		s.consoleFail(c, err)
		return nil, false
	}
	return sem, true
}

func (s *Server) seminarEdit(c *gin.Context) {
	sem, ok := s.seminarOf(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "admin_seminar_form.html", s.seminarForm(c, "seminar.edit_title", sem.ID,
		service.SeminarInput{Slug: sem.Slug, Title: sem.Title, Location: sem.Location, StartsOn: sem.StartsOn, EndsOn: sem.EndsOn, Timezone: sem.Timezone, RetentionDays: retentionText(sem)}))
}

func (s *Server) seminarUpdate(c *gin.Context) {
	id, ok := s.consoleID(c, "id")
	if !ok {
		return
	}
	in := seminarFormValues(c)
	sem, err := s.seminars.Update(c.Request.Context(), id, in)
	if err != nil {
		s.seminarFormError(c, "seminar.edit_title", id, in, err)
		return
	}
	s.audit(c, "seminar.update", "seminar:"+sem.Slug, "")
	s.setFlash(c, "common.saved")
	c.Redirect(http.StatusSeeOther, seminarPath(id))
}

func (s *Server) seminarFormError(c *gin.Context, title string, id uint64, in service.SeminarInput, err error) {
	p := s.seminarForm(c, title, id, in)
	status := http.StatusUnprocessableEntity
	var inv *definition.InvalidError
	switch {
	case errors.As(err, &inv):
		for _, pr := range inv.Problems {
			p.Problems[pr.Path] = pr.Message
			if key, ok := seminarProblemKeys[pr.Message]; ok {
				p.Problems[pr.Path] = p.T(key)
			}
		}
		p.Error = p.T("common.problems")
	case errors.Is(err, service.ErrSeminarSlugTaken):
		status = http.StatusConflict
		p.Problems["slug"] = p.T("seminar.slug_taken")
		p.Error = p.T("common.problems")
	default:
		s.consoleFail(c, err)
		return
	}
	s.render(c, status, "admin_seminar_form.html", p)
}

func seminarPath(id uint64, rest ...string) string {
	return "/admin/seminars/" + strconv.FormatUint(id, 10) + strings.Join(rest, "")
}

type seminarShowPage struct {
	consolePage
	Seminar        *model.Seminar
	Retention      string // when the personal data is or was deleted
	Questionnaires []questionnaireLink
	Participants   int
	Organisers     []model.User
	Candidates     []organiserChoice
	CanManage      bool
	CanErase       bool // admins
}

type organiserChoice struct {
	model.User
	Assigned bool
}

// seminarShow is the seminar's page: its questionnaires (with report links)
// for everyone who may see it; roster and organisers for staff.
func (s *Server) seminarShow(c *gin.Context) {
	id, ok := s.consoleID(c, "id")
	if !ok {
		return
	}
	if !s.canSeeSeminar(c, &id) {
		s.consoleMessage(c, http.StatusForbidden, "err.forbidden_title", "err.forbidden_body")
		return
	}
	ctx := c.Request.Context()
	sem, err := s.seminars.ByID(ctx, id)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	u := currentUser(c)
	p := seminarShowPage{consolePage: s.consoleBase(c, "seminar.title", "seminars"), Seminar: sem, CanManage: u.Role != model.RoleOrganiser, CanErase: u.Role == model.RoleAdmin}
	p.Title = sem.Title.In(p.Lang)
	if sem.PurgedAt != nil {
		p.Retention = p.T("seminar.purged_at", sem.PurgedAt.In(sem.Zone()).Format(time.DateOnly))
	} else if on, _ := service.PurgeDue(sem, s.cfg.Privacy.RetentionDays, s.now()); on != "" {
		p.Retention = p.T("seminar.purge_on", on, service.SeminarRetentionDays(sem, s.cfg.Privacy.RetentionDays))
	}
	rows, err := s.seminars.List(ctx, 0)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	for _, r := range rows {
		if r.ID == id {
			p.Participants = int(r.Participants)
			for _, q := range r.Questionnaires {
				p.Questionnaires = append(p.Questionnaires, s.questionnaireLinks(q))
			}
		}
	}
	if p.CanManage {
		if p.Organisers, err = s.seminars.Organisers(ctx, id); err != nil {
			s.consoleFail(c, err)
			return
		}
		assigned := map[uint64]bool{}
		for _, o := range p.Organisers {
			assigned[o.ID] = true
		}
		users, err := s.users.List(ctx)
		if err != nil {
			s.consoleFail(c, err)
			return
		}
		for _, cand := range users {
			if cand.Role == model.RoleOrganiser && !cand.Disabled {
				p.Candidates = append(p.Candidates, organiserChoice{User: cand, Assigned: assigned[cand.ID]})
			}
		}
	}
	s.render(c, http.StatusOK, "admin_seminar.html", p)
}

// seminarOrganisers replaces the organisers assigned to a seminar.
func (s *Server) seminarOrganisers(c *gin.Context) {
	id, ok := s.consoleID(c, "id")
	if !ok {
		return
	}
	var ids []uint64
	for _, v := range c.PostFormArray("organiser") {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	if err := s.seminars.SetOrganisers(c.Request.Context(), id, ids); err != nil {
		if errors.Is(err, service.ErrNotOrganiser) {
			s.consoleMessage(c, http.StatusUnprocessableEntity, "err.bad_request_title", "seminar.not_organiser")
			return
		}
		s.consoleFail(c, err)
		return
	}
	s.audit(c, "seminar.organisers", "seminar:"+strconv.FormatUint(id, 10), fmt.Sprint("organiser user ids ", ids))
	s.setFlash(c, "common.saved")
	c.Redirect(http.StatusSeeOther, seminarPath(id))
}

// rosterContext is the seminar and the questionnaire invite links point to.
type rosterContext struct {
	Seminar        *model.Seminar
	Questionnaires []model.Questionnaire
	Selected       *model.Questionnaire // nil when the seminar has none
}

// rosterCtx loads the seminar and picks the questionnaire of the invite
// links: ?q=<id>, else the first open one, else the first.
func (s *Server) rosterCtx(c *gin.Context) (*rosterContext, bool) {
	sem, ok := s.seminarOf(c)
	if !ok {
		return nil, false
	}
	ctx := c.Request.Context()
	rc := &rosterContext{Seminar: sem}
	rows, err := s.seminars.List(ctx, 0)
	if err != nil {
		s.consoleFail(c, err)
		return nil, false
	}
	for _, r := range rows {
		if r.ID == sem.ID {
			rc.Questionnaires = r.Questionnaires
		}
	}
	want, _ := strconv.ParseUint(c.Query("q"), 10, 64)
	for i := range rc.Questionnaires {
		q := &rc.Questionnaires[i]
		if q.ID == want {
			rc.Selected = q
			break
		}
		if rc.Selected == nil || (rc.Selected.Status != model.StatusOpen && q.Status == model.StatusOpen) {
			rc.Selected = q
		}
	}
	return rc, true
}

// inviteURL is the personal link of a participant to the selected
// questionnaire ("" when the seminar has no questionnaire yet).
func (s *Server) inviteURL(rc *rosterContext) func(model.Participant) string {
	return func(p model.Participant) string {
		if rc.Selected == nil {
			return ""
		}
		return s.AbsoluteURL("/s/" + rc.Selected.Slug + "?t=" + url.QueryEscape(p.InviteToken))
	}
}

// seminarDelete erases a seminar with its roster (admins; a confirmation box;
// audited).
func (s *Server) seminarDelete(c *gin.Context) {
	sem, ok := s.seminarOf(c)
	if !ok {
		return
	}
	id := sem.ID
	if c.PostForm("confirm") != "1" {
		s.setFlash(c, "seminar.delete_unconfirmed")
		c.Redirect(http.StatusSeeOther, seminarPath(id))
		return
	}
	if err := s.seminars.Delete(c.Request.Context(), id); err != nil {
		s.consoleFail(c, err)
		return
	}
	s.audit(c, "seminar.delete", "seminar:"+sem.Slug, "erased with its roster from the console; questionnaires kept without it")
	s.setFlash(c, "seminar.deleted")
	c.Redirect(http.StatusSeeOther, "/admin/seminars")
}

// rosterParticipantCtx is rosterCtx and the participant id :pid of the path.
func (s *Server) rosterParticipantCtx(c *gin.Context) (*rosterContext, uint64, bool) {
	rc, ok := s.rosterCtx(c)
	if !ok {
		return nil, 0, false
	}
	pid, ok := s.consoleID(c, "pid")
	return rc, pid, ok
}

// rosterDelete erases a participant (audited without their name); the form
// asks for a confirmation box.
func (s *Server) rosterDelete(c *gin.Context) {
	rc, pid, ok := s.rosterParticipantCtx(c)
	if !ok {
		return
	}
	back := seminarPath(rc.Seminar.ID, "/roster")
	if rc.Selected != nil {
		back += "?q=" + strconv.FormatUint(rc.Selected.ID, 10)
	}
	if c.PostForm("confirm") != "1" {
		s.setFlash(c, "roster.delete_unconfirmed")
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	p, err := s.rosters.DeleteParticipant(c.Request.Context(), rc.Seminar.ID, pid)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	s.audit(c, "participant.delete", "participant:"+strconv.FormatUint(p.ID, 10), "seminar "+rc.Seminar.Slug+": erased from the console")
	s.setFlash(c, "roster.deleted")
	c.Redirect(http.StatusSeeOther, back)
}

// rosterUnbind clears a participant's WeChat binding (audited).
func (s *Server) rosterUnbind(c *gin.Context) {
	rc, pid, ok := s.rosterParticipantCtx(c)
	if !ok {
		return
	}
	p, err := s.rosters.ClearBinding(c.Request.Context(), rc.Seminar.ID, pid)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	if p.OpenID != nil {
		s.audit(c, "participant.unbind", "participant:"+strconv.FormatUint(p.ID, 10), "seminar "+rc.Seminar.Slug+": WeChat binding cleared")
	}
	s.setFlash(c, "roster.unbound")
	q := ""
	if rc.Selected != nil {
		q = "?q=" + strconv.FormatUint(rc.Selected.ID, 10)
	}
	c.Redirect(http.StatusSeeOther, seminarPath(rc.Seminar.ID, "/roster", q))
}

type rosterRowView struct {
	model.Participant
	InviteURL string
	QRURL     string
}

type rosterPage struct {
	consolePage
	*rosterContext
	Rows      []rosterRowView
	Total     int
	Page      int
	PrevURL   string
	NextURL   string
	Query     string // ?q=… to keep on links
	MaxUpload int64
}

const rosterPageSize = 200

func (s *Server) rosterShow(c *gin.Context) {
	rc, ok := s.rosterCtx(c)
	if !ok {
		return
	}
	ps, err := s.rosters.Participants(c.Request.Context(), rc.Seminar.ID)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	p := rosterPage{consolePage: s.consoleBase(c, "roster.title", "seminars"), rosterContext: rc, Total: len(ps), MaxUpload: s.cfg.Server.MaxUploadBytes >> 20}
	p.Title = p.T("roster.title_of", rc.Seminar.Title.In(p.Lang))
	if rc.Selected != nil {
		p.Query = "?q=" + strconv.FormatUint(rc.Selected.ID, 10)
	}
	page, _ := strconv.Atoi(c.Query("page"))
	last := max(0, (len(ps)-1)/rosterPageSize)
	page = min(max(page, 0), last)
	p.Page = page + 1
	if page > 0 {
		p.PrevURL = c.Request.URL.Path + consoleURL("", "page", strconv.Itoa(page-1), "q", c.Query("q"))
	}
	if page < last {
		p.NextURL = c.Request.URL.Path + consoleURL("", "page", strconv.Itoa(page+1), "q", c.Query("q"))
	}
	invite := s.inviteURL(rc)
	for _, part := range ps[page*rosterPageSize : min(len(ps), (page+1)*rosterPageSize)] {
		v := rosterRowView{Participant: part, InviteURL: invite(part)}
		if v.InviteURL != "" {
			v.QRURL = seminarPath(rc.Seminar.ID, "/participants/", strconv.FormatUint(part.ID, 10), "/qr.png", p.Query)
		}
		p.Rows = append(p.Rows, v)
	}
	s.render(c, http.StatusOK, "admin_roster.html", p)
}

type rosterPreviewPage struct {
	consolePage
	Seminar  *model.Seminar
	Preview  *roster.Preview
	Sample   []roster.Row
	Problems []roster.RowProblem
	Ignored  string // columns that are not roster fields
	FileName string
	File     string // the upload, base64, posted back on confirm
	Fatal    string // the file could not be read at all
	Purge    string // the seminar is past its retention: what happens to these contacts
}

// ProblemText is a roster problem in the page's language.
func (p rosterPreviewPage) ProblemText(pr roster.RowProblem) string {
	if _, ok := consoleStrings["roster.err."+pr.Code]; !ok || pr.Code == "" {
		return pr.Message
	}
	return consoleT(p.Lang, "roster.err."+pr.Code, pr.Args...)
}

// ReadAs says how the file was read: format, encoding or sheet, and the
// header row, so that an organiser sees at once a wrong guess.
func (p rosterPreviewPage) ReadAs() string {
	if p.Preview == nil {
		return ""
	}
	f := p.Preview.File
	switch f.Format {
	case "xlsx":
		sheets := make([]string, len(f.SheetsRead))
		for i, s := range f.SheetsRead {
			sheets[i] = "“" + s + "”" // as the sentence quotes the sheet read
		}
		return p.T("roster.read_xlsx", f.Sheet, f.HeaderRow, strings.Join(sheets, ", "))
	case "csv":
		return p.T("roster.read_csv", p.T("roster.enc."+f.Encoding), f.HeaderRow)
	case "json":
		return p.T("roster.read_json", p.T("roster.enc."+f.Encoding))
	}
	return ""
}

// seminarProblemKeys translate the seminar service's problems.
var seminarProblemKeys = map[string]string{
	"3-64 lower-case letters, digits or hyphens":                       "seminar.err_slug",
	"a title in English or Chinese is required":                        "seminar.err_title",
	"a date as YYYY-MM-DD":                                             "seminar.err_date",
	"the end is before the start":                                      "seminar.err_order",
	"an IANA time zone such as Asia/Shanghai":                          "seminar.err_timezone",
	"a whole number of days from 1 to 36500, or empty for the default": "seminar.err_retention",
}

// rosterPreviewRows is how many rows the preview shows; the import takes all.
const rosterPreviewRows = 50

// rosterPreview reads an uploaded file and shows what would be imported and
// every problem, without writing anything. The file travels back in the
// confirm form (the server keeps no state between the two requests, so any
// replica can take the confirmation), and is checked again on import.
func (s *Server) rosterPreview(c *gin.Context) {
	rc, ok := s.rosterCtx(c)
	if !ok {
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.Server.MaxUploadBytes)
	fh, err := c.FormFile("file")
	var data []byte
	name := ""
	if err == nil {
		name = fh.Filename
		var f io.ReadCloser
		if f, err = fh.Open(); err == nil {
			data, err = io.ReadAll(f)
			f.Close()
		}
	}
	p := rosterPreviewPage{consolePage: s.consoleBase(c, "roster.preview_title", "seminars"), Seminar: rc.Seminar, FileName: name}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			p.Fatal = p.T("roster.too_large", s.cfg.Server.MaxUploadBytes>>20)
			s.render(c, http.StatusRequestEntityTooLarge, "admin_roster_preview.html", p)
			return
		}
		p.Fatal = p.T("roster.no_file")
		s.render(c, http.StatusBadRequest, "admin_roster_preview.html", p)
		return
	}
	s.previewRoster(c, &p, data)
}

func (s *Server) previewRoster(c *gin.Context, p *rosterPreviewPage, data []byte) {
	file, err := roster.Parse(data)
	if err != nil {
		if problems, ok := roster.AsError(err); ok {
			if errors.Is(err, roster.ErrNotSpreadsheet) {
				p.Fatal = p.ProblemText(problems[0]) // the whole file: what it is and how to save it
			} else {
				p.Problems = problems
			}
			s.render(c, http.StatusUnprocessableEntity, "admin_roster_preview.html", p)
			return
		}
		s.consoleFail(c, err)
		return
	}
	pv, err := s.rosters.Preview(c.Request.Context(), p.Seminar.ID, file)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	p.Preview, p.Problems = pv, pv.Problems
	if on, due := service.PurgeDue(p.Seminar, s.cfg.Privacy.RetentionDays, s.now()); due {
		p.Purge = p.T("roster.past_retention", on)
	}
	p.Ignored = strings.Join(pv.Ignored, ", ")
	p.Sample = pv.Rows[:min(len(pv.Rows), rosterPreviewRows)]
	status := http.StatusOK
	if pv.OK() {
		p.File = base64.RawURLEncoding.EncodeToString(data)
	} else {
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, "admin_roster_preview.html", p)
}

// rosterImport is the confirmation: the same file, checked again and
// imported all or nothing.
func (s *Server) rosterImport(c *gin.Context) {
	rc, ok := s.rosterCtx(c)
	if !ok {
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.Server.MaxUploadBytes*2)
	data, err := base64.RawURLEncoding.DecodeString(c.PostForm("file"))
	p := rosterPreviewPage{consolePage: s.consoleBase(c, "roster.preview_title", "seminars"), Seminar: rc.Seminar, FileName: c.PostForm("filename")}
	if err != nil || len(data) == 0 {
		p.Fatal = p.T("roster.no_file")
		s.render(c, http.StatusBadRequest, "admin_roster_preview.html", p)
		return
	}
	file, err := roster.Parse(data)
	if err != nil {
		s.previewRoster(c, &p, data)
		return
	}
	n, err := s.rosters.Import(c.Request.Context(), rc.Seminar.ID, file)
	if err != nil {
		if _, ok := roster.AsError(err); ok {
			// Something changed since the preview (another import): show why.
			s.previewRoster(c, &p, data)
			return
		}
		s.consoleFail(c, err)
		return
	}
	s.audit(c, "roster.import", "seminar:"+rc.Seminar.Slug, fmt.Sprintf("%d participants from %s", n, p.FileName))
	_ = s.SetSignedCookie(c, cookieFlash, "roster.imported", 60)
	c.Redirect(http.StatusSeeOther, seminarPath(rc.Seminar.ID, "/roster"))
}

func (s *Server) rosterExportCSV(c *gin.Context)  { s.rosterExport(c, "csv") }
func (s *Server) rosterExportXLSX(c *gin.Context) { s.rosterExport(c, "xlsx") }

// rosterExport downloads the roster with each participant's invite link.
func (s *Server) rosterExport(c *gin.Context, format string) {
	rc, ok := s.rosterCtx(c)
	if !ok {
		return
	}
	var buf bytes.Buffer
	var err error
	ctype := "text/csv; charset=utf-8"
	if format == "csv" {
		err = s.rosters.ExportCSV(c.Request.Context(), rc.Seminar.ID, &buf, s.inviteURL(rc))
	} else {
		ctype = spreadsheet.XLSXContentType
		err = s.rosters.ExportXLSX(c.Request.Context(), rc.Seminar.ID, &buf, s.inviteURL(rc))
	}
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	s.audit(c, "roster.export", "seminar:"+rc.Seminar.Slug, format)
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-roster.%s"`, rc.Seminar.Slug, format))
	c.Data(http.StatusOK, ctype, buf.Bytes())
}

type invitesPage struct {
	consolePage
	*rosterContext
	Rows []rosterRowView
}

// rosterInvites is a printable sheet of invitation cards: name, QR code and
// link per participant, to hand out at the seminar.
func (s *Server) rosterInvites(c *gin.Context) {
	rc, ok := s.rosterCtx(c)
	if !ok {
		return
	}
	ps, err := s.rosters.Participants(c.Request.Context(), rc.Seminar.ID)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	p := invitesPage{consolePage: s.consoleBase(c, "roster.invites_title", "seminars"), rosterContext: rc}
	p.Title = p.T("roster.invites_of", rc.Seminar.Title.In(p.Lang))
	invite := s.inviteURL(rc)
	q := ""
	if rc.Selected != nil {
		q = "?q=" + strconv.FormatUint(rc.Selected.ID, 10)
	}
	for _, part := range ps {
		v := rosterRowView{Participant: part, InviteURL: invite(part)}
		if v.InviteURL != "" {
			v.QRURL = seminarPath(rc.Seminar.ID, "/participants/", strconv.FormatUint(part.ID, 10), "/qr.png", q)
		}
		p.Rows = append(p.Rows, v)
	}
	s.render(c, http.StatusOK, "admin_invites.html", p)
}

// participantQR is the QR code of a participant's invite link, drawn here
// (no third-party QR service: the link holds the invite token).
func (s *Server) participantQR(c *gin.Context) {
	rc, pid, ok := s.rosterParticipantCtx(c)
	if !ok {
		return
	}
	part, err := s.rosters.Participant(c.Request.Context(), rc.Seminar.ID, pid)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	link := s.inviteURL(rc)(*part)
	if link == "" {
		s.consoleMessage(c, http.StatusNotFound, "err.not_found_title", "roster.no_questionnaire")
		return
	}
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		s.consoleFail(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "image/png", png)
}

func init() {
	addConsoleStrings(map[string][2]string{
		"seminar.title":                    {"Seminar", "研讨会"},
		"seminar.new_title":                {"New seminar", "新建研讨会"},
		"seminar.edit_title":               {"Edit seminar", "编辑研讨会"},
		"seminar.created":                  {"Seminar created. Next: import the roster, then add a questionnaire.", "研讨会已创建。下一步：导入名单，然后添加问卷。"},
		"seminar.slug":                     {"Short name (used in links)", "简称（用于链接）"},
		"seminar.slug_hint":                {"3-64 lower-case letters, digits or hyphens, e.g. sanya-2018", "3-64 个小写字母、数字或连字符，例如 sanya-2018"},
		"seminar.slug_taken":               {"Another seminar already uses this short name.", "该简称已被其他研讨会使用。"},
		"seminar.title_en":                 {"Title (English)", "标题（英文）"},
		"seminar.title_zh":                 {"Title (Chinese)", "标题（中文）"},
		"seminar.location_en":              {"Location (English)", "地点（英文）"},
		"seminar.location":                 {"Location", "地点"},
		"seminar.location_zh":              {"Location (Chinese)", "地点（中文）"},
		"seminar.starts_on":                {"First day", "开始日期"},
		"seminar.ends_on":                  {"Last day", "结束日期"},
		"seminar.timezone":                 {"Time zone", "时区"},
		"seminar.retention_days":           {"Keep personal data for (days after the seminar)", "个人信息保留天数（研讨会结束后）"},
		"seminar.retention_help":           {"Empty: %d days. Then e-mail, phone, WeChat IDs and invite links are deleted; answers and reports stay.", "留空：%d 天。到期后删除邮箱、电话、微信标识和邀请链接；答卷和报告保留。"},
		"seminar.retention":                {"Personal data", "个人信息"},
		"seminar.purge_on":                 {"deleted on %s (%d days after the seminar)", "将于 %s 删除（研讨会结束后 %d 天）"},
		"seminar.purged_at":                {"deleted on %s: contact fields, WeChat IDs and invite links", "已于 %s 删除：联系方式、微信标识和邀请链接"},
		"seminar.organisers":               {"Organisers", "组织方"},
		"seminar.organisers_help":          {"Organisers see and download the reports of this seminar, nothing else.", "组织方可以查看和下载本研讨会的报告，仅此而已。"},
		"seminar.no_candidates":            {"No user has the organiser role yet. An admin adds them under Users.", "还没有组织方角色的用户。管理员可在“用户”中添加。"},
		"seminar.not_organiser":            {"Only users with the organiser role can be assigned.", "只能分配具有组织方角色的用户。"},
		"seminar.save_organisers":          {"Save organisers", "保存组织方"},
		"seminar.participants":             {"Participants", "参会者"},
		"seminar.roster_link":              {"Roster and invitations", "名单与邀请"},
		"seminar.where_when":               {"%s · %s – %s", "%s · %s 至 %s"},
		"roster.title":                     {"Roster", "名单"},
		"roster.title_of":                  {"Roster: %s", "名单：%s"},
		"roster.import":                    {"Import participants", "导入参会者"},
		"roster.import_help":               {"An Excel workbook (.xlsx) or a CSV or tab-separated text file, as Excel, WPS or LibreOffice save it (UTF-8, GBK/GB18030, UTF-16). The header row names the columns: name (required), organisation, country, group, email, phone — or 姓名, 单位, 国家, 组别, 邮箱, 电话; title rows above it and a cover sheet before the list are passed over. Other columns are ignored. Nothing is imported until you confirm the preview, and nothing at all if a row has a problem.", "Excel 工作簿（.xlsx），或 Excel、WPS、LibreOffice 保存的 CSV 或制表符分隔的文本文件（UTF-8、GBK/GB18030、UTF-16）。表头行为列名：name（必填）、organisation、country、group、email、phone，或 姓名、单位、国家、组别、邮箱、电话；表头上方的标题行和名单前的封面工作表会被跳过。其他列将被忽略。确认预览之前不会导入任何数据；只要有一行有问题，就全部不导入。"},
		"roster.file":                      {"File (at most %d MB)", "文件（最大 %d MB）"},
		"roster.preview":                   {"Preview", "预览"},
		"roster.preview_title":             {"Roster import preview", "名单导入预览"},
		"roster.count":                     {"%d participants", "%d 名参会者"},
		"roster.empty":                     {"The roster is empty. Import a file below.", "名单为空，请在下方导入文件。"},
		"roster.invite":                    {"Invite link", "邀请链接"},
		"roster.qr":                        {"QR", "二维码"},
		"roster.for_questionnaire":         {"Invite links open", "邀请链接指向"},
		"roster.show":                      {"Show", "显示"},
		"roster.no_questionnaire":          {"The seminar has no questionnaire yet, so there is no invite link.", "该研讨会还没有问卷，因此没有邀请链接。"},
		"roster.export_xlsx":               {"Download .xlsx", "下载 .xlsx"},
		"roster.export_csv":                {"Download .csv", "下载 .csv"},
		"roster.invites":                   {"Printable invitations", "可打印的邀请卡"},
		"roster.invites_title":             {"Invitations", "邀请卡"},
		"roster.invites_of":                {"Invitations: %s", "邀请卡：%s"},
		"roster.invites_help":              {"Each card holds a personal link: whoever scans it answers as that participant.", "每张卡片都是个人专属链接：扫码者将以该参会者的身份作答。"},
		"roster.page":                      {"Page %d", "第 %d 页"},
		"roster.prev":                      {"Previous", "上一页"},
		"roster.next":                      {"Next", "下一页"},
		"roster.bound":                     {"WeChat bound", "已绑定微信"},
		"roster.unbind":                    {"Clear", "解除"},
		"roster.delete":                    {"Erase", "删除"},
		"seminar.erase":                    {"Erase this seminar", "删除此研讨会"},
		"seminar.erase_help":               {"Erases the seminar, its roster (names, contact fields, invites, WeChat bindings) and its organisers' assignments. Its questionnaires and their answers stay, without the seminar.", "删除研讨会、其参会者名单（姓名、联系方式、邀请、微信绑定）及组织者分配。其问卷和回答保留，但不再关联此研讨会。"},
		"seminar.erase_confirm":            {"I understand: erase it", "我已了解：确认删除"},
		"seminar.deleted":                  {"Seminar erased; its questionnaires and answers are kept.", "已删除研讨会；其问卷和回答已保留。"},
		"seminar.delete_unconfirmed":       {"Tick the box to erase the seminar.", "请勾选确认框后再删除研讨会。"},
		"roster.delete_confirm":            {"sure", "确认"},
		"roster.delete_hint":               {"Erase this person from the roster (name, contact, invite, WeChat); their answers stay in the figures without their name.", "从名单中删除此人（姓名、联系方式、邀请、微信）；其回答保留在统计中，但不再关联其姓名。"},
		"roster.deleted":                   {"Participant erased; their answers stay in the figures, without their name.", "已删除该参会者；其回答保留在统计中，不再关联其姓名。"},
		"roster.delete_unconfirmed":        {"Tick “sure” next to Erase to erase a participant.", "请勾选“删除”旁的“确认”后再删除。"},
		"roster.unbind_hint":               {"Clear the WeChat binding: the next WeChat account opening this invite is bound instead (a forwarded invite, a new phone).", "解除微信绑定：下一个打开此邀请的微信账号将被绑定（邀请被转发、换了手机时使用）。"},
		"roster.unbound":                   {"WeChat binding cleared.", "已解除微信绑定。"},
		"roster.ready":                     {"%d participants are ready to import into %s.", "%d 名参会者可以导入 %s。"},
		"roster.past_retention":            {"This seminar's personal data was due for deletion on %s: the contact fields of these participants (e-mail, phone, invite links) are deleted at the next purge, within ten minutes. Change the seminar's retention first to keep them.", "本研讨会的个人信息已于 %s 到期：这些参会者的联系方式（邮箱、电话、邀请链接）将在下次清理时（十分钟内）删除。如需保留，请先修改研讨会的保留天数。"},
		"roster.existing":                  {"The roster already has %d participants; these are added to them.", "名单中已有 %d 名参会者；这些将被追加。"},
		"roster.ignored":                   {"Ignored columns: %s", "已忽略的列：%s"},
		"roster.skipped":                   {"%d blank rows skipped.", "已跳过 %d 个空行。"},
		"roster.sample":                    {"First %d of %d rows", "前 %d 行（共 %d 行）"},
		"roster.confirm":                   {"Import %d participants", "导入 %d 名参会者"},
		"roster.problems":                  {"Nothing was imported: %d problems. Correct the file and upload it again.", "未导入任何数据：发现 %d 个问题。请修改文件后重新上传。"},
		"roster.row":                       {"Row", "行"},
		"roster.field":                     {"Column", "列"},
		"roster.message":                   {"Problem", "问题"},
		"roster.whole_file":                {"file", "文件"},
		"roster.upload_again":              {"Upload another file", "重新上传文件"},
		"roster.no_file":                   {"Choose a file to upload.", "请选择要上传的文件。"},
		"roster.too_large":                 {"The file is larger than %d MB.", "文件超过 %d MB。"},
		"roster.read_xlsx":                 {"Read from sheet “%s”, column names in row %d (sheets looked at: %s).", "读取工作表“%s”，列名在第 %d 行（已查看的工作表：%s）。"},
		"roster.read_csv":                  {"Read as text in %s, column names in row %d.", "按 %s 编码读取文本，列名在第 %d 行。"},
		"roster.read_json":                 {"Read as JSON in %s.", "按 %s 编码读取 JSON。"},
		"roster.enc.UTF-8":                 {"UTF-8", "UTF-8"},
		"roster.enc.UTF-8 (BOM)":           {"UTF-8 (Excel’s “CSV UTF-8”)", "UTF-8（Excel 的“CSV UTF-8”）"},
		"roster.enc.UTF-16LE":              {"UTF-16 (Excel’s “Unicode text”)", "UTF-16（Excel 的“Unicode 文本”）"},
		"roster.enc.UTF-16BE":              {"UTF-16 big-endian", "UTF-16（大端序）"},
		"roster.enc.GB18030":               {"GB18030/GBK (CSV from Excel or WPS on Chinese Windows)", "GB18030/GBK（中文版 Windows 上 Excel 或 WPS 保存的 CSV）"},
		"roster.enc.Windows-1252":          {"Windows-1252 (CSV from Excel on Western European Windows)", "Windows-1252（西欧语言 Windows 上 Excel 保存的 CSV）"},
		"roster.imported":                  {"Roster imported.", "名单已导入。"},
		"seminar.err_slug":                 {"3-64 lower-case letters, digits or hyphens", "3-64 个小写字母、数字或连字符"},
		"seminar.err_title":                {"a title in English or Chinese is required", "需要英文或中文标题"},
		"seminar.err_date":                 {"a date as YYYY-MM-DD", "日期格式为 YYYY-MM-DD"},
		"seminar.err_order":                {"the end is before the start", "结束日期早于开始日期"},
		"seminar.err_timezone":             {"an IANA time zone such as Asia/Shanghai", "IANA 时区，例如 Asia/Shanghai"},
		"seminar.err_retention":            {"a whole number of days from 1 to 36500, or empty for the default", "1 至 36500 之间的整数天数，留空则用默认值"},
		"roster.err.empty_file":            {"the file is empty", "文件是空的"},
		"roster.err.not_array":             {`JSON roster must be an array of objects: [{"name": "..."}, ...]`, `JSON 名单必须是对象数组：[{"name": "..."}, ...]`},
		"roster.err.no_sheet":              {"the workbook has no sheet", "工作簿中没有工作表"},
		"roster.err.too_many":              {"more than %d rows: is this the right file?", "超过 %d 行：文件是否选错了？"},
		"roster.err.bad_csv":               {"not valid CSV: %s", "不是有效的 CSV：%s"},
		"roster.err.no_rows":               {"the file has no rows", "文件中没有任何行"},
		"roster.err.bad_json":              {"not a JSON array of objects: %s", "不是 JSON 对象数组：%s"},
		"roster.err.two_columns":           {"two columns are %s: %q (column %d) and %q (column %d)", "有两列都是 %s：%q（第 %d 列）和 %q（第 %d 列）"},
		"roster.err.no_name_column":        {"no name column: the header row must hold the column names (name/姓名, organisation/单位, country/国家, group/组别, email/邮箱, phone/电话); found %s", "没有姓名列：表头行必须是列名（姓名/name、单位/organisation、国家/country、组别/group、邮箱/email、电话/phone）；实际为 %s"},
		"roster.err.no_name_column_sheets": {"no sheet has a name column in its first 20 rows (sheets read: %s); the header row must hold the column names (name/姓名, organisation/单位, country/国家, group/组别, email/邮箱, phone/电话)", "没有任何工作表的前 20 行中有姓名列（已读取的工作表：%s）；表头行必须是列名（姓名/name、单位/organisation、国家/country、组别/group、邮箱/email、电话/phone）"},
		"roster.err.not_spreadsheet":       {"This file is not a spreadsheet: upload an Excel workbook (.xlsx) or a CSV file.", "该文件不是电子表格：请上传 Excel 工作簿（.xlsx）或 CSV 文件。"},
		"roster.err.old_xls":               {"This is an old Excel .xls file: open it in Excel or WPS and save it as .xlsx (Excel workbook), then upload that.", "这是旧版 Excel .xls 文件：请在 Excel 或 WPS 中打开并另存为 .xlsx（Excel 工作簿）后再上传。"},
		"roster.err.ods":                   {"This is an OpenDocument spreadsheet (.ods): in LibreOffice or WPS choose Save As, Excel 2007-365 (.xlsx), then upload that.", "这是 OpenDocument 电子表格（.ods）：请在 LibreOffice 或 WPS 中选择“另存为”Excel 2007-365（.xlsx）后再上传。"},
		"roster.err.unreadable_text":       {"The text is in none of UTF-8, UTF-16, GB18030/GBK or Windows-1252: save it as “CSV UTF-8” or as an Excel workbook (.xlsx).", "文本编码不是 UTF-8、UTF-16、GB18030/GBK 或 Windows-1252：请另存为“CSV UTF-8”或 Excel 工作簿（.xlsx）。"},
		"roster.err.zip_bomb":              {"The workbook unpacks to far more than a spreadsheet of this size holds: it is damaged or not a real workbook.", "该工作簿解压后远大于同等大小的电子表格：文件已损坏或不是真正的工作簿。"},
		"roster.err.phone_scientific":      {"%q is a phone number Excel shortened to scientific notation, and its digits are lost: format the column as text in the workbook and save it again", "%q 是被 Excel 显示为科学计数法的电话号码，位数已丢失：请在工作簿中把该列设为文本格式后重新保存"},
		"roster.err.not_string":            {"must be a string", "必须是文本"},
		"roster.err.required":              {"required", "必填"},
		"roster.err.too_long":              {"too long (%d characters, at most %d)", "过长（%d 个字符，最多 %d 个）"},
		"roster.err.bad_email":             {"%q is not an email address", "%q 不是有效的邮箱地址"},
		"roster.err.bad_phone_chars":       {"%q is not a phone number (digits, spaces and + - ( ) only)", "%q 不是有效的电话号码（只能包含数字、空格和 + - ( )）"},
		"roster.err.bad_phone_short":       {"%q is not a phone number (too few digits)", "%q 不是有效的电话号码（位数太少）"},
		"roster.err.no_participants":       {"the file has a header but no participants", "文件只有表头，没有参会者"},
		"roster.err.on_roster":             {"%s %q is already on the roster (%s)", "%[2]q 已在名单中（%[3]s）"},
		"roster.err.duplicate":             {"duplicate person: same %s %q as row %d (%s)", "重复的人员：%[2]q 与第 %[3]d 行相同（%[4]s）"},
		"col.name":                         {"Name", "姓名"},
		"col.organisation":                 {"Organisation", "单位"},
		"col.country":                      {"Country", "国家"},
		"col.group":                        {"Group", "组别"},
		"col.email":                        {"Email", "邮箱"},
		"col.phone":                        {"Phone", "电话"},
	})
}

// retentionText is the seminar's own retention as the form shows it.
func retentionText(sem *model.Seminar) string {
	if sem.RetentionDays == nil {
		return ""
	}
	return strconv.Itoa(*sem.RetentionDays)
}
