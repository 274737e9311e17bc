package handler

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"

	"github.com/gin-gonic/gin"

	"seminareval/model"
	"seminareval/service/definition"
	"seminareval/service/spreadsheet"
	"seminareval/service/xlsform"
	"seminareval/templates"
)

// apiQuestionnaires serves /api/v1/questionnaires (README, "Questionnaire definitions"; handler/openapi.yaml).
type apiQuestionnaires struct {
	*Server
}

// maxUploadBytes bounds a definition or workbook body.
const maxUploadBytes = 4 * definition.MaxDefinitionBytes

// questionnaireRef is the answer to create, replace, publish and close.
type questionnaireRef struct {
	ID     uint64 `json:"id"`
	Slug   string `json:"slug"`
	URL    string `json:"url"`
	Status string `json:"status"`
}

// importedRef is the answer to create and replace: the questionnaire and
// what its import ignored (always a list, empty for a YAML or JSON body).
type importedRef struct {
	questionnaireRef
	Warnings []model.Problem `json:"warnings"`
}

func (s *Server) ref(q *model.Questionnaire) questionnaireRef {
	return questionnaireRef{ID: q.ID, Slug: q.Slug, URL: s.AbsoluteURL("/s/" + q.Slug), Status: q.Status}
}

// readDefinition parses the body: an XLSForm when it says so (or is one), a
// YAML or JSON definition otherwise, with the import's warnings (never nil,
// so that the answer always lists them). It answers the request itself and
// returns nil on failure.
func (h *apiQuestionnaires) readDefinition(c *gin.Context) (*definition.Definition, []model.Problem) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxUploadBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.JSON(http.StatusRequestEntityTooLarge, gin.H{"error": "too_large", "limit_bytes": mbe.Limit})
			return nil, nil
		}
		c.JSON(http.StatusBadRequest, gin.H{"error": "unreadable_body"})
		return nil, nil
	}
	opts := xlsform.Options{Slug: c.Query("slug"), FileName: uploadFileName(c.GetHeader("Content-Disposition"))}
	var def *definition.Definition
	var warnings []model.Problem
	if c.ContentType() == spreadsheet.XLSXContentType {
		def, warnings, err = xlsform.Parse(body, opts)
	} else {
		def, warnings, err = xlsform.ParseUpload(body, opts)
	}
	if err != nil {
		h.apiError(c, err)
		return nil, nil
	}
	if warnings == nil {
		warnings = []model.Problem{}
	}
	return def, warnings
}

// uploadFileName reads the file name of a Content-Disposition header.
func uploadFileName(header string) string {
	if header == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(header)
	if err != nil {
		return ""
	}
	return filepath.Base(params["filename"])
}

func (h *apiQuestionnaires) create(c *gin.Context) {
	def, warnings := h.readDefinition(c)
	if def == nil {
		return
	}
	q, err := h.questionnaires.Import(c.Request.Context(), def)
	if err != nil {
		h.apiError(c, err)
		return
	}
	h.audit(c, "questionnaire.create", questionnaireObject(q.ID), "api: "+q.Slug)
	c.Header("Location", "/api/v1/questionnaires/"+strconv.FormatUint(q.ID, 10))
	c.JSON(http.StatusCreated, importedRef{h.ref(q), templates.Localize(requestLang(c), warnings)})
}

func (h *apiQuestionnaires) show(c *gin.Context) {
	id, ok := apiID(c)
	if !ok {
		return
	}
	l, err := h.questionnaires.Load(c.Request.Context(), id)
	if err != nil {
		h.apiError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", l.Def.JSON())
}

func (h *apiQuestionnaires) replace(c *gin.Context) {
	id, ok := apiID(c)
	if !ok {
		return
	}
	def, warnings := h.readDefinition(c)
	if def == nil {
		return
	}
	q, err := h.questionnaires.Replace(c.Request.Context(), id, def)
	if err != nil {
		h.apiError(c, err)
		return
	}
	h.audit(c, "questionnaire.update", questionnaireObject(q.ID), "api: "+q.Slug)
	c.JSON(http.StatusOK, importedRef{h.ref(q), templates.Localize(requestLang(c), warnings)})
}

func (h *apiQuestionnaires) publish(c *gin.Context) {
	h.setStatus(c, model.StatusOpen, "questionnaire.publish")
}
func (h *apiQuestionnaires) close(c *gin.Context) {
	h.setStatus(c, model.StatusClosed, "questionnaire.close")
}

func (h *apiQuestionnaires) setStatus(c *gin.Context, status, action string) {
	id, ok := apiID(c)
	if !ok {
		return
	}
	q, err := h.questionnaires.SetStatus(c.Request.Context(), id, status)
	if err != nil {
		h.apiError(c, err)
		return
	}
	h.audit(c, action, questionnaireObject(q.ID), "api: "+q.Slug)
	c.JSON(http.StatusOK, h.ref(q))
}

// apiID reads the :id parameter; an id that is not a number is an unknown
// questionnaire.
func apiID(c *gin.Context) (uint64, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || id == 0 {
		c.JSON(http.StatusNotFound, gin.H{"error": "not_found"})
		return 0, false
	}
	return id, true
}

func questionnaireObject(id uint64) string { return "questionnaire:" + strconv.FormatUint(id, 10) }

// apiError is the one place questionnaire errors become API answers.
func (h *apiQuestionnaires) apiError(c *gin.Context, err error) {
	if ps, ok := definition.AsInvalid(err); ok {
		c.JSON(http.StatusUnprocessableEntity, gin.H{"error": "invalid", "problems": templates.Localize(requestLang(c), ps)})
		return
	}
	status, code, ok := statusOf(err)
	if !ok {
		h.log.Error("api questionnaires", "path", c.Request.URL.Path, "err", err)
		c.JSON(status, gin.H{"error": code})
		return
	}
	body := gin.H{"error": code}
	if _, text, ok := errorText(requestLang(c), err); ok {
		body["message"] = text
	}
	c.JSON(status, body)
}
