package templates

import (
	"testing"
	"testing/fstest"
)

func TestCatalogueHasEveryKeyInEveryLanguage(t *testing.T) {
	c := Messages()
	if got := c.Langs(); len(got) != 2 || got[0] != "en" || got[1] != "zh" {
		t.Fatalf("languages %v, want [en zh]", got)
	}
	for _, p := range c.Check() {
		t.Error(p)
	}
}

func TestCatalogueCheckFindsWhatIsMissing(t *testing.T) {
	c, err := LoadCatalogue(fstest.MapFS{
		"messages/en.yaml": {Data: []byte("a: Apple\nb: \"%d rows of %s\"\nc: Cherry\nd: \"%s and %s\"\n")},
		"messages/zh.yaml": {Data: []byte("a: 苹果\nb: \"%[2]s 中有 %[1]d 行\"\nc: \"\"\nd: \"%s\"\ne: 多余\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"c: empty in messages/zh.yaml",
		`d: messages/zh.yaml has other fmt verbs than the English ("%s", "%s and %s")`,
		"e: messages/en.yaml lacks it",
	}
	got := c.Check()
	if len(got) != len(want) {
		t.Fatalf("Check() = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Check()[%d] = %q, want %q", i, got[i], want[i])
		}
	}
	if s := c.T("zh", "b", 3, "表"); s != "表 中有 3 行" {
		t.Errorf("T(zh, b) = %q", s)
	}
	if s := c.T("zh", "c"); s != "Cherry" {
		t.Errorf("an empty translation falls back to English: got %q", s)
	}
	if s := c.T("fr", "a"); s != "Apple" {
		t.Errorf("an unknown language falls back to English: got %q", s)
	}
	if s := c.T("en", "nope"); s != "nope" {
		t.Errorf("a missing key shows itself: got %q", s)
	}
}

func TestCataloguePrefixedFallsBackToEnglish(t *testing.T) {
	c, err := LoadCatalogue(fstest.MapFS{
		"messages/en.yaml": {Data: []byte("annex.title: Summary\nannex.rate: Response rate\nother: x\n")},
		"messages/zh.yaml": {Data: []byte("annex.title: 汇总\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Prefixed("zh", "annex.")
	if len(got) != 2 || got["title"] != "汇总" || got["rate"] != "Response rate" {
		t.Errorf("Prefixed(zh, annex.) = %v", got)
	}
}
