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
	"seminareval/templates"
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
		for _, pr := range templates.Localize(p.Lang, inv.Problems) {
			p.Problems[pr.Path] = pr.Message
		}
		p.Error = p.T("common.problems")
	case errors.Is(err, service.ErrSeminarSlugTaken):
		status, p.Problems["slug"], _ = errorText(p.Lang, err)
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
	Problems []model.Problem
	Ignored  string // columns that are not roster fields
	FileName string
	File     string // the upload, base64, posted back on confirm
	Fatal    string // the file could not be read at all
	Purge    string // the seminar is past its retention: what happens to these contacts
}

// ProblemText is a roster problem in the page's language.
func (p rosterPreviewPage) ProblemText(pr model.Problem) string {
	return templates.Localize(p.Lang, []model.Problem{pr})[0].Message
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

// retentionText is the seminar's own retention as the form shows it.
func retentionText(sem *model.Seminar) string {
	if sem.RetentionDays == nil {
		return ""
	}
	return strconv.Itoa(*sem.RetentionDays)
}
