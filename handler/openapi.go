package handler

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// openAPIYAML is the OpenAPI 3 description of /api/v1. It is written as YAML
// so that every engineer adding an /api/v1 route can extend it by hand, and
// served as JSON at /api/v1/openapi.json.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// loadOpenAPI converts the embedded document to JSON once at start, so a
// broken document fails the start rather than a client's request.
func loadOpenAPI() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("handler/openapi.yaml: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("handler/openapi.yaml: %w", err)
	}
	return b, nil
}
