package model

import "fmt"

// Problem is one thing wrong with what someone sent: a definition or an
// XLSForm (Path: "sections[0].questions[2].options", "survey row 7, type"),
// a roster (Row, Field; no Row means the file as a whole) or a form of the
// console (Path names the field). Code is stable snake_case and never derived
// from Message. Key and Args are the message in the catalogue
// (templates/messages): the edge shows it in the reader's language with
// them; Message is the English text, for logs, the CLI and the API's
// default language.
type Problem struct {
	Code    string `json:"code"`
	Path    string `json:"path,omitempty"`
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Key     string `json:"-"`
	Args    []any  `json:"-"`
}

// String is the problem where it is: "sections[0].key: must be …",
// "row 3, email: … is not an email address", or only the message.
func (p Problem) String() string {
	switch {
	case p.Path != "":
		return p.Path + ": " + p.Message
	case p.Row > 0 && p.Field != "":
		return fmt.Sprintf("row %d, %s: %s", p.Row, p.Field, p.Message)
	case p.Row > 0:
		return fmt.Sprintf("row %d: %s", p.Row, p.Message)
	}
	return p.Message
}
