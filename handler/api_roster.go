package handler

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"seminareval/model"
	"seminareval/service"
	"seminareval/service/roster"
	"seminareval/templates"
)

// registerRosterAPI adds the roster import for scripts:
// POST /api/v1/seminars/:slug/participants with a JSON array of people, or
// an .xlsx or CSV body → 201 {"imported": N}; all or nothing, 422 with every
// problem by row otherwise.
func (s *Server) registerRosterAPI(r *gin.Engine) error {
	r.POST("/api/v1/seminars/:slug/participants", s.requireAPI(model.RoleAdmin, model.RoleStaff), s.apiRosterImport)
	r.DELETE("/api/v1/seminars/:slug/participants/:id", s.requireAPI(model.RoleAdmin, model.RoleStaff), s.apiParticipantDelete)
	r.DELETE("/api/v1/seminars/:slug", s.requireAPI(model.RoleAdmin), s.apiSeminarDelete)
	return nil
}

// apiSeminarDelete erases a seminar and its roster (admins; 204; audited).
func (s *Server) apiSeminarDelete(c *gin.Context) {
	ctx := c.Request.Context()
	sem, err := s.seminars.BySlug(ctx, c.Param("slug"))
	if err == nil {
		err = s.seminars.Delete(ctx, sem.ID)
	}
	switch {
	case model.IsNotFound(err):
		c.JSON(http.StatusNotFound, gin.H{"error": "not_found"})
	case err != nil:
		s.log.Error("delete seminar", "err", err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal"})
	default:
		s.audit(c, "seminar.delete", "seminar:"+sem.Slug, "erased with its roster via API; questionnaires kept without it")
		c.Status(http.StatusNoContent)
	}
}

// apiParticipantDelete erases a participant (204; audited without their name).
func (s *Server) apiParticipantDelete(c *gin.Context) {
	ctx := c.Request.Context()
	sem, err := s.seminars.BySlug(ctx, c.Param("slug"))
	id, perr := strconv.ParseUint(c.Param("id"), 10, 64)
	if err == nil && perr != nil {
		err = model.ErrNotFound
	}
	var p *model.Participant
	if err == nil {
		p, err = s.rosters.DeleteParticipant(ctx, sem.ID, id)
	}
	switch {
	case model.IsNotFound(err):
		c.JSON(http.StatusNotFound, gin.H{"error": "not_found"})
	case err != nil:
		s.log.Error("delete participant", "err", err)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "internal"})
	default:
		s.audit(c, "participant.delete", "participant:"+strconv.FormatUint(p.ID, 10), "seminar "+sem.Slug+": erased via API")
		c.Status(http.StatusNoContent)
	}
}

func (s *Server) apiRosterImport(c *gin.Context) {
	ctx := c.Request.Context()
	sem, err := s.seminars.BySlug(ctx, c.Param("slug"))
	if err != nil {
		if model.IsNotFound(err) {
			c.JSON(http.StatusNotFound, gin.H{"error": "not_found"})
			return
		}
		s.apiRosterFail(c, err)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.Server.MaxUploadBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.JSON(http.StatusRequestEntityTooLarge, gin.H{"error": "too_large", "limit_bytes": s.cfg.Server.MaxUploadBytes})
			return
		}
		c.JSON(http.StatusBadRequest, gin.H{"error": "bad_request"})
		return
	}
	file, err := roster.Parse(data)
	if err == nil {
		var n int
		if n, err = s.rosters.Import(ctx, sem.ID, file); err == nil {
			s.audit(c, "roster.import", "seminar:"+sem.Slug, fmt.Sprintf("%d participants via API", n))
			warnings := []gin.H{}
			if on, due := service.PurgeDue(sem, s.cfg.Privacy.RetentionDays, s.now()); due {
				warnings = append(warnings, gin.H{"code": "past_retention", "purge_on": on,
					"message": "the seminar's personal data was due for deletion on " + on + ": these participants' contact fields are deleted at the next purge"})
			}
			out := gin.H{"imported": n, "format": file.Format, "header_row": file.HeaderRow, "warnings": warnings}
			if file.Encoding != "" {
				out["encoding"] = file.Encoding
			}
			if file.Sheet != "" {
				out["sheet"], out["sheets_read"] = file.Sheet, file.SheetsRead
			}
			if len(file.Ignored) > 0 {
				out["ignored_columns"] = file.Ignored
			}
			c.JSON(http.StatusCreated, out)
			return
		}
	}
	s.apiRosterFail(c, err)
}

// apiRosterFail answers 422 {"error":"invalid","problems":[{row, field,
// code, message}]} (messages in the request's language) for a bad roster, 500 otherwise.
func (s *Server) apiRosterFail(c *gin.Context, err error) {
	if problems, ok := roster.AsError(err); ok {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": "invalid", "problems": templates.Localize(requestLang(c), problems)})
		return
	}
	s.log.Error("roster import", "err", err)
	c.JSON(http.StatusInternalServerError, gin.H{"error": "internal"})
}
