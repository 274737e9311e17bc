// Package templates embeds the HTML pages, static assets and built-in
// questionnaire definitions into the binary, so a deployment is one file and
// no page depends on a CDN (foreign CDNs are slow or blocked inside China).
package templates

import "embed"

// Pages holds the html/template files, parsed once at start-up by the handler.
//
//go:embed *.html
var Pages embed.FS

// Static holds CSS, JavaScript and images served under /static/.
//
//go:embed static
var Static embed.FS

// Definitions holds the built-in questionnaire definitions: the demo seminar
// and the standard evaluation template.
//
//go:embed definitions
var Definitions embed.FS
