// Package load drives the submit endpoint (POST /s/{slug}) of a running
// service with concurrent clients, measures the ceiling of a bare
// prepared-INSERT handler on the same database, and checks afterwards that
// every acknowledged submission is stored exactly once. cmd/loadgen and
// cmd/faultcheck are its command lines.
package load

import (
	"fmt"
	"math/rand/v2"

	"seminareval/model"
	"seminareval/service/definition"
	"seminareval/templates"
)

// DemoDefinition returns the demo questionnaire the service seeds on an
// empty database: the default target.
func DemoDefinition() (*definition.Definition, error) {
	data, err := templates.Definitions.ReadFile("definitions/sanya-2018-evaluation.yaml")
	if err != nil {
		return nil, err
	}
	return definition.ParseDefinition(data)
}

// texts are comment answers, Chinese and emoji included, as participants
// write them.
var texts = []string{
	"很好的研讨会，希望明年再办。",
	"More time for the joint investigation case studies, please.",
	"口译质量很高 👍",
	"Useful exchange with colleagues from the other side.",
	"建议增加实地考察环节。",
}

// RandomAnswers returns a valid answer set for def, as a participant who
// skips some optional questions would send it, and how many answer rows
// the service must store for it.
func RandomAnswers(def *definition.Definition, r *rand.Rand) (map[string]any, int) {
	answers := map[string]any{}
	rows := 0
	for _, q := range def.Questions() {
		if !q.Required && r.IntN(10) < 3 {
			continue
		}
		switch q.Type {
		case model.TypeLikert, model.TypeRating, model.TypeNPS:
			if q.NA && r.IntN(10) == 0 {
				answers[q.Key] = "na"
			} else {
				levels := q.Levels()
				answers[q.Key] = levels[r.IntN(len(levels))]
			}
			rows++
		case model.TypeSingle:
			answers[q.Key] = q.Options[r.IntN(len(q.Options))].Value
			rows++
		case model.TypeMulti:
			var chosen []string
			for _, o := range q.Options {
				if r.IntN(2) == 0 {
					chosen = append(chosen, o.Value)
				}
			}
			if len(chosen) == 0 {
				if q.Required {
					chosen = []string{q.Options[0].Value}
				} else {
					continue
				}
			}
			answers[q.Key] = chosen
			rows += len(chosen)
		case model.TypeText, model.TypeLongText:
			answers[q.Key] = fmt.Sprintf("%s #%d", texts[r.IntN(len(texts))], r.IntN(1000))
			rows++
		}
	}
	return answers, rows
}
