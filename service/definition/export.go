package definition

import (
	"bytes"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// YAML writes the definition as the YAML a person would write: bilingual
// texts and options on one line where they are short, everything else in
// block style. ParseDefinition reads it back to the same definition.
func (d *Definition) YAML() ([]byte, error) {
	var doc yaml.Node
	if err := doc.Encode(d); err != nil {
		return nil, fmt.Errorf("encode definition: %w", err)
	}
	flowShortMaps(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("write YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write YAML: %w", err)
	}
	return buf.Bytes(), nil
}

// IndentedJSON writes the definition as indented JSON for people to read;
// the API and the database use the compact JSON of Definition.JSON.
func (d *Definition) IndentedJSON() []byte {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(err) // only plain data: cannot fail
	}
	return append(b, '\n')
}

// flowShortMaps writes small mappings of scalars ({en: Agree, zh: 同意},
// {value: police, label: {...}}, [zh, en]) on one line, as in the hand-written files.
func flowShortMaps(n *yaml.Node) int {
	size := 0
	simple := true
	for _, c := range n.Content {
		s := flowShortMaps(c)
		size += s
		if c.Kind != yaml.ScalarNode && !(c.Kind == yaml.MappingNode && c.Style == yaml.FlowStyle) {
			simple = false
		}
	}
	if n.Kind == yaml.ScalarNode {
		return len(n.Value) + 4
	}
	if (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && simple && size <= 90 && len(n.Content) > 0 {
		n.Style = yaml.FlowStyle
	}
	return size
}
