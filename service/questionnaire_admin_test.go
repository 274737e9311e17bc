package service

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"seminareval/model"
	"seminareval/model/modeltest"
	"seminareval/service/definition"
)

func keysOf(d *definition.Definition) string {
	var parts []string
	for _, s := range d.Sections {
		var ks []string
		for _, q := range s.Questions {
			ks = append(ks, q.Key)
		}
		parts = append(parts, strings.Join(ks, ","))
	}
	return strings.Join(parts, " | ")
}

func TestEditorOperationsOnADefinition(t *testing.T) {
	d := &definition.Definition{Languages: []string{"zh", "en"}, Sections: []definition.Section{
		{Questions: []definition.QuestionDef{{Key: "a", Type: model.TypeText}, {Key: "b", Type: model.TypeText}}},
		{Questions: []definition.QuestionDef{{Key: "c", Type: model.TypeSingle, Options: []definition.Option{{Value: "x"}, {Value: "y"}}}}},
	}}
	steps := []struct {
		name string
		op   func() bool
		want string
		ok   bool
	}{
		{"move the first question up", func() bool { return d.MoveQuestion(0, -1) }, "a,b | c", false},
		{"move b down into the next section", func() bool { return d.MoveQuestion(1, 1) }, "a | b,c", true},
		{"move b back up", func() bool { return d.MoveQuestion(1, -1) }, "a,b | c", true},
		{"swap a and b", func() bool { return d.MoveQuestion(0, 1) }, "b,a | c", true},
		{"add a likert to section 1", func() bool { return d.AddQuestion(1, model.TypeLikert) }, "b,a | c,q4", true},
		{"add an unknown type", func() bool { return d.AddQuestion(0, "stars") }, "b,a | c,q4", false},
		{"delete a", func() bool { return d.DeleteQuestion(1) }, "b | c,q4", true},
		{"delete out of range", func() bool { return d.DeleteQuestion(9) }, "b | c,q4", false},
		{"add a section", func() bool { d.AddSection(); return true }, "b | c,q4 | ", true},
		{"delete a section with questions", func() bool { return d.DeleteSection(0) }, "b | c,q4 | ", false},
		{"delete the empty section", func() bool { return d.DeleteSection(2) }, "b | c,q4", true},
	}
	for _, s := range steps {
		if ok := s.op(); ok != s.ok || keysOf(d) != s.want {
			t.Fatalf("%s: ok=%t order %q, want ok=%t %q", s.name, ok, keysOf(d), s.ok, s.want)
		}
	}
	if !d.AddOption(1) || !d.MoveOption(1, 2, -1) || d.MoveOption(1, 0, -1) || !d.DeleteOption(1, 0) {
		t.Fatal("option operations refused")
	}
	var values []string
	for _, o := range d.Sections[1].Questions[0].Options {
		values = append(values, o.Value)
	}
	if strings.Join(values, ",") != "o3,y" {
		t.Fatalf("options = %v, want o3,y", values)
	}
	if d.AddOption(0) {
		t.Fatal("a text question got an option")
	}
}

func TestParseLocalTimeUsesTheSeminarTimeZone(t *testing.T) {
	loc := (&model.Seminar{Timezone: "Europe/Brussels"}).Zone()
	got, err := ParseLocalTime("2027-07-01T09:30", loc)
	if err != nil || got.Format(time.RFC3339) != "2027-07-01T07:30:00Z" {
		t.Fatalf("summer time in Brussels: %v %v", got, err)
	}
	if got, _ := ParseLocalTime("2027-01-15T09:30", model.DefaultZone()); got.Format(time.RFC3339) != "2027-01-15T01:30:00Z" {
		t.Fatalf("default Asia/Shanghai: %v", got)
	}
	if got, err := ParseLocalTime(" ", loc); got != nil || err != nil {
		t.Fatalf("empty: %v %v", got, err)
	}
	if _, err := ParseLocalTime("tomorrow", loc); err == nil {
		t.Fatal("nonsense accepted")
	}
}

func TestDuplicateAndScheduleKeepRowsAndDefinitionInStep(t *testing.T) {
	modeltest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		qs := NewQuestionnaires(db, nil)
		src, err := os.ReadFile("../templates/definitions/sanya-2018-evaluation.yaml")
		if err != nil {
			t.Fatal(err)
		}
		def, err := definition.ParseDefinition(src)
		if err != nil {
			t.Fatal(err)
		}
		q, err := qs.Import(ctx, def)
		if err != nil {
			t.Fatal(err)
		}
		opens, closes := time.Date(2027, 3, 1, 1, 0, 0, 0, time.UTC), time.Date(2027, 3, 2, 10, 0, 0, 0, time.UTC)
		if _, err := qs.Schedule(ctx, q.ID, &closes, &opens); !errors.Is(err, ErrBadSchedule) {
			t.Fatalf("closes before opens: %v", err)
		}
		if _, err := qs.Schedule(ctx, q.ID, &opens, &closes); err != nil {
			t.Fatal(err)
		}
		l, err := qs.Load(ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !l.OpensAt.Equal(opens) || !l.Def.OpensAt.Equal(opens) || !l.Def.ClosesAt.Equal(closes) {
			t.Fatalf("row %v / definition %v", l.OpensAt, l.Def.OpensAt)
		}
		dup, err := qs.Duplicate(ctx, q.ID, "sanya-2019-evaluation", "")
		if err != nil {
			t.Fatal(err)
		}
		dl, _ := qs.Load(ctx, dup.ID)
		if dup.Status != model.StatusDraft || dup.OpensAt != nil || *dup.SeminarID != *q.SeminarID || dl.Def.StructureKey() != l.Def.StructureKey() || dl.Def.Slug != "sanya-2019-evaluation" {
			t.Fatalf("duplicate: %+v", dup)
		}
		var n int64
		db.Model(&model.Question{}).Where("questionnaire_id = ?", dup.ID).Count(&n)
		if n != 12 {
			t.Fatalf("duplicate question rows = %d", n)
		}
		if _, err := qs.Duplicate(ctx, q.ID, "sanya-2019-evaluation", ""); !errors.Is(err, ErrSlugTaken) {
			t.Fatalf("duplicate onto a used slug: %v", err)
		}
		if _, err := qs.Duplicate(ctx, q.ID, "Bad Slug", ""); err == nil {
			t.Fatal("bad slug accepted")
		}
		if has, _ := qs.HasResponses(ctx, q.ID); has {
			t.Fatal("HasResponses without responses")
		}
	})
}
